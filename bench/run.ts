/*
 * `npm run bench`: pagable side by side with its peers on the standard workload (workload.ts),
 * checked against the bars of DESIGN.md section 7. Reports medians and ratios; never fails on a
 * bar (it prints FAIL), only on an error.
 *
 *   npx tsc -p tsconfig.json && node --expose-gc build/bench/run.js [options]
 *
 *   --quick           a smaller workload and fewer samples: a smoke run (< 20 s)
 *   --json            print the results as JSON on stdout (the table goes to stderr)
 *   --only=a,b        only these metrics (pageOut pageIn roundTrip storedBytes heapDrop lmdbSave lmdbLoad),
 *                     and `memory`: the memory figures (see memory-figures.ts; heapDrop measures them too)
 *   --storages        also (default: on, off with --quick or --only) storages side by side: LMDB, Redis,
 *                     a local 3-node Redis Cluster vs in-memory, and round trips per load (storages.ts)
 *   --no-storages     skip them
 *   --iterations=N    measured samples per contender (default 7, quick 3), after warm-up
 *   --out=FILE        where to write the results JSON (default build/bench/results.json)
 *   --profile         CPU-profile the measured pagable samples; prints the top self-time functions
 *                     per metric and writes build/bench/profiles/<metric>.cpuprofile
 *
 * Results are also written to build/bench/results.json. BLAKE3 speed alone: bench/hash.ts.
 */
import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type DataKey, InMemoryPagableStorage, LmdbPagableStorage, type PagableData, type PinnedPagableArc } from '../src/index.js';
import { type Contender, type Samples, compare, hasGc } from './measure.js';
import { type MemoryRow, type StorageMemory, formatMemoryTable, measureMemory } from './memory-figures.js';
import { type RoundTripRow, type StorageRow, formatStorages, measureStorages } from './storages.js';
import { type BuildFile, BuildGraph, type Package, RustLibrary, Target } from './model.js';
import {
  classTransformerDeserialize,
  classTransformerRoundTrip,
  classTransformerSerialize,
  msgpackrPack,
  msgpackrUnpack,
} from './peers.js';
import { collectBlobs } from './reachable-blobs.js';
import { InProcessProfiler, type CpuProfile, formatSelfTimes, mergeSelfTimes, type SelfTime } from './profile.js';
import { ALL_METRICS, type MetricId, type MetricRow, formatTable, row, writeJson } from './report.js';
import { QUICK, STANDARD, type WorkloadOptions, arcValues, buildGraph, describe, toCt, toPlain, toUniquePlain } from './workload.js';

// ---- options ----------------------------------------------------------------------------------

const args = process.argv.slice(2);
const flag = (name: string): boolean => args.includes(`--${name}`);
const option = (name: string): string | undefined => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);

const quick = flag('quick');
const jsonOut = flag('json');
const profiling = flag('profile');
const iterations = Number(option('iterations') ?? (quick ? 3 : 7));
/** Arcs and blobs of the per-arc and per-blob memory figures. */
const memoryN = quick ? 20_000 : 100_000;
const warmup = quick ? 1 : 2;
const onlyArg = option('only');
const KNOWN: readonly string[] = [...ALL_METRICS, 'memory'];
const only = new Set<string>(onlyArg === undefined ? KNOWN : onlyArg.split(','));
const storagesToo = flag('storages') || (!flag('no-storages') && !quick && onlyArg === undefined);
for (const m of only) if (!KNOWN.includes(m)) throw new Error(`unknown metric ${m}; known: ${KNOWN.join(' ')}`);
const workloadOptions: WorkloadOptions = quick ? QUICK : STANDARD;

const outDir = dirname(fileURLToPath(import.meta.url));
const resultsPath = option('out') ?? join(outDir, 'results.json');
/** Progress and the table: stderr when stdout carries JSON. */
const say = (s: string): void => {
  (jsonOut ? process.stderr : process.stdout).write(s + '\n');
};

// ---- helpers ----------------------------------------------------------------------------------

/** A new in-memory storage holding `blobs` (so a load from it decodes everything afresh). */
function storageWith(blobs: Map<DataKey, PagableData>): InMemoryPagableStorage {
  const s = new InMemoryPagableStorage();
  // In memory, storeData is synchronous: there is nothing to await.
  for (const b of blobs.values()) void s.storeData(b);
  return s;
}

/** Pins every package's lazy build file (a full page-in), synchronously. */
function pinLazies(g: BuildGraph, record = false): PinnedPagableArc<BuildFile>[] {
  const pins: PinnedPagableArc<BuildFile>[] = [];
  const seen = new Set<Package>();
  for (const r of g.revisions) {
    for (const p of r.packages) {
      if (seen.has(p)) continue;
      seen.add(p);
      const pin = p.buildFile.pinSync();
      pins.push(pin);
      if (record) arcValues.set(p.buildFile, pin.value);
    }
  }
  return pins;
}

/** The same through `pin()`, all at once, for storages that read asynchronously (Redis). */
async function pinLaziesAsync(g: BuildGraph): Promise<PinnedPagableArc<BuildFile>[]> {
  const seen = new Set<Package>();
  for (const r of g.revisions) for (const p of r.packages) seen.add(p);
  return Promise.all([...seen].map((p) => p.buildFile.pin()));
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

function check(cond: boolean, what: string): void {
  if (!cond) throw new Error(`bench sanity check failed: ${what}`);
}

const MB = 1_000_000;

// ---- profiling --------------------------------------------------------------------------------

const profiler = profiling ? new InProcessProfiler(join(outDir, 'profiles')) : undefined;
const profiles = new Map<string, CpuProfile[]>();

function profiled<P, R>(metric: string, c: Contender<P, R>): Contender<P, R> {
  if (profiler === undefined) return c;
  return {
    ...c,
    around: {
      before: () => profiler.start(),
      after: async () => {
        const p = await profiler.stop();
        const list = profiles.get(metric) ?? [];
        list.push(p);
        profiles.set(metric, list);
      },
    },
  };
}

// ---- metrics ----------------------------------------------------------------------------------

/** The heapDrop row: the in-memory storage's share of the workload's heap freed (from the memory figures). */
function heapDropRow(m: StorageMemory): MetricRow {
  const d = m.detail.workload as { graphHeapBytes: number; heapAfterBytes: number; storeOverheadBytes: number };
  const freed = d.graphHeapBytes - d.heapAfterBytes - d.storeOverheadBytes;
  return row({
    id: 'heapDrop',
    label: 'heap drop after pageOutPending + gc',
    pagable: freed / MB,
    peer: d.graphHeapBytes / MB,
    unit: 'MB',
    ratio: m.heapFreed,
    ratioMeaning:
      "share of the heap used by the graph that paging out freed, counting the in-memory store's own index " +
      '(array buffers beyond the stored bytes) as not freed (pagable = freed MB, peer = graph MB)',
    bar: { op: '>=', value: 0.9 },
    detail: { exactGc: hasGc, ...(m.detail.workload as object) },
  });
}

function speedRow(
  id: MetricId,
  label: string,
  a: Samples,
  b: Samples,
  bar: number | undefined,
  meaning: string,
  detail: Record<string, unknown>,
): MetricRow {
  return row({
    id,
    label,
    pagable: a.median,
    peer: b.median,
    unit: 'ms',
    ratio: b.median / a.median,
    ratioMeaning: meaning,
    bar: bar === undefined ? null : { op: '>=', value: bar },
    detail: { pagableMs: a.ms, peerMs: b.ms, ...detail },
  });
}

async function main(): Promise<void> {
  const started = performance.now();
  if (!hasGc) say('warning: run with node --expose-gc for exact heap figures and GC-isolated samples');
  say(`pagable bench: ${quick ? 'quick' : 'standard'} workload, ${warmup} warm-up + ${iterations} measured samples per contender`);
  if (quick) say('(--quick is a smoke run: its ratios are not representative; bars are judged on the standard workload)');

  // Resolve schemas and warm the codec on a tiny graph, so the heap figures see only the workload.
  {
    const s = new InMemoryPagableStorage();
    const g = buildGraph({ ...workloadOptions, packages: 4, revisions: 2 }, s);
    const k = await s.save(g);
    pinLazies(await s.load(BuildGraph, k));
    await s.close();
  }

  const rows: MetricRow[] = [];
  let memoryRows: MemoryRow[] = [];
  let memoryFigures: { memory: StorageMemory; lmdb: StorageMemory } | undefined;
  if (only.has('heapDrop') || only.has('memory')) {
    const m = await measureMemory(memoryN, workloadOptions, say);
    memoryFigures = { memory: m.memory, lmdb: m.lmdb };
    if (only.has('memory')) memoryRows = m.rows;
    if (only.has('heapDrop')) rows.push(heapDropRow(m.memory));
  }

  // ---- the standard workload, in three forms ----
  say('building the standard workload ...');
  const home = new InMemoryPagableStorage();
  const graph = buildGraph(workloadOptions, home);
  const plain = toPlain(graph);
  const ct = toCt(graph);
  const shape = describe(graph);
  const unique = toUniquePlain(graph);
  const packed = msgpackrPack(plain);
  const uniquePacked = msgpackrPack(unique.plain);

  // Reference page-out: its blobs seed the page-in samples.
  const ref = new InMemoryPagableStorage();
  const rootKey = await ref.save(graph);
  const refStats = ref.stats();
  const blobs = collectBlobs(ref, rootKey);
  let childRefs = 0;
  for (const b of blobs.values()) childRefs += b.arcs.length;
  // Schema-set blobs (0xC1 0xC1 ...) are cached by the process that wrote them: a page-in fetches
  // only the data blobs.
  let schemaBlobs = 0;
  let schemaBytes = 0;
  for (const b of blobs.values()) {
    if (b.data[0] === 0xc1 && b.data[1] === 0xc1) {
      schemaBlobs++;
      schemaBytes += b.data.length;
    }
  }
  const dataBlobs = blobs.size - schemaBlobs;
  say(
    `workload: ${shape.objects} objects, ${shape.packages} packages, ${shape.targets} targets, ` +
      `${(shape.duplicatedFraction * 100).toFixed(1)}% of objects in duplicated subtrees; ` +
      `${refStats.stores} blobs written per save, ${refStats.blobs} distinct (${refStats.dedupHits} dedup hits)`,
  );

  // Sanity: pagable, msgpackr and class-transformer all restore the same data.
  {
    const s = storageWith(blobs);
    const back = await s.load(BuildGraph, rootKey);
    pinLazies(back, true);
    check(s.stats().fetches === dataBlobs, `a fresh page-in fetches every data blob once (${s.stats().fetches} of ${dataBlobs})`);
    check(back.revisions[0]!.packages[0]!.targets[0] instanceof Target, 'classes come back');
    check(
      back.revisions.some((r) => r.packages.some((p) => p.targets.some((t) => t.rule instanceof RustLibrary))),
      'polymorphic rules come back',
    );
    check(sameBytes(msgpackrPack(toPlain(back)), packed), 'pagable round trip equals the original (as plain data)');
    check(sameBytes(msgpackrPack(msgpackrUnpack(packed)), packed), 'msgpackr round trip');
    const json = classTransformerSerialize(ct);
    const ctBack = classTransformerDeserialize(json);
    check(classTransformerSerialize(ctBack) === json, 'class-transformer round trip');
    check(ctBack.revisions[0]!.packages[0]!.targets[0]!.rule.constructor.name.startsWith('Ct'), 'class-transformer restores classes');
    await s.close();
  }

  const memSave: Contender<InMemoryPagableStorage, DataKey> = {
    prepare: () => new InMemoryPagableStorage(),
    run: (s) => s.save(graph),
    check: (k) => check(k === rootKey, 'save is deterministic'),
  };
  const memLoad: Contender<InMemoryPagableStorage, PinnedPagableArc<BuildFile>[]> = {
    prepare: () => storageWith(blobs),
    run: async (s) => pinLazies(await s.load(BuildGraph, rootKey)),
    check: (_, s) => check(s.stats().fetches === dataBlobs, 'page-in decodes every blob'),
  };

  if (only.has('pageOut')) {
    say('page-out: save into a fresh InMemoryPagableStorage vs msgpackr.pack ...');
    const [a, b] = await compare(profiled('pageOut', memSave), { run: () => msgpackrPack(plain) }, warmup, iterations);
    rows.push(
      speedRow('pageOut', 'page-out: save vs msgpackr.pack', a, b, 0.5, 'pack time / save time (throughput on the same data)', {
        packedBytes: packed.length,
        packMBps: packed.length / MB / (b.median / 1000),
        objectsPerSecond: shape.objects / (a.median / 1000),
      }),
    );
  }
  if (only.has('pageIn')) {
    say('page-in: load + pin lazies from a fresh storage vs msgpackr.unpack ...');
    const [a, b] = await compare(profiled('pageIn', memLoad), { run: () => msgpackrUnpack(packed) }, warmup, iterations);
    // Without the help of dedup: unpack of the unique content only (each distinct package once).
    const [, u] = await compare({ run: () => undefined }, { run: () => msgpackrUnpack(uniquePacked) }, 1, iterations);
    rows.push(
      speedRow('pageIn', 'page-in: load vs msgpackr.unpack', a, b, 0.5, 'unpack time / load time', {
        note:
          'load restores content-equal subtrees as one object (dedup); unpack builds every copy. ' +
          'ratioVsUniqueUnpack compares with unpacking the unique content only (no copies to build)',
        unpackUniqueMs: u.ms,
        ratioVsUniqueUnpack: u.median / a.median,
      }),
    );
  }
  if (only.has('roundTrip')) {
    say('round trip: save + load vs class-transformer ...');
    const rt: Contender<InMemoryPagableStorage, unknown> = {
      prepare: () => new InMemoryPagableStorage(),
      run: async (s) => pinLazies(await s.load(BuildGraph, await s.save(graph))),
    };
    const [a, b] = await compare(profiled('roundTrip', rt), { run: () => classTransformerRoundTrip(ct) }, warmup, iterations);
    rows.push(speedRow('roundTrip', 'round trip vs class-transformer+JSON', a, b, 3, 'class-transformer time / pagable time', {}));
  }
  if (only.has('storedBytes')) {
    rows.push(
      row({
        id: 'storedBytes',
        label: 'stored bytes vs pack of unique content',
        pagable: refStats.bytes,
        peer: uniquePacked.length,
        unit: 'bytes',
        ratio: refStats.bytes / uniquePacked.length,
        ratioMeaning:
          'stats().bytes after one save / msgpackr.pack size of the plain workload with duplicate packages and configurations dropped',
        bar: { op: '<=', value: 1.0 },
        detail: {
          blobs: refStats.blobs,
          fullPackBytes: packed.length,
          keptPackages: unique.keptPackages,
          droppedPackages: unique.droppedPackages,
          keyBytes: 16 * (blobs.size + childRefs),
          schemaBlobs,
          schemaBytes,
          note: 'stats().bytes counts blob bodies; keys (16 B per blob and per child reference) are in keyBytes',
        },
      }),
    );
  }
  if (only.has('lmdbSave') || only.has('lmdbLoad')) {
    const root = mkdtempSync(join(tmpdir(), 'pagable-bench-'));
    try {
      if (only.has('lmdbSave')) {
        say('LMDB save vs in-memory save ...');
        let n = 0;
        const lmdbSave: Contender<{ s: LmdbPagableStorage; dir: string }, DataKey> = {
          prepare: async () => {
            const dir = join(root, `save-${n++}`);
            return { s: await LmdbPagableStorage.open(dir), dir };
          },
          run: ({ s }) => s.save(graph),
          check: async (k, { s, dir }) => {
            check(k === rootKey, 'LMDB save gives the same key');
            await s.close();
            rmSync(dir, { recursive: true, force: true });
          },
        };
        const [a, b] = await compare(profiled('lmdbSave', lmdbSave), memSave, warmup, iterations);
        rows.push(
          speedRow('lmdbSave', 'LMDB save vs in-memory save', a, b, undefined, 'in-memory time / LMDB time', {
            durable: 'default options (synced commit)',
          }),
        );
      }
      if (only.has('lmdbLoad')) {
        say('LMDB load vs in-memory load ...');
        const dir = join(root, 'load');
        {
          const s = await LmdbPagableStorage.open(dir);
          check((await s.save(graph)) === rootKey, 'LMDB save gives the same key');
          await s.close();
        }
        const lmdbLoad: Contender<LmdbPagableStorage, PinnedPagableArc<BuildFile>[]> = {
          prepare: () => LmdbPagableStorage.open(dir, { countAtOpen: false }),
          run: async (s) => pinLazies(await s.load(BuildGraph, rootKey)),
          check: async (_, s) => {
            check(s.stats().fetches === dataBlobs, 'LMDB page-in fetches every blob');
            await s.close();
          },
        };
        const [a, b] = await compare(profiled('lmdbLoad', lmdbLoad), memLoad, warmup, iterations);
        rows.push(
          speedRow('lmdbLoad', 'LMDB load vs in-memory load', a, b, undefined, 'in-memory time / LMDB time', {
            verify: 'default options (every blob re-hashed on read)',
          }),
        );
      }
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }
  let storages: { throughput: StorageRow[]; roundTrips: RoundTripRow[]; skipped: string | undefined } | undefined;
  if (storagesToo) {
    storages = await measureStorages({
      save: (s) => s.save(graph),
      load: async (s, k) => pinLaziesAsync(await s.load(BuildGraph, k)),
      warmup: Math.min(warmup, 1),
      iterations: Math.max(3, Math.floor(iterations / 2)),
      say,
    });
  }
  await home.close();
  await ref.close();

  // ---- report ----
  rows.sort((x, y) => ALL_METRICS.indexOf(x.id as MetricId) - ALL_METRICS.indexOf(y.id as MetricId));
  const failed = rows.filter((r) => r.pass === false);
  const memoryFailed = memoryRows.filter((r) => !r.pass);
  const profileSummary: Record<string, SelfTime[]> = {};
  for (const [metric, list] of profiles) {
    const merged = mergeSelfTimes(list);
    profileSummary[metric] = merged.slice(0, 25);
    profiler!.save(metric, list[0]!);
  }
  profiler?.close();
  const seconds = (performance.now() - started) / 1000;
  const results = {
    bench: 'pagable',
    date: new Date().toISOString(),
    node: process.version,
    quick,
    warmup,
    iterations,
    seconds,
    workload: {
      options: workloadOptions,
      ...shape,
      blobsWrittenPerSave: refStats.stores,
      distinctBlobs: refStats.blobs,
      dedupHits: refStats.dedupHits,
      packedBytes: packed.length,
      uniquePackedBytes: uniquePacked.length,
    },
    metrics: Object.fromEntries(rows.map((r) => [r.id, r])),
    ...(storages === undefined ? {} : { storages }),
    ...(memoryFigures === undefined
      ? {}
      : {
          memory: { rows: Object.fromEntries(memoryRows.map((r) => [r.id, r])), memory: memoryFigures.memory, lmdb: memoryFigures.lmdb },
        }),
    bars: {
      checked: rows.filter((r) => r.pass !== null).length + memoryRows.length,
      failed: [...failed.map((r) => r.id), ...memoryFailed.map((r) => `memory.${r.id}`)],
    },
    ...(profiling ? { profile: profileSummary } : {}),
  };
  writeJson(resultsPath, results);

  say('');
  say(formatTable(rows));
  if (storages !== undefined) {
    say('');
    say(formatStorages(storages.throughput, storages.roundTrips, shape.objects));
    if (storages.skipped !== undefined) say(storages.skipped);
  }
  if (memoryRows.length > 0) {
    say('');
    say(formatMemoryTable(memoryRows));
  }
  say('');
  const missed = results.bars.failed;
  say(
    missed.length === 0
      ? `all ${results.bars.checked} bars PASS (${seconds.toFixed(1)} s)`
      : `FAIL: ${missed.length} of ${results.bars.checked} bars missed: ${missed.join(', ')} (${seconds.toFixed(1)} s)`,
  );
  for (const [metric, list] of Object.entries(profileSummary)) say('\n' + formatSelfTimes(`profile ${metric}`, list, 12));
  say(`results: ${resultsPath}`);
  if (jsonOut) process.stdout.write(JSON.stringify(results) + '\n');
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);

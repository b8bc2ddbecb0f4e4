/*
 * The standard workload's metrics (the build graph of workload.ts, the bars of docs/design.md):
 * page-out against msgpackr.pack, page-in against unpack, the round trip against
 * class-transformer, stored bytes against the pack of the unique content, LMDB against in-memory,
 * and the storages side by side.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DataKey, InMemoryPagableStorage, LmdbPagableStorage, type PinnedPagableArc } from '../src/index.js';
import { type Contender, compare } from './measure.js';
import { type BuildFile, BuildGraph, type Package, RustLibrary, Target } from './model.js';
import {
  classTransformerDeserialize,
  classTransformerRoundTrip,
  classTransformerSerialize,
  msgpackrPack,
  msgpackrUnpack,
} from './peers.js';
import { collectBlobs, storageWith } from './reachable-blobs.js';
import { type MetricRow, row, speedRow } from './report.js';
import { type RoundTripRow, type StorageRow, measureStorages } from './storages.js';
import { type WorkloadOptions, arcValues, buildGraph } from './workload.js';
import { toCt } from './workload-ct.js';
import { toPlain, toUniquePlain } from './workload-plain.js';
import { describe } from './workload-shape.js';
import type { Profiled } from './workloads.js';

const MB = 1_000_000;

export interface StandardOptions {
  only: ReadonlySet<string>;
  workloadOptions: WorkloadOptions;
  warmup: number;
  iterations: number;
  storagesToo: boolean;
  say(s: string): void;
  profiled: Profiled;
}

export interface StandardResult {
  rows: MetricRow[];
  storages: { throughput: StorageRow[]; roundTrips: RoundTripRow[]; skipped: string | undefined } | undefined;
  /** The workload's shape and sizes, for results.json `workload`. */
  workload: Record<string, unknown>;
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

/** Measures the standard workload's metrics named in `o.only`. */
export async function measureStandard(o: StandardOptions): Promise<StandardResult> {
  const { only, workloadOptions, warmup, iterations, storagesToo, say, profiled } = o;
  const rows: MetricRow[] = [];
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
  let storages: StandardResult['storages'];
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
  return {
    rows,
    storages,
    workload: {
      options: workloadOptions,
      ...shape,
      blobsWrittenPerSave: refStats.stores,
      distinctBlobs: refStats.blobs,
      dedupHits: refStats.dedupHits,
      packedBytes: packed.length,
      uniquePackedBytes: uniquePacked.length,
    },
  };
}

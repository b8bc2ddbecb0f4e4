/*
 * `npm run bench`: pagable side by side with its peers, checked against the bars of
 * docs/design.md: first the standard workload (standard.ts), then every workload shape
 * (workloads.ts, shapes/). Reports medians and ratios; never fails on a bar (it prints FAIL),
 * only on an error.
 *
 *   npx tsc -p tsconfig.json && node --expose-gc build/bench/run.js [options]
 *
 *   --quick           a smaller workload, tiny shapes and fewer samples: a smoke run
 *   --json            print the results as JSON on stdout (the table goes to stderr)
 *   --only=a,b        only these metrics of the standard workload (pageOut pageIn roundTrip storedBytes
 *                     heapDrop lmdbSave lmdbLoad), `memory`: the memory figures (see memory-figures.ts;
 *                     heapDrop measures them too), and `workloads`: the shapes (see --workloads)
 *   --workloads=a,b   only these shapes (buildGraph documents tinyShared largeBlobs catalog; default: all, unless
 *                     --only leaves out `workloads`); results.json `workloads.<shape>`
 *   --storages        also (default: on, off with --quick or --only) storages side by side: LMDB, Redis,
 *                     a local 3-node Redis Cluster vs in-memory, and round trips per load (storages.ts)
 *   --no-storages     skip them
 *   --iterations=N    measured samples per contender (default 7, quick 3; shapes: 1 warm-up, default 3, quick 2)
 *   --out=FILE        where to write the results JSON (default build/bench/results.json)
 *   --profile         CPU-profile the measured pagable samples; prints the top self-time functions
 *                     per metric and writes build/bench/profiles/<metric>.cpuprofile
 *
 * Each shape is also measured without the V8 keep-alive measure (src/paging/v8-workarounds.ts), by dropping
 * the kept runs before each sample (warm-switch.ts): rows `*NoWarm` and the keep-alive speed-up.
 * BLAKE3 speed alone: bench/hash.ts.
 */
import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InMemoryPagableStorage } from '../src/index.js';
import { type Contender, hasGc } from './measure.js';
import { type MemoryRow, type StorageMemory, formatMemoryTable, measureMemory } from './memory-figures.js';
import { BuildGraph } from './model.js';
import { InProcessProfiler, type CpuProfile, formatSelfTimes, mergeSelfTimes, type SelfTime } from './profile.js';
import { ALL_METRICS, type MetricId, type MetricRow, formatTable, row, writeJson } from './report.js';
import type { ShapeResult } from './shape-bench.js';
import { type StandardResult, measureStandard } from './standard.js';
import { formatStorages } from './storages.js';
import { QUICK, STANDARD, type WorkloadOptions, buildGraph } from './workload.js';
import { benchWorkloads, formatSummary, formatWorkload, selectShapes } from './workloads.js';
import { runMain } from './run-main.js';

// ---- options ----------------------------------------------------------------------------------

const args = process.argv.slice(2);
const flag = (name: string): boolean => args.includes(`--${name}`);
const option = (name: string): string | undefined => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);

const quick = flag('quick');
const jsonOut = flag('json');
const profiling = flag('profile');
const iterationsArg = option('iterations');
const iterations = Number(iterationsArg ?? (quick ? 3 : 7));
const shapeIterations = Number(iterationsArg ?? (quick ? 2 : 3));
/** Shapes are large enough that one warm-up sample gets every path optimized. */
const shapeWarmup = 1;
/** Arcs and blobs of the per-arc and per-blob memory figures. */
const memoryN = quick ? 20_000 : 100_000;
const warmup = quick ? 1 : 2;
const onlyArg = option('only');
const workloadsArg = option('workloads');
const KNOWN: readonly string[] = [...ALL_METRICS, 'memory', 'workloads'];
const only = new Set<string>(onlyArg === undefined ? KNOWN : onlyArg.split(','));
if (workloadsArg !== undefined) only.add('workloads');
const storagesToo = flag('storages') || (!flag('no-storages') && !quick && onlyArg === undefined);
for (const m of only) if (!KNOWN.includes(m)) throw new Error(`unknown metric ${m}; known: ${KNOWN.join(' ')}`);
const shapes = only.has('workloads') ? selectShapes(workloadsArg?.split(',')) : [];
const workloadOptions: WorkloadOptions = quick ? QUICK : STANDARD;
const standardMetrics = ALL_METRICS.filter((m) => only.has(m) && m !== 'heapDrop');

const outDir = dirname(fileURLToPath(import.meta.url));
const resultsPath = option('out') ?? join(outDir, 'results.json');
/** Progress and the table: stderr when stdout carries JSON. */
const say = (s: string): void => {
  (jsonOut ? process.stderr : process.stdout).write(s + '\n');
};

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
    pagable: freed / 1_000_000,
    peer: d.graphHeapBytes / 1_000_000,
    unit: 'MB',
    ratio: m.heapFreed,
    ratioMeaning:
      "share of the heap used by the graph that paging out freed, counting the in-memory store's own index " +
      '(array buffers beyond the stored bytes) as not freed (pagable = freed MB, peer = graph MB)',
    bar: { op: '>=', value: 0.9 },
    detail: { exactGc: hasGc, ...(m.detail.workload as object) },
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
    const back = await s.load(BuildGraph, k);
    for (const r of back.revisions) for (const p of r.packages) p.buildFile.pinSync();
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
  let standard: StandardResult | undefined;
  if (standardMetrics.length > 0 || storagesToo) {
    standard = await measureStandard({ only, workloadOptions, warmup, iterations, storagesToo, say, profiled });
    rows.push(...standard.rows);
  }
  let workloads: Record<string, ShapeResult> = {};
  if (shapes.length > 0) {
    const tmp = mkdtempSync(join(tmpdir(), 'pagable-bench-shapes-'));
    try {
      workloads = await benchWorkloads(shapes, {
        size: quick ? 'tiny' : 'full',
        warmup: shapeWarmup,
        iterations: shapeIterations,
        tmp,
        say,
        profiled,
      });
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }

  // ---- report ----
  rows.sort((x, y) => ALL_METRICS.indexOf(x.id as MetricId) - ALL_METRICS.indexOf(y.id as MetricId));
  const failed = rows.filter((r) => r.pass === false);
  const memoryFailed = memoryRows.filter((r) => !r.pass);
  const workloadFailed = Object.values(workloads).flatMap((w) => w.bars.failed.map((id) => `${w.id}.${id}`));
  const profileSummary: Record<string, SelfTime[]> = {};
  for (const [metric, list] of profiles) {
    const merged = mergeSelfTimes(list);
    profileSummary[metric] = merged.slice(0, 25);
    profiler!.save(metric, list[0]!);
  }
  profiler?.close();
  const seconds = (performance.now() - started) / 1000;
  const storages = standard?.storages;
  const results = {
    bench: 'pagable',
    date: new Date().toISOString(),
    node: process.version,
    quick,
    warmup,
    iterations,
    shapeWarmup,
    shapeIterations,
    seconds,
    ...(standard === undefined ? {} : { workload: standard.workload }),
    metrics: Object.fromEntries(rows.map((r) => [r.id, r])),
    workloads: Object.fromEntries(
      Object.values(workloads).map((w) => [w.id, { ...w, rows: undefined, metrics: Object.fromEntries(w.rows.map((r) => [r.id, r])) }]),
    ),
    ...(storages === undefined ? {} : { storages }),
    ...(memoryFigures === undefined
      ? {}
      : {
          memory: { rows: Object.fromEntries(memoryRows.map((r) => [r.id, r])), memory: memoryFigures.memory, lmdb: memoryFigures.lmdb },
        }),
    bars: {
      checked:
        rows.filter((r) => r.pass !== null).length + memoryRows.length + Object.values(workloads).reduce((n, w) => n + w.bars.checked, 0),
      failed: [...failed.map((r) => r.id), ...memoryFailed.map((r) => `memory.${r.id}`), ...workloadFailed],
    },
    ...(profiling ? { profile: profileSummary } : {}),
  };
  writeJson(resultsPath, results);

  say('');
  if (rows.length > 0) say(formatTable(rows));
  if (storages !== undefined) {
    say('');
    say(formatStorages(storages.throughput, storages.roundTrips, Number(standard!.workload['objects'])));
    if (storages.skipped !== undefined) say(storages.skipped);
  }
  if (memoryRows.length > 0) {
    say('');
    say(formatMemoryTable(memoryRows));
  }
  for (const w of Object.values(workloads)) say('\n' + formatWorkload(w));
  if (shapes.length > 0) say('\n' + formatSummary(workloads));
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

runMain(main);

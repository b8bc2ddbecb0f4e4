/*
 * Paired A/B of two builds of this repository on the standard workload, in one process.
 *
 *   node --expose-gc build/bench/ab.js OLD/build NEW/build [--metric=pageIn|pageOut|lmdbSave] [--pairs=30] [--shape=S] [--cpu]
 *
 * `npm run bench` compares pagable with its peers; this compares pagable with itself, for a change
 * expected to move a figure by a few percent. On a small shared VM a whole run drifts by 20% or
 * more, and separate processes see different machines: here both builds load the same workload
 * in one process, samples alternate (each after a turn of the event loop and a full GC), and the
 * result is the median of the per-pair ratios B/A. Run A against a copy of A first (the same
 * directory twice would share its modules): that spread (medians of 0.97-1.05 over 30 pairs on
 * the project's 2-core VM) is the noise floor, and a change inside it is no change.
 *
 * `--cpu` times by the process's CPU time (user + system, every thread) rather than the clock.
 * `--shape=S` (a shape of bench/workloads.ts: tinyShared, documents, buildGraph, largeBlobs) times
 * that shape's save (pageOut: into a fresh memory storage; lmdbSave: into a fresh LMDB directory)
 * instead of the standard workload's.
 *
 * Each build is a directory holding `src/` and `bench/` as `tsc -b tsconfig.json` emits them
 * (`build/` here; a `git worktree` of the older commit, built, for the baseline).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { settle } from './measure.js';
import { collectBlobs } from './reachable-blobs.js';

type Metric = 'pageIn' | 'pageOut' | 'lmdbSave';

const args = process.argv.slice(2);
const option = (name: string): string | undefined => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const dirs = args.filter((a) => !a.startsWith('--'));
const metric = (option('metric') ?? 'pageIn') as Metric;
const pairs = Number(option('pairs') ?? 30);
const shapeId = option('shape');
/** --cpu: time samples by the process's CPU time (all threads, GC helpers included) instead of the clock, which a loaded machine's preemption inflates. */
const byCpu = args.includes('--cpu');
const now = (): number => {
  if (!byCpu) return performance.now();
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
if (dirs.length !== 2 || !['pageIn', 'pageOut', 'lmdbSave'].includes(metric) || !(pairs > 0) || (metric === 'lmdbSave' && !shapeId)) {
  console.error(
    'usage: node --expose-gc build/bench/ab.js DIR_A DIR_B [--metric=pageIn|pageOut|lmdbSave] [--pairs=30] [--shape=S] (lmdbSave needs --shape)',
  );
  process.exit(2);
}

/** One build's contender: `prepare` (untimed) makes a storage, `run` is timed, `done` (untimed) closes it. */
interface Side {
  prepare(): object | Promise<object>;
  run(storage: object): Promise<unknown>;
  done?(storage: object): Promise<void>;
}

const tmp = mkdtempSync(join(tmpdir(), 'pagable-ab-'));
let dbs = 0;

/** A shape's save, in build `dir`. */
async function shapeSide(at: (p: string) => string, id: string): Promise<Side> {
  const lib = (await import(at('src/index.js'))) as typeof import('../src/index.js');
  const workloads = (await import(at('bench/workloads.js'))) as typeof import('./workloads.js');
  const d = workloads.selectShapes([id])[0]!.make('full', new lib.InMemoryPagableStorage());
  if (metric === 'pageOut') {
    return {
      prepare: () => new lib.InMemoryPagableStorage(),
      run: (s) => (s as InstanceType<typeof lib.InMemoryPagableStorage>).save(d.root),
    };
  }
  type Lmdb = Awaited<ReturnType<typeof lib.LmdbPagableStorage.open>>;
  return {
    prepare: () => lib.LmdbPagableStorage.open(join(tmp, `db-${dbs++}`)),
    run: (s) => (s as Lmdb).save(d.root),
    done: async (s) => {
      await (s as Lmdb).close();
      rmSync(join(tmp, `db-${dbs - 1}`), { recursive: true, force: true });
    },
  };
}

async function side(dir: string): Promise<Side> {
  const at = (p: string): string => pathToFileURL(resolve(dir, p)).href;
  if (shapeId !== undefined) return shapeSide(at, shapeId);
  const workload = (await import(at('bench/workload.js'))) as typeof import('./workload.js');
  const lib = (await import(at('src/index.js'))) as typeof import('../src/index.js');
  const model = (await import(at('bench/model.js'))) as typeof import('./model.js');
  const graph = workload.buildGraph(workload.STANDARD, new lib.InMemoryPagableStorage());
  const ref = new lib.InMemoryPagableStorage();
  const rootKey = await ref.save(graph);
  // Every blob of the graph, so a page-in sample can start from a fresh storage holding them.
  const blobs = collectBlobs(ref, rootKey);
  type Storage = InstanceType<typeof lib.InMemoryPagableStorage>;
  if (metric === 'pageOut') {
    return { prepare: () => new lib.InMemoryPagableStorage(), run: (s) => (s as Storage).save(graph) };
  }
  return {
    prepare: () => {
      const s = new lib.InMemoryPagableStorage();
      for (const b of blobs.values()) void s.storeData(b);
      return s;
    },
    // What `npm run bench` times for page-in: the load, then every package's lazy build file.
    run: async (s) => {
      const g = await (s as Storage).load(model.BuildGraph, rootKey);
      const seen = new Set<object>();
      const pins: unknown[] = [];
      for (const r of g.revisions) {
        for (const p of r.packages) {
          if (seen.has(p)) continue;
          seen.add(p);
          pins.push(p.buildFile.pinSync());
        }
      }
      return pins;
    },
  };
}

async function sample(s: Side): Promise<number> {
  const storage = await s.prepare();
  await settle();
  const t0 = now();
  await s.run(storage);
  const t = now() - t0;
  await s.done?.(storage);
  return t;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((x, y) => x - y);
  return s[s.length >> 1]!;
}

const a = await side(dirs[0]!);
const b = await side(dirs[1]!);
for (let i = 0; i < 4; i++) {
  await sample(a);
  await sample(b);
}
const ta: number[] = [];
const tb: number[] = [];
const ratios: number[] = [];
for (let i = 0; i < pairs; i++) {
  // Alternate who goes first.
  const first = i % 2 === 0 ? a : b;
  const x = await sample(first);
  const y = await sample(first === a ? b : a);
  const [da, db] = first === a ? [x, y] : [y, x];
  ta.push(da);
  tb.push(db);
  ratios.push(db / da);
}
rmSync(tmp, { recursive: true, force: true });
console.log(
  `${shapeId ?? 'standard'} ${metric}${byCpu ? ' (CPU time)' : ''}: A ${median(ta).toFixed(1)} ms, B ${median(tb).toFixed(1)} ms (medians); ` +
    `B/A per pair: median ${median(ratios).toFixed(3)}, range ${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)}`,
);

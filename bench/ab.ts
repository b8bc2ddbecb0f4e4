/*
 * Paired A/B of two builds of this repository on the standard workload, in one process.
 *
 *   node --expose-gc build/bench/ab.js OLD/build NEW/build [--metric=pageIn|pageOut] [--pairs=30]
 *
 * `npm run bench` compares pagable with its peers; this compares pagable with itself, for a change
 * expected to move a figure by a few percent. On a small shared VM a whole run drifts by 20% or
 * more, and separate processes see different machines: here both builds load the same workload
 * in one process, samples alternate (each after a turn of the event loop and a full GC), and the
 * result is the median of the per-pair ratios B/A. Run A against a copy of A first (the same
 * directory twice would share its modules): that spread (medians of 0.97-1.05 over 30 pairs on
 * the project's 2-core VM) is the noise floor, and a change inside it is no change.
 *
 * Each build is a directory holding `src/` and `bench/` as `tsc -b tsconfig.json` emits them
 * (`build/` here; a `git worktree` of the older commit, built, for the baseline).
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { settle } from './measure.js';
import { collectBlobs } from './reachable-blobs.js';

type Metric = 'pageIn' | 'pageOut';

const args = process.argv.slice(2);
const option = (name: string): string | undefined => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const dirs = args.filter((a) => !a.startsWith('--'));
const metric = (option('metric') ?? 'pageIn') as Metric;
const pairs = Number(option('pairs') ?? 30);
if (dirs.length !== 2 || (metric !== 'pageIn' && metric !== 'pageOut') || !(pairs > 0)) {
  console.error('usage: node --expose-gc build/bench/ab.js DIR_A DIR_B [--metric=pageIn|pageOut] [--pairs=30]');
  process.exit(2);
}

/** One build's contender: `prepare` (untimed) makes a storage, `run` is timed. */
interface Side {
  prepare(): object;
  run(storage: object): Promise<unknown>;
}

async function side(dir: string): Promise<Side> {
  const at = (p: string): string => pathToFileURL(resolve(dir, p)).href;
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
  const storage = s.prepare();
  await settle();
  const t0 = performance.now();
  await s.run(storage);
  return performance.now() - t0;
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
console.log(
  `${metric}: A ${median(ta).toFixed(1)} ms, B ${median(tb).toFixed(1)} ms (medians); ` +
    `B/A per pair: median ${median(ratios).toFixed(3)}, range ${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)}`,
);

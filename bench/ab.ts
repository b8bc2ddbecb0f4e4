/*
 * Paired A/B of two builds of this repository on the standard workload, in one process.
 *
 *   node --expose-gc build/bench/ab.js OLD/build NEW/build [--metric=pageIn|pageOut] [--pairs=30]
 *   node --expose-gc build/bench/ab.js OLD/build NEW/build --shape=documents [--metric=load|lmdbLoad|save|lmdbSave]
 *
 * With `--shape`, the sides run that workload shape's load (then pin every lazy arc), its LMDB load
 * (`countAtOpen: false`, as the bench) or its save, instead of the standard workload. Besides wall
 * time, each sample's CPU time (`process.cpuUsage`, every thread of the process) is compared: on
 * a machine shared with other processes it counts what the sample did, not the time slices others
 * took.
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
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { settle } from './measure.js';
import { collectBlobs } from './reachable-blobs.js';

type Metric = 'pageIn' | 'pageOut' | 'load' | 'lmdbLoad' | 'save' | 'lmdbSave';

const args = process.argv.slice(2);
const option = (name: string): string | undefined => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const dirs = args.filter((a) => !a.startsWith('--'));
const metric = (option('metric') ?? 'pageIn') as Metric;
const pairs = Number(option('pairs') ?? 30);
const shapeId = option('shape');
const metrics: readonly Metric[] = shapeId === undefined ? ['pageIn', 'pageOut'] : ['load', 'lmdbLoad', 'save', 'lmdbSave'];
if (dirs.length !== 2 || !metrics.includes(metric) || !(pairs > 0)) {
  console.error(
    'usage: node --expose-gc build/bench/ab.js DIR_A DIR_B [--metric=pageIn|pageOut] [--pairs=30]\n' +
      '       node --expose-gc build/bench/ab.js DIR_A DIR_B --shape=ID [--metric=load|lmdbLoad|save|lmdbSave] [--pairs=30]',
  );
  process.exit(2);
}
const tmp = mkdtempSync(join(tmpdir(), 'pagable-ab-'));

/** One build's contender: `prepare` (untimed) makes a storage, `run` is timed. */
interface Side {
  prepare(): object | Promise<object>;
  run(storage: object): Promise<unknown>;
  done?(storage: object): Promise<void>;
}

/** One build's side on a workload shape (`--shape`). */
async function shapeSide(dir: string, id: string, n: number): Promise<Side> {
  const at = (p: string): string => pathToFileURL(resolve(dir, p)).href;
  const lib = (await import(at('src/index.js'))) as typeof import('../src/index.js');
  const workloads = (await import(at('bench/workloads.js'))) as typeof import('./workloads.js');
  const shape = workloads.selectShapes([id])[0]!;
  const d = shape.make('full', new lib.InMemoryPagableStorage());
  const ref = new lib.InMemoryPagableStorage();
  const rootKey = await ref.save(d.root);
  const blobs = collectBlobs(ref, rootKey);
  type Storage = InstanceType<typeof lib.PagableStorageBase>;
  const load = async (s: object): Promise<unknown> => d.pinAll(await (s as Storage).load(d.cls, rootKey));
  if (metric === 'save') return { prepare: () => new lib.InMemoryPagableStorage(), run: (s) => (s as Storage).save(d.root) };
  if (metric === 'lmdbSave') {
    let dbs = 0;
    return {
      prepare: () => lib.LmdbPagableStorage.open(join(tmp, `save-${n}-${dbs++}`)),
      run: (s) => (s as Storage).save(d.root),
      done: async (s) => {
        await (s as Storage).close();
        rmSync(join(tmp, `save-${n}-${dbs - 1}`), { recursive: true, force: true });
      },
    };
  }
  if (metric === 'load') {
    return {
      prepare: () => {
        const s = new lib.InMemoryPagableStorage();
        for (const b of blobs.values()) void s.storeData(b);
        return s;
      },
      run: load,
    };
  }
  const path = join(tmp, `side-${n}`);
  const w = await lib.LmdbPagableStorage.open(path);
  await w.save(d.root);
  await w.close();
  return {
    prepare: () => lib.LmdbPagableStorage.open(path, { countAtOpen: false }),
    run: load,
    done: (s) => (s as Storage).close(),
  };
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

/** One sample: [wall ms, CPU ms]. */
async function sample(s: Side): Promise<[number, number]> {
  const storage = await s.prepare();
  await settle();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await s.run(storage);
  const wall = performance.now() - t0;
  const c = process.cpuUsage(c0);
  await s.done?.(storage);
  return [wall, (c.user + c.system) / 1000];
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((x, y) => x - y);
  return s[s.length >> 1]!;
}

const a = shapeId === undefined ? await side(dirs[0]!) : await shapeSide(dirs[0]!, shapeId, 0);
const b = shapeId === undefined ? await side(dirs[1]!) : await shapeSide(dirs[1]!, shapeId, 1);
for (let i = 0; i < 4; i++) {
  await sample(a);
  await sample(b);
}
const ta: number[] = [];
const tb: number[] = [];
const ratios: number[] = [];
const ca: number[] = [];
const cb: number[] = [];
const cpuRatios: number[] = [];
for (let i = 0; i < pairs; i++) {
  // Alternate who goes first.
  const first = i % 2 === 0 ? a : b;
  const x = await sample(first);
  const y = await sample(first === a ? b : a);
  const [da, db] = first === a ? [x, y] : [y, x];
  ta.push(da[0]);
  tb.push(db[0]);
  ratios.push(db[0] / da[0]);
  ca.push(da[1]);
  cb.push(db[1]);
  cpuRatios.push(db[1] / da[1]);
}
const what = shapeId === undefined ? metric : `${shapeId} ${metric}`;
const line = (name: string, xa: number[], xb: number[], r: number[]): string =>
  `${what} ${name}: A ${median(xa).toFixed(1)} ms, B ${median(xb).toFixed(1)} ms (medians); ` +
  `B/A per pair: median ${median(r).toFixed(3)}, range ${Math.min(...r).toFixed(2)}-${Math.max(...r).toFixed(2)}`;
console.log(line('wall', ta, tb, ratios));
console.log(line('cpu', ca, cb, cpuRatios));
rmSync(tmp, { recursive: true, force: true });

/*
 * Where the time and the memory of one operation on one workload shape go, for the write-up in
 * bench/PROFILE.md: the operation runs alone (after warm-up), under the CPU profiler (self time by
 * function and by file) or the sampling heap profiler (bytes allocated, garbage included, by
 * function), so `node --cpu-prof`, `--trace-gc` or valgrind can also be pointed at it.
 *
 *   node --expose-gc build/bench/diagnose.js --shape=documents --op=save [--n=5] [--cpu] [--alloc] [--size=tiny]
 *
 * --cpu --lines=visit,add adds the samples by source line inside those functions.
 *
 * ops: save load loadRoot pins lmdbSave lmdbLoad (pagable), pack unpack floor rawLmdbSave rawLmdbLoad (peers), and none
 * (nothing: the baseline when counting instructions of a whole process, e.g. under callgrind).
 */
import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pack, unpack } from 'msgpackr';
import { InMemoryPagableStorage, LmdbPagableStorage } from '../src/index.js';
import { AllocProfiler, type AllocSite } from './alloc-profile.js';
import { floorSave } from './floor.js';
import { type Contender, settle } from './measure.js';
import { InProcessProfiler, formatSelfTimes, lineTicks, mergeSelfTimes, type CpuProfile, type SelfTime } from './profile.js';
import { rawLmdbLoad, rawLmdbSave, rawLmdbWrite } from './raw-lmdb.js';
import { collectBlobs, dataBlobCount, storageWith } from './reachable-blobs.js';
import type { ShapeSize } from './shapes/shape.js';
import { selectShapes } from './workloads.js';
import { runMain } from './run-main.js';

const args = process.argv.slice(2);
const option = (name: string): string | undefined => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const shape = selectShapes([option('shape') ?? 'documents'])[0]!;
const op = option('op') ?? 'save';
const n = Number(option('n') ?? 5);
const size = (option('size') ?? 'full') as ShapeSize;

/** Self time per source file (the part of `where` before the line number). */
function byFile(rows: readonly SelfTime[]): Array<[string, number]> {
  const m = new Map<string, number>();
  for (const r of rows) {
    const f = r.where.replace(/:\d+$/, '');
    m.set(f, (m.get(f) ?? 0) + r.share);
  }
  return [...m].sort((a, b) => b[1] - a[1]);
}

async function main(): Promise<void> {
  const home = new InMemoryPagableStorage();
  const d = shape.make(size, home);
  const ref = new InMemoryPagableStorage();
  const rootKey = await ref.save(d.root);
  const { stores } = ref.stats();
  const blobs = collectBlobs(ref, rootKey);
  const dataBlobs = dataBlobCount(blobs);
  const packed = pack(d.plain);
  const pieces = d.pieces();
  const tmp = mkdtempSync(join(tmpdir(), 'pagable-diagnose-'));
  const lmdbDir = join(tmp, 'load');
  {
    const s = await LmdbPagableStorage.open(lmdbDir);
    await s.save(d.root);
    await s.close();
  }
  await rawLmdbWrite(join(tmp, 'raw-load'), d.documents);
  let k = 0;
  const ops: Record<string, Contender> = {
    save: { prepare: () => new InMemoryPagableStorage(), run: (s) => (s as InMemoryPagableStorage).save(d.root) },
    load: { prepare: () => storageWith(blobs), run: async (s) => d.pinAll(await (s as InMemoryPagableStorage).load(d.cls, rootKey)) },
    // The load without pinning its lazy arcs: what the pins add is load minus this.
    loadRoot: { prepare: () => storageWith(blobs), run: (s) => (s as InMemoryPagableStorage).load(d.cls, rootKey) },
    // Only the pins of a loaded graph's lazy arcs.
    pins: { prepare: () => storageWith(blobs).load(d.cls, rootKey), run: (v) => d.pinAll(v as object) },
    lmdbSave: {
      prepare: () => LmdbPagableStorage.open(join(tmp, `save-${k++}`)),
      run: (s) => (s as LmdbPagableStorage).save(d.root),
      check: (_, s) => (s as LmdbPagableStorage).close(),
    },
    lmdbLoad: {
      prepare: () => LmdbPagableStorage.open(lmdbDir, { countAtOpen: false }),
      run: async (s) => d.pinAll(await (s as LmdbPagableStorage).load(d.cls, rootKey)),
      check: (_, s) => (s as LmdbPagableStorage).close(),
    },
    none: { run: () => undefined },
    pack: { run: () => pack(d.plain) },
    unpack: { run: () => unpack(packed) },
    floor: { run: () => floorSave(pieces) },
    rawLmdbSave: rawLmdbSave(tmp, d.documents) as Contender,
    rawLmdbLoad: rawLmdbLoad(join(tmp, 'raw-load'), d.documents) as Contender,
  };
  const c = ops[op];
  if (c === undefined) throw new Error(`unknown op ${op}; known: ${Object.keys(ops).join(' ')}`);
  const cpu = args.includes('--cpu') ? new InProcessProfiler(join(tmp, 'profiles'), 100) : undefined;
  const alloc = args.includes('--alloc') ? new AllocProfiler() : undefined;
  const profiles: CpuProfile[] = [];
  const allocSites = new Map<string, AllocSite>();
  const ms: number[] = [];
  for (let i = 0; i < n + 2; i++) {
    const input = c.prepare ? await c.prepare() : undefined;
    await settle();
    const measured = i >= 2;
    if (measured && cpu) await cpu.start();
    if (measured && alloc) await alloc.start();
    const t0 = performance.now();
    const r = await c.run(input);
    ms.push(performance.now() - t0);
    if (measured && cpu) profiles.push(await cpu.stop());
    if (measured && alloc) {
      for (const a of await alloc.stop()) {
        const k = `${a.fn}\0${a.where}`;
        const e = allocSites.get(k) ?? { ...a, bytes: 0 };
        e.bytes += a.bytes;
        allocSites.set(k, e);
      }
    }
    if (c.check) await c.check(r, input);
  }
  const med = [...ms.slice(2)].sort((a, b) => a - b)[Math.floor(n / 2)]!;
  console.log(
    `${shape.id} ${op}: median ${med.toFixed(1)} ms over ${n}; ${stores} blobs written per save, ${dataBlobs} data blobs, ` +
      `${pieces.length} pieces; ${((med * 1000) / stores).toFixed(2)} us per blob written`,
  );
  if (cpu) {
    const rows = mergeSelfTimes(profiles);
    console.log(formatSelfTimes(`${shape.id} ${op}`, rows, Number(option('top') ?? 30)));
    console.log('by file:');
    for (const [f, share] of byFile(rows).slice(0, 15)) console.log(`  ${(share * 100).toFixed(1).padStart(5)}%  ${f}`);
    // --lines=fn,fn: samples by source line inside those functions (inlined callees included).
    for (const fn of option('lines')?.split(',') ?? []) {
      console.log(`${fn}, samples by line:`);
      for (const l of lineTicks(profiles, fn).slice(0, 25)) console.log(`  ${String(l.ticks).padStart(6)}  ${l.where}`);
    }
    cpu.close();
  }
  if (alloc) {
    const sites = [...allocSites.values()].sort((a, b) => b.bytes - a.bytes);
    const total = sites.reduce((s, a) => s + a.bytes, 0) / n;
    console.log(`allocated per ${op}: ${(total / 1e6).toFixed(1)} MB; ${(total / stores).toFixed(0)} B per blob written (sampled)`);
    for (const a of sites.slice(0, Number(option('top') ?? 20))) {
      console.log(
        `  ${(a.bytes / n / 1e6).toFixed(2).padStart(7)} MB  ${((a.bytes / n / stores) | 0).toString().padStart(5)} B/blob  ${a.fn}  ${a.where}`,
      );
    }
    alloc.close();
  }
  await home.close();
  rmSync(tmp, { recursive: true, force: true });
}

runMain(main);

/*
 * The in-memory ratios of some shapes, quickly: save against pack and the floor, load against
 * unpack, side by side in one process (compareMany), for measuring one change before and after
 * it without the whole bench (bench/PROFILE.md's table was made with it).
 *
 *   node --expose-gc build/bench/ratios.js [--shapes=documents,tinyShared] [--iterations=5] [--size=tiny] [--ops=save,load,lmdb]
 */
import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pack, unpack } from 'msgpackr';
import { InMemoryPagableStorage, LmdbPagableStorage } from '../src/index.js';
import { floorSave } from './floor.js';
import { type Contender, compareMany } from './measure.js';
import { rawLmdbLoad, rawLmdbSave, rawLmdbWrite } from './raw-lmdb.js';
import { collectBlobs, storageWith } from './reachable-blobs.js';
import type { ShapeSize } from './shapes/shape.js';
import { selectShapes } from './workloads.js';
import { runMain } from './run-main.js';

const args = process.argv.slice(2);
const option = (name: string): string | undefined => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const iterations = Number(option('iterations') ?? 5);
const size = (option('size') ?? 'full') as ShapeSize;
const ops = new Set((option('ops') ?? 'save,load').split(','));

async function main(): Promise<void> {
  const tmp = mkdtempSync(join(tmpdir(), 'pagable-ratios-'));
  for (const shape of selectShapes(option('shapes')?.split(','))) {
    const home = new InMemoryPagableStorage();
    const d = shape.make(size, home);
    const ref = new InMemoryPagableStorage();
    const rootKey = await ref.save(d.root);
    const blobs = collectBlobs(ref, rootKey);
    const packed = pack(d.plain);
    const pieces = d.pieces();
    const line: string[] = [shape.id];
    if (ops.has('save')) {
      const [sv, pk, fl] = await compareMany(
        [
          { prepare: () => new InMemoryPagableStorage(), run: (s: InMemoryPagableStorage) => s.save(d.root) },
          { run: () => pack(d.plain) },
          { run: () => floorSave(pieces) },
        ] as Contender[],
        1,
        iterations,
      );
      line.push(
        `save ${sv!.median.toFixed(1)} ms: vs floor ${(fl!.median / sv!.median).toFixed(2)}x, vs pack ${(pk!.median / sv!.median).toFixed(2)}x`,
      );
    }
    if (ops.has('load')) {
      const [ld, up] = await compareMany(
        [
          { prepare: () => storageWith(blobs), run: async (s: InMemoryPagableStorage) => d.pinAll(await s.load(d.cls, rootKey)) },
          { run: () => unpack(packed) },
        ] as Contender[],
        1,
        iterations,
      );
      line.push(`load ${ld!.median.toFixed(1)} ms: vs unpack ${(up!.median / ld!.median).toFixed(2)}x`);
    }
    if (ops.has('lmdb')) {
      const dir = join(tmp, shape.id);
      let n = 0;
      const [ls, rs] = await compareMany(
        [
          {
            prepare: () => LmdbPagableStorage.open(join(dir, `s${n++}`)),
            run: (s: LmdbPagableStorage) => s.save(d.root),
            check: (_: unknown, s: LmdbPagableStorage) => s.close(),
          },
          rawLmdbSave(dir, d.documents),
        ] as Contender[],
        1,
        iterations,
      );
      const loadDir = join(dir, 'load');
      const s = await LmdbPagableStorage.open(loadDir);
      await s.save(d.root);
      await s.close();
      await rawLmdbWrite(join(dir, 'raw'), d.documents);
      const [ll, rl] = await compareMany(
        [
          {
            prepare: () => LmdbPagableStorage.open(loadDir, { countAtOpen: false }),
            run: async (st: LmdbPagableStorage) => d.pinAll(await st.load(d.cls, rootKey)),
            check: (_: unknown, st: LmdbPagableStorage) => st.close(),
          },
          rawLmdbLoad(join(dir, 'raw'), d.documents),
        ] as Contender[],
        1,
        iterations,
      );
      line.push(`lmdb save ${(rs!.median / ls!.median).toFixed(2)}x, load ${(rl!.median / ll!.median).toFixed(2)}x`);
    }
    console.log(line.join(' | '));
    await ref.close();
    await home.close();
  }
  rmSync(tmp, { recursive: true, force: true });
}

runMain(main);

/*
 * One workload shape measured against its peers, every ratio from samples taken side by side in
 * one run (compareMany): save against msgpackr.pack and against the shape's floor, with and
 * without the V8 keep-alive measure; load against unpack, likewise; the round trip against
 * class-transformer; LMDB save and load against raw lmdb-js. Each ratio is judged against the
 * shape's bar (see shapes/shape.ts).
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { instanceToPlain, plainToInstance } from 'class-transformer';
import { pack, unpack } from 'msgpackr';
import { type DataKey, InMemoryPagableStorage, LmdbPagableStorage } from '../src/index.js';
import { distinctPacked, floorLoad, floorSave } from './floor.js';
import { type Contender, compareMany } from './measure.js';
import { type ResaveFigures, measureResave } from './moonshot.js';
import { rawLmdbLoad, rawLmdbSave, rawLmdbWrite } from './raw-lmdb.js';
import { collectBlobs, dataBlobCount, storageWith } from './reachable-blobs.js';
import { type MetricRow, speedRow } from './report.js';
import type { Shape, ShapeData, ShapeSize } from './shapes/shape.js';
import { withoutWarm } from './warm-switch.js';

export interface ShapeBenchOptions {
  size: ShapeSize;
  warmup: number;
  iterations: number;
  /** A directory the LMDB samples may use. */
  tmp: string;
  say(s: string): void;
  /** Wraps the pagable contender of a metric (profiling). */
  profiled<P, R>(metric: string, c: Contender<P, R>): Contender<P, R>;
}

export interface ShapeResult {
  id: string;
  title: string;
  shape: Record<string, number | string>;
  rows: MetricRow[];
  /** Per-blob and GC figures (medians). */
  figures: Record<string, number>;
  /** Re-save of a loaded, frozen graph with one leaf changed (the build graph only). */
  resave?: ResaveFigures;
  bars: { checked: number; failed: string[] };
}

function check(cond: boolean, what: string): void {
  if (!cond) throw new Error(`bench sanity check failed: ${what}`);
}

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => a.length === b.length && Buffer.compare(a, b) === 0;
const ctSerialize = (v: object): string => JSON.stringify(instanceToPlain(v));

/** Measures `shape` at `o.size`. */
export async function benchShape(shape: Shape, o: ShapeBenchOptions): Promise<ShapeResult> {
  const { warmup, iterations, say } = o;
  const id = shape.id;
  say(`[${id}] building ...`);
  const home = new InMemoryPagableStorage();
  const d: ShapeData = shape.make(o.size, home);
  const packed = pack(d.plain);
  const pieces = d.pieces();
  const floorBytes = floorSave(pieces);
  const distinctPieces = distinctPacked(pieces);

  // Reference save: its blobs seed the load samples.
  const ref = new InMemoryPagableStorage();
  const rootKey = await ref.save(d.root);
  const st = ref.stats();
  const blobs = collectBlobs(ref, rootKey);
  const dataBlobs = dataBlobCount(blobs);
  await ref.close();
  say(
    `[${id}] ${st.stores} blobs written per save (${pieces.length} per-blob pieces), ${st.blobs} distinct, ` +
      `${st.bytes} B stored; msgpackr.pack ${packed.length} B`,
  );

  // Sanity: pagable, msgpackr and class-transformer all give the same data back.
  {
    const s = storageWith(blobs);
    const back = await s.load(d.cls, rootKey);
    d.pinAll(back);
    check(s.stats().fetches === dataBlobs, `[${id}] a fresh load fetches every data blob once (${s.stats().fetches} of ${dataBlobs})`);
    check(sameBytes(pack(d.toPlain(back)), packed), `[${id}] pagable round trip equals the original (as plain data)`);
    const json = ctSerialize(d.ct);
    check(ctSerialize(plainToInstance(d.ctClass, JSON.parse(json) as object)) === json, `[${id}] class-transformer round trip`);
    await s.close();
  }

  const save: Contender<InMemoryPagableStorage, DataKey> = {
    prepare: () => new InMemoryPagableStorage(),
    run: (s) => s.save(d.root),
    check: (k) => check(k === rootKey, `[${id}] save is deterministic`),
  };
  const load: Contender<InMemoryPagableStorage, unknown[]> = {
    prepare: () => storageWith(blobs),
    run: async (s) => d.pinAll(await s.load(d.cls, rootKey)),
    check: (_, s) => check(s.stats().fetches === dataBlobs, `[${id}] a load decodes every data blob`),
  };

  say(`[${id}] save vs msgpackr.pack and the floor, with and without the keep-alive ...`);
  const [sv, svCold, pk, fl] = await compareMany(
    [o.profiled(`${id}.save`, save), withoutWarm(save), { run: () => pack(d.plain) }, { run: () => floorSave(pieces) }] as Contender[],
    warmup,
    iterations,
  );
  say(`[${id}] load vs msgpackr.unpack and the load floor, with and without the keep-alive ...`);
  const [ld, ldCold, up, lf] = await compareMany(
    [
      o.profiled(`${id}.load`, load),
      withoutWarm(load),
      { run: () => unpack(packed) },
      { run: () => floorLoad(distinctPieces) },
    ] as Contender[],
    warmup,
    iterations,
  );
  say(`[${id}] round trip vs class-transformer ...`);
  const [rt, ct] = await compareMany(
    [
      {
        prepare: () => new InMemoryPagableStorage(),
        run: async (s: InMemoryPagableStorage) => d.pinAll(await s.load(d.cls, await s.save(d.root))),
      },
      { run: () => plainToInstance(d.ctClass, JSON.parse(ctSerialize(d.ct)) as object) },
    ] as Contender[],
    warmup,
    iterations,
  );

  say(`[${id}] LMDB save and load vs raw lmdb-js ...`);
  const tmp = join(o.tmp, id);
  mkdirSync(tmp, { recursive: true });
  let n = 0;
  const lmdbSave: Contender<{ s: LmdbPagableStorage; dir: string }, DataKey> = {
    prepare: async () => {
      const dir = join(tmp, `save-${n++}`);
      return { s: await LmdbPagableStorage.open(dir), dir };
    },
    run: ({ s }) => s.save(d.root),
    check: async (k, { s, dir }) => {
      check(k === rootKey, `[${id}] LMDB save gives the same key`);
      await s.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  const [ls, rs] = await compareMany(
    [o.profiled(`${id}.lmdbSave`, lmdbSave), rawLmdbSave(tmp, d.documents)] as Contender[],
    warmup,
    iterations,
  );
  const loadDir = join(tmp, 'load');
  {
    const s = await LmdbPagableStorage.open(loadDir);
    check((await s.save(d.root)) === rootKey, `[${id}] LMDB save gives the same key`);
    await s.close();
  }
  const rawDir = join(tmp, 'raw-load');
  await rawLmdbWrite(rawDir, d.documents);
  const lmdbLoad: Contender<LmdbPagableStorage, unknown[]> = {
    prepare: () => LmdbPagableStorage.open(loadDir, { countAtOpen: false }),
    run: async (s) => d.pinAll(await s.load(d.cls, rootKey)),
    check: async (_, s) => {
      check(s.stats().fetches === dataBlobs, `[${id}] an LMDB load fetches every data blob`);
      await s.close();
    },
  };
  const [ll, rl] = await compareMany(
    [o.profiled(`${id}.lmdbLoad`, lmdbLoad), rawLmdbLoad(rawDir, d.documents)] as Contender[],
    warmup,
    iterations,
  );

  const resave = id === 'buildGraph' ? await measureResave(d, blobs, rootKey, { warmup, iterations, say }) : undefined;
  await home.close();
  rmSync(tmp, { recursive: true, force: true });

  const b = shape.bars;
  const rows: MetricRow[] = [
    speedRow('saveVsFloor', 'save vs floor (per-blob pack + BLAKE3)', sv!, fl!, b.saveVsFloor, 'floor time / save time'),
    speedRow('saveVsPack', 'save vs msgpackr.pack', sv!, pk!, b.saveVsPack, 'pack time / save time'),
    speedRow('loadVsUnpack', 'load vs msgpackr.unpack', ld!, up!, b.loadVsUnpack, 'unpack time / load time (lazies pinned)'),
    speedRow('roundTrip', 'round trip vs class-transformer+JSON', rt!, ct!, b.roundTrip, 'class-transformer time / pagable time'),
    speedRow('lmdbSave', 'LMDB save vs raw lmdb-js put', ls!, rs!, b.lmdb, 'raw lmdb-js time / LMDB save time', {
      rawDocuments: d.documents.length,
    }),
    speedRow('lmdbLoad', 'LMDB load vs raw lmdb-js get', ll!, rl!, b.lmdb, 'raw lmdb-js time / LMDB load time', {
      rawDocuments: d.documents.length,
    }),
    speedRow(
      'loadVsFloor',
      'load vs load floor (per-blob unpack)',
      ld!,
      lf!,
      undefined,
      'load floor time / load time (floor: each distinct piece unpacked)',
      {
        distinctPieces: distinctPieces.length,
      },
    ),
    // Not judged: what the load bar asks of a load that decodes each blob on its own. Below the
    // bar (tinyShared, documents, largeBlobs, catalog: bench/PROFILE.md, phase 11), no such load can meet it.
    speedRow(
      'loadFloorVsUnpack',
      'load floor vs msgpackr.unpack',
      lf!,
      up!,
      undefined,
      'unpack time / load floor time (the most a load of separate blobs reaches, with no lookup, identity or classes)',
    ),
    speedRow('saveVsFloorNoWarm', 'save vs floor, no keep-alive', svCold!, fl!, undefined, 'floor time / save time without warm.ts'),
    speedRow('saveVsPackNoWarm', 'save vs pack, no keep-alive', svCold!, pk!, undefined, 'pack time / save time without warm.ts'),
    speedRow('loadVsUnpackNoWarm', 'load vs unpack, no keep-alive', ldCold!, up!, undefined, 'unpack time / load time without warm.ts'),
  ];
  if (resave !== undefined) rows.push(resave.row);
  const us = (ms: number, per: number): number => (ms * 1000) / per;
  const figures: Record<string, number> = {
    blobsWritten: st.stores,
    pieces: pieces.length,
    distinctBlobs: st.blobs,
    dedupHits: st.dedupHits,
    storedBytes: st.bytes,
    packedBytes: packed.length,
    floorPackedBytes: floorBytes,
    saveUsPerBlob: us(sv!.median, st.stores),
    floorUsPerBlob: us(fl!.median, pieces.length),
    saveNoWarmUsPerBlob: us(svCold!.median, st.stores),
    loadUsPerDataBlob: us(ld!.median, dataBlobs),
    loadFloorUsPerBlob: us(lf!.median, distinctPieces.length),
    saveGcMs: sv!.gcMedian ?? NaN,
    packGcMs: pk!.gcMedian ?? NaN,
    floorGcMs: fl!.gcMedian ?? NaN,
    loadGcMs: ld!.gcMedian ?? NaN,
    unpackGcMs: up!.gcMedian ?? NaN,
    saveGcShare: (sv!.gcMedian ?? NaN) / sv!.median,
    loadGcShare: (ld!.gcMedian ?? NaN) / ld!.median,
    keepAliveSaveGain: svCold!.median / sv!.median,
    keepAliveLoadGain: ldCold!.median / ld!.median,
  };
  const judged = rows.filter((r) => r.pass !== null);
  return {
    id,
    title: shape.title,
    shape: d.describe,
    rows,
    figures,
    ...(resave === undefined ? {} : { resave: resave.figures }),
    bars: { checked: judged.length, failed: judged.filter((r) => r.pass === false).map((r) => r.id) },
  };
}

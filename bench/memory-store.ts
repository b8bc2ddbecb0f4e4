/*
 * MemoryBlobStore against what the in-memory storage did before it, a Map<DataKey, PagableData>:
 * put and get throughput on 100k small blobs (20-60 data bytes, 0-2 children), and memory per
 * stored blob beyond its data (heap + array buffers, after a full GC).
 *
 *   npx tsc -p tsconfig.json && node --expose-gc build/bench/memory-store.js [--iterations=N]
 *
 * The Map keeps the caller's PagableData objects as they are; the store copies them into its
 * arena on put and out of it on get (decoding child keys back into strings), which is what makes
 * it compact and tamper-proof, and what the get ratio pays for.
 */
import { type DataKey, type PagableData, keyFromBytes } from '../src/keys/data.js';
import { MemoryBlobStore } from '../src/blobstore/memory/memory-blob-store.js';
import type { BlobEntry } from '../src/blobstore/interface.js';
import { compare, hasGc, settle } from './measure.js';
import { Prng } from './prng.js';

const N = 100_000;
const BATCH = 1000;
const args = process.argv.slice(2);
const iterations = Number(args.find((a) => a.startsWith('--iterations='))?.slice(13) ?? 7);

function randomKey(r: Prng): DataKey {
  const b = new Uint8Array(16);
  for (let i = 0; i < 16; i++) b[i] = r.u32() & 0xff;
  return keyFromBytes(b);
}

/** The workload: N blobs as a decoder would hand them over, in batches of BATCH. */
function workload(seed: number): BlobEntry[][] {
  const r = new Prng(seed);
  const batches: BlobEntry[][] = [];
  for (let i = 0; i < N; i += BATCH) {
    const batch: BlobEntry[] = [];
    for (let j = 0; j < BATCH; j++) {
      const data = new Uint8Array(20 + (r.u32() % 41));
      for (let k = 0; k < data.length; k++) data[k] = r.u32() & 0xff;
      const arcs: DataKey[] = [];
      for (let c = r.u32() % 3; c > 0; c--) arcs.push(randomKey(r));
      batch.push({ key: randomKey(r), data: { data, arcs } });
    }
    batches.push(batch);
  }
  return batches;
}

/** Today's in-memory storage: store-if-absent into a Map. */
function mapPut(map: Map<DataKey, PagableData>, batch: readonly BlobEntry[]): boolean[] {
  const out = new Array<boolean>(batch.length);
  for (let i = 0; i < batch.length; i++) {
    const e = batch[i]!;
    if (map.has(e.key)) out[i] = false;
    else {
      map.set(e.key, e.data);
      out[i] = true;
    }
  }
  return out;
}

const batches = workload(1);
const keyBatches = batches.map((b) => b.map((e) => e.key));
const payload = batches.flat().reduce((n, e) => n + e.data.data.length + 16 * e.data.arcs.length, 0);

function filledMap(): Map<DataKey, PagableData> {
  const m = new Map<DataKey, PagableData>();
  for (const b of batches) mapPut(m, b);
  return m;
}

function filledStore(): MemoryBlobStore {
  const s = new MemoryBlobStore();
  for (const b of batches) s.putMany(b);
  return s;
}

async function throughput(): Promise<void> {
  const [putStore, putMap] = await compare(
    {
      prepare: () => new MemoryBlobStore(),
      run: (s) => {
        for (const b of batches) s.putMany(b);
        return s;
      },
    },
    {
      prepare: () => new Map<DataKey, PagableData>(),
      run: (m) => {
        for (const b of batches) mapPut(m, b);
        return m;
      },
    },
    2,
    iterations,
  );
  const [getStore, getMap] = await compare(
    {
      prepare: filledStore,
      run: (s) => {
        let n = 0;
        for (const ks of keyBatches) n += s.getMany(ks).length;
        return n;
      },
    },
    {
      prepare: filledMap,
      run: (m) => {
        let n = 0;
        for (const ks of keyBatches) n += ks.map((k) => m.get(k)).length;
        return n;
      },
    },
    2,
    iterations,
  );
  const [hasStore, hasMap] = await compare(
    {
      prepare: filledStore,
      run: (s) => {
        let n = 0;
        for (const ks of keyBatches) n += s.hasMany(ks).length;
        return n;
      },
    },
    {
      prepare: filledMap,
      run: (m) => {
        let n = 0;
        for (const ks of keyBatches) n += ks.map((k) => m.has(k)).length;
        return n;
      },
    },
    2,
    iterations,
  );
  const line = (what: string, store: number, map: number): void => {
    const rate = (ms: number): string => `${(((N / ms) * 1000) / 1e6).toFixed(2)} M/s`;
    console.log(
      `${what.padEnd(6)} store ${rate(store).padStart(10)}   Map ${rate(map).padStart(10)}   store/Map ${(map / store).toFixed(2)}x`,
    );
  };
  console.log(`throughput, ${N / 1000}k blobs in batches of ${BATCH} (median of ${iterations}):`);
  line('put', putStore.median, putMap.median);
  line('get', getStore.median, getMap.median);
  line('has', hasStore.median, hasMap.median);
}

/** Heap + array buffers after full collections. */
async function memoryInUse(): Promise<number> {
  await settle(3);
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/**
 * Memory per blob beyond its data, for a container filled with fresh copies of the workload (so
 * the workload itself, still alive, is not counted).
 */
async function perBlob<C>(fill: () => C): Promise<number> {
  const base = await memoryInUse();
  const held = fill();
  const used = await memoryInUse();
  void held;
  return (used - base - payload) / N;
}

/** A fresh copy of blob `e`, as fetched from a backend: its own Uint8Array and key strings. */
function copyOf(e: BlobEntry): BlobEntry {
  return {
    key: e.key.slice(0, 16) + e.key.slice(16),
    data: { data: e.data.data.slice(), arcs: e.data.arcs.map((a) => a.slice(0, 16) + a.slice(16)) },
  };
}

async function memory(): Promise<void> {
  if (!hasGc) {
    console.log('memory: run node with --expose-gc to measure it');
    return;
  }
  const map = await perBlob(() => {
    const m = new Map<DataKey, PagableData>();
    // Flattened, as keyFromBytes builds them: a concatenation would stay a rope and cost more.
    for (const b of batches)
      mapPut(
        m,
        b.map((e) => {
          const c = copyOf(e);
          return {
            key: keyFromBytes(Buffer.from(c.key, 'hex')),
            data: { data: c.data.data, arcs: c.data.arcs.map((a) => keyFromBytes(Buffer.from(a, 'hex'))) },
          };
        }),
      );
    return m;
  });
  const store = await perBlob(() => filledStore());
  console.log(`memory per stored blob beyond its data (heap + array buffers): store ${store.toFixed(1)} B, Map ${map.toFixed(1)} B`);
}

await memory();
await throughput();

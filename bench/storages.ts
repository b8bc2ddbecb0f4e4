/*
 * Storages side by side: save and load throughput of the standard workload on LMDB, one
 * Redis server and a local 3-master Redis Cluster, each against the in-memory storage measured in
 * the same run; and the round trips one `load()` of a 10,000-blob graph costs on each. Redis rows
 * appear when `redis-server` is installed (servers are started on free ports and stopped).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type BlobStore,
  type DataKey,
  Field,
  InMemoryPagableStorage,
  LmdbBlobStore,
  Pagable,
  PagableStorageBase,
  RedisBlobStore,
  Shared,
  delegating,
  verifying,
} from '../src/index.js';
import { type RedisCluster, startRedisCluster } from '../test/fixtures/redis-cluster.js';
import { type RedisServer, findRedisServer, startRedisServer } from '../test/fixtures/redis-server.js';
import { type Contender, type Samples, compare } from './measure.js';

/** One backend to measure: how to open a fresh store of it. */
interface Backend {
  name: string;
  open(): Promise<BlobStore>;
}

/** A throughput row: backend vs in-memory, for save or load. */
export interface StorageRow {
  backend: string;
  op: 'save' | 'load';
  ms: number;
  memoryMs: number;
  /** in-memory time / backend time */
  ratio: number;
}

/** Round trips (batched reads) one load() of a 10,000-blob graph took. */
export interface RoundTripRow {
  backend: string;
  blobs: number;
  roundTrips: number;
}

@Pagable()
class Leaf {
  @Field() n!: number;
  @Field() label!: string;
}

@Pagable()
class Branch {
  @Field() n!: number;
  @Shared(() => [Leaf]) leaves!: Leaf[];
}

@Pagable()
class Tree {
  @Shared(() => [Branch]) branches!: Branch[];
}

/** 1 + 100 + 100 * 99 = 10,001 blobs, three levels deep. */
function tenThousand(): Tree {
  return Object.assign(new Tree(), {
    branches: Array.from({ length: 100 }, (_, b) =>
      Object.assign(new Branch(), {
        n: b,
        leaves: Array.from({ length: 99 }, (_, l) => Object.assign(new Leaf(), { n: b * 1000 + l, label: `leaf ${b}.${l}` })),
      }),
    ),
  });
}

/** Measures every backend; `save`/`load` run the standard workload on a storage. */
export async function measureStorages(opts: {
  save: (s: PagableStorageBase) => Promise<DataKey>;
  load: (s: PagableStorageBase, key: DataKey) => Promise<unknown>;
  warmup: number;
  iterations: number;
  say: (s: string) => void;
}): Promise<{ throughput: StorageRow[]; roundTrips: RoundTripRow[]; skipped: string | undefined }> {
  const dirs: string[] = [];
  const backends: Backend[] = [
    {
      name: 'LMDB',
      open: async () => {
        const d = mkdtempSync(join(tmpdir(), 'pagable-bench-st-'));
        dirs.push(d);
        return LmdbBlobStore.open(d);
      },
    },
  ];
  let server: RedisServer | undefined;
  let cluster: RedisCluster | undefined;
  let skipped: string | undefined;
  let n = 0;
  try {
    findRedisServer();
    [server, cluster] = await Promise.all([startRedisServer(), startRedisCluster(3)]);
    backends.push(
      { name: 'Redis', open: () => RedisBlobStore.connect({ url: server!.url, prefix: `bench${n++}:` }) },
      { name: 'Redis Cluster (3 masters)', open: () => RedisBlobStore.connect({ cluster: cluster!.urls, prefix: `bench${n++}:` }) },
    );
  } catch (e) {
    skipped = `Redis rows skipped: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`;
  }
  const throughput: StorageRow[] = [];
  const roundTrips: RoundTripRow[] = [];
  try {
    const memKey = await opts.save(new InMemoryPagableStorage());
    for (const b of backends) {
      opts.say(`storages: ${b.name} save and load vs in-memory ...`);
      const save: Contender<PagableStorageBase, DataKey> = {
        prepare: async () => PagableStorageBase.create(verifying(await b.open())),
        run: (s) => opts.save(s),
        check: async (_, s) => {
          await s.close();
        },
      };
      const memSave: Contender<PagableStorageBase, DataKey> = { prepare: () => new InMemoryPagableStorage(), run: (s) => opts.save(s) };
      const [sa, sb] = await compare(save, memSave, opts.warmup, opts.iterations);
      throughput.push(rowOf(b.name, 'save', sa, sb));

      const filled = await b.open();
      const key = await opts.save(new PagableStorageBase(filled));
      if (key !== memKey) throw new Error(`${b.name}: save gives another key than in memory`);
      const load: Contender<PagableStorageBase, unknown> = {
        prepare: () => new PagableStorageBase(verifying(filled)),
        run: (s) => opts.load(s, key),
      };
      const memStore = new InMemoryPagableStorage();
      await opts.save(memStore);
      const memLoad: Contender<PagableStorageBase, unknown> = {
        prepare: () => memStore,
        run: async (s) => {
          // A fresh runtime over the same blobs, so nothing comes from the arc cache.
          const fresh = new PagableStorageBase(delegating(s.blobStore, { close: () => undefined }));
          return opts.load(fresh, key);
        },
      };
      const [la, lb] = await compare(load, memLoad, opts.warmup, opts.iterations);
      throughput.push(rowOf(b.name, 'load', la, lb));

      // Round trips: a synchronous store needs none; an asynchronous one, one batch per level.
      let calls = 0;
      const tree = new PagableStorageBase(filled);
      const treeKey = await tree.save(tenThousand());
      const counting = new PagableStorageBase(
        delegating(filled, {
          getMany: (k) => {
            calls++;
            return filled.getMany(k);
          },
          getSync: undefined,
        }),
      );
      await counting.load(Tree, treeKey);
      roundTrips.push({ backend: b.name, blobs: counting.stats().fetches, roundTrips: calls });
      await filled.close();
      await memStore.close();
    }
  } finally {
    await Promise.all([server?.stop(), cluster?.stop()]);
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
  return { throughput, roundTrips, skipped };
}

function rowOf(backend: string, op: 'save' | 'load', a: Samples, b: Samples): StorageRow {
  return { backend, op, ms: a.median, memoryMs: b.median, ratio: b.median / a.median };
}

/** The storages table: throughput of save and load next to in-memory, and round trips per load. */
export function formatStorages(rows: readonly StorageRow[], trips: readonly RoundTripRow[], objects: number): string {
  const out = ['storage                      op     time      objects/s   in-memory   vs in-memory', '-'.repeat(86)];
  for (const r of rows) {
    out.push(
      `${r.backend.padEnd(28)} ${r.op.padEnd(5)} ${`${r.ms.toFixed(1)} ms`.padStart(10)} ${String(Math.round(objects / (r.ms / 1000))).padStart(11)} ${`${r.memoryMs.toFixed(1)} ms`.padStart(11)}   ${r.ratio.toFixed(2)}x`,
    );
  }
  for (const t of trips) out.push(`${t.backend}: ${t.roundTrips} batched reads to load a ${t.blobs}-blob graph`);
  return out.join('\n');
}

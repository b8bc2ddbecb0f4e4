import type { BlobStore } from '../blobstore/interface.js';
import { PagableError } from '../error.js';
import type { DataKey, PagableData } from '../keys/data.js';
import type { PagableStorageBase } from '../paging/storage-base.js';
import { LmdbPagableStorage } from '../paging/lmdb-storage.js';
import { RedisPagableStorage } from '../paging/redis-storage.js';

/** One stored blob as `ls` lists it. */
export interface ListedBlob {
  key: DataKey;
  bytes: number;
  children: number;
  /** Why the record does not read, when it does not (listed, and the listing goes on). */
  malformed?: string;
}

/** How a command opens its store. */
export interface OpenMode {
  /** Open for writing (gc) rather than read-only. */
  write: boolean;
  /** Re-key blobs on read (off for `show`, which reports a mismatch itself). */
  verify: boolean;
  /** Redis key prefix (`--prefix`). */
  prefix: string | undefined;
  /** Redis operation bound in ms (`--timeout`). */
  timeoutMs: number | undefined;
}

/** A store as the CLI uses it, whatever the backend: the storage, plus what listing and drawing need. */
export interface CliStore {
  readonly storage: PagableStorageBase;
  /** The store's directory or (redacted) url, for messages. */
  readonly where: string;
  /** The raw store, unverified. */
  readonly raw: BlobStore;
  /** Blobs in the store if the backend knows without a scan (progress bars), else undefined. */
  blobCount(): number | undefined;
  /** Bytes the store takes on disk, where that is a file. */
  fileBytes(): number | undefined;
  /** Every blob, streamed; a malformed record is listed with the reason and the listing goes on. */
  listBlobs(): AsyncIterable<ListedBlob>;
  /** Stored keys beginning with `prefix`, at most `limit`. */
  keysWithPrefix(prefix: string, limit: number): Promise<DataKey[]>;
}

/** True for a `redis://` / `rediss://` store spec. */
export function isRedisSpec(spec: string): boolean {
  return /^rediss?:\/\//.test(spec);
}

/**
 * Opens STORE: an LMDB directory (never created; read-only unless writing, and its data file is
 * checked page by page before LMDB maps it, so a damaged store is an error, not a crash), or a
 * Redis url — `redis://host:port[/db]`, or several `host:port` separated by commas for a Redis
 * Cluster (`redis://h1:7000,h2:7001`).
 */
export async function openStoreSpec(spec: string, mode: OpenMode): Promise<CliStore> {
  if (isRedisSpec(spec)) return openRedis(spec, mode);
  if (mode.prefix !== undefined) throw new PagableError('INVALID_ARGUMENT', '--prefix applies to Redis stores only');
  const s = await LmdbPagableStorage.open(spec, { create: false, readOnly: !mode.write, verify: mode.verify });
  return {
    storage: s,
    where: s.path,
    raw: s.lmdbStore,
    blobCount: () => s.blobCount(),
    fileBytes: () => s.fileBytes(),
    async *listBlobs() {
      for (const b of s.listBlobs()) {
        yield b.malformed === undefined
          ? { key: b.key, bytes: b.bytes, children: b.children }
          : { key: b.key, bytes: b.bytes, children: b.children, malformed: b.malformed.message };
      }
    },
    keysWithPrefix: async (prefix, limit) => s.keysWithPrefix(prefix, limit),
  };
}

async function openRedis(spec: string, mode: OpenMode): Promise<CliStore> {
  const m = /^(rediss?):\/\/([^/]*)(\/.*)?$/.exec(spec)!;
  const hosts = m[2]!.split(',');
  // The CLI stores no graph (gc only deletes): a server that evicts keys loses nothing of its
  // doing, and a cache is worth inspecting too.
  const common = { prefix: mode.prefix, timeoutMs: mode.timeoutMs, verify: mode.verify, allowEviction: true };
  const s =
    hosts.length > 1
      ? await RedisPagableStorage.connect({ ...common, cluster: hosts.map((h) => `${m[1]}://${h}`) })
      : await RedisPagableStorage.connect({ ...common, url: spec });
  const raw = s.redisStore;
  return {
    storage: s,
    where: raw.name,
    raw,
    blobCount: () => undefined,
    fileBytes: () => undefined,
    listBlobs: () => listByReading(raw),
    keysWithPrefix: (prefix, limit) => keysByScanning(raw, prefix, limit),
  };
}

/** Keys per read while listing. */
const LIST_BATCH = 512;

/** Lists a store without a record-level index: keys, then the blobs in batches (one bad record at a time). */
async function* listByReading(store: BlobStore): AsyncIterable<ListedBlob> {
  let batch: DataKey[] = [];
  const flush = async function* (): AsyncIterable<ListedBlob> {
    let blobs: Array<PagableData | undefined> | undefined;
    try {
      blobs = await store.getMany(batch);
    } catch {
      blobs = undefined;
    }
    for (let i = 0; i < batch.length; i++) {
      const key = batch[i]!;
      let b = blobs?.[i];
      let malformed: string | undefined;
      if (blobs === undefined) {
        try {
          b = (await store.getMany([key]))[0];
        } catch (e) {
          malformed = e instanceof Error ? e.message : String(e);
        }
      }
      if (b !== undefined) yield { key, bytes: b.data.length, children: b.arcs.length };
      else if (malformed !== undefined) yield { key, bytes: 0, children: 0, malformed };
    }
    batch = [];
  };
  for await (const k of store.keys()) {
    batch.push(k);
    if (batch.length >= LIST_BATCH) yield* flush();
  }
  if (batch.length > 0) yield* flush();
}

async function keysByScanning(store: BlobStore, prefix: string, limit: number): Promise<DataKey[]> {
  const out: DataKey[] = [];
  for await (const k of store.keys()) {
    if (!k.startsWith(prefix)) continue;
    out.push(k);
    if (out.length >= limit) break;
  }
  return out.sort();
}

import type { Redis } from 'ioredis';
import { type DataKey, type PagableData, isDataKey } from '../../keys/data.js';
import { PagableError } from '../../error.js';
import { decodeBlobRecord, encodeBlobRecord } from '../blob-record.js';
import type { BlobEntry, BlobStore, RootEntry, SweepGuard } from '../interface.js';
import type { RedisClient, RedisConnectionOptions } from './client.js';
import { RedisConnection, isScriptRefused, loadKeySlot } from './connection.js';
import { refuseEvictingServer } from './eviction-check.js';
import { RedisKeyspace, escapeGlob } from './keyspace.js';
import { SET_ROOT } from './scripts.js';
import { RedisBatches } from './batches.js';
import { RedisRoots } from './roots.js';
import { scanNames } from './scan.js';
import { RedisSweepGuard } from './sweep-guard.js';
import { RedisClusterSweepGuard } from './cluster-sweep-guard.js';

/** Options of `RedisBlobStore.connect`. */
export interface RedisBlobStoreOptions extends RedisConnectionOptions {
  /**
   * Where to connect (`redis://[user:password@]host:port/db`, `rediss://` for TLS); the store then
   * owns the connection and `close()` ends it. Default `redis://127.0.0.1:6379`.
   */
  url?: string;
  /** A connected (or lazily connecting) ioredis `Redis` or `Cluster` to use: the caller keeps it, `close()` leaves it open. */
  client?: RedisClient;
  /** Startup node urls of a Redis Cluster: the store makes (and owns) an ioredis `Cluster`. */
  cluster?: readonly string[];
  /** Prepended to every Redis key the store uses, so stores can share one database. Default `pagable:`. */
  prefix?: string;
  /** The bound, in ms, of connecting and of every operation, whatever the server does. Default 5000. */
  timeoutMs?: number;
  /**
   * Connect to a server whose `maxmemory-policy` evicts any key (allkeys-*), using it as a cache:
   * a blob it evicts reads as NOT_FOUND. Without it such a server is refused (INVALID_ARGUMENT).
   */
  allowEviction?: boolean;
}

const DEFAULT_PREFIX = 'pagable:';

/** A view of the bytes as a Buffer, without copying. */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
}

/**
 * Blobs in Redis, shared by every process and machine that connects to the same database (or
 * Cluster) and prefix. Raw I/O only (no verification, no counting: the paging runtime and its
 * wrappers do those); the key layout is in keyspace.ts.
 *
 * Writes are SET NX inside a script, so a blob is written once, whichever client gets there
 * first. Batches are one command per 256..1024 keys on a single server and one per hash slot on a
 * Cluster, all sent at once: a batch is one round trip. Every operation is bounded by `timeoutMs`
 * (connection.ts); the commands of a batch are in batches.ts. A blob key holding another
 * Redis type is CORRUPT naming the key.
 *
 * `sweeps` (gc safety against other clients, interface.ts) is exact on a single server (scripts
 * record and delete atomically; sweep-guard.ts); on a Cluster it holds under the timing
 * assumption stated in cluster-sweep-guard.ts. A server that refuses scripts (ACL without
 * @scripting) gets pipelined SET NX and no `sweeps`.
 */
export class RedisBlobStore implements BlobStore {
  readonly name: string;
  readonly sweeps: SweepGuard | undefined;
  readonly #conn: RedisConnection;
  readonly #keys: RedisKeyspace;
  /** Key -> hash slot on a Cluster; undefined on a single server. */
  readonly #slotOf: ((name: string) => number) | undefined;
  /** False when the server refused EVAL (scripting disabled or not permitted to this user). */
  readonly #scripting: boolean;
  readonly #clusterGuard: RedisClusterSweepGuard | undefined;
  readonly #batches: RedisBatches;
  readonly #roots: RedisRoots;

  private constructor(conn: RedisConnection, prefix: string, slotOf: ((key: string) => number) | undefined, scripting: boolean) {
    this.#conn = conn;
    this.#keys = new RedisKeyspace(prefix, conn.keyPrefix);
    this.#slotOf = slotOf === undefined ? undefined : (name) => slotOf(conn.keyPrefix + name);
    this.#scripting = scripting;
    this.name = `${conn.where} (prefix ${JSON.stringify(prefix)})`;
    this.#batches = new RedisBatches(conn, this.#keys, this.#slotOf, scripting, this.name);
    this.#roots = new RedisRoots(conn, this.#keys.rootsKey, this.name);
    if (!scripting) {
      this.sweeps = undefined;
    } else if (this.#slotOf === undefined) {
      this.sweeps = new RedisSweepGuard(conn, this.#keys, this.name, (keys) => {
        const what = `touching ${keys.length} blob(s)`;
        return conn.run(what, () =>
          this.#batches.check(
            keys.map((k) => this.#keys.blobKey(k)),
            true,
            what,
          ),
        );
      });
    } else {
      this.#clusterGuard = new RedisClusterSweepGuard(conn, this.#keys, this.name, this.#slotOf, {
        check: (names, what) => conn.run(what, () => this.#batches.check(names, false, what)),
        deleteNames: (names) => this.#batches.deleteNames(names),
      });
      this.sweeps = this.#clusterGuard;
    }
  }

  /**
   * Connects to `url`, to the Cluster at `cluster`, or uses `client`, and checks the server
   * answers, within `timeoutMs`: IO naming the url (password masked) when it cannot. `caller`
   * names the call in messages (the storage that opens the store passes its own name).
   */
  static async connect(options: RedisBlobStoreOptions = {}, caller = 'RedisBlobStore.connect'): Promise<RedisBlobStore> {
    const prefix = options.prefix ?? DEFAULT_PREFIX;
    if (typeof prefix !== 'string') throw new PagableError('INVALID_ARGUMENT', `${caller}: prefix must be a string, got ${typeof prefix}`);
    const conn = await RedisConnection.open(options, caller);
    try {
      const slotOf = conn.isCluster ? await loadKeySlot(caller) : undefined;
      if (slotOf !== undefined) checkColocation(slotOf, new RedisKeyspace(prefix, conn.keyPrefix), conn.keyPrefix);
      if (options.allowEviction !== true) await refuseEvictingServer(conn, caller);
      const scripting = await conn.run(`${caller}: probing scripting`, async () => {
        try {
          await (conn.client as Redis).eval('return 1', 0);
          return true;
        } catch (e) {
          if (isScriptRefused(e)) return false;
          throw e;
        }
      });
      return new RedisBlobStore(conn, prefix, slotOf, scripting);
    } catch (e) {
      await conn.close();
      throw e;
    }
  }

  /** The prefix of every Redis key this store uses. */
  get prefix(): string {
    return this.#keys.prefix;
  }

  /** True when the store talks to a Redis Cluster. */
  get isCluster(): boolean {
    return this.#slotOf !== undefined;
  }

  /** The Redis key holding blob `key`. */
  redisKeyOf(key: DataKey): string {
    return this.#keys.blobKey(key);
  }

  /** The client the store uses (its own, or the one passed in). */
  get client(): RedisClient {
    return this.#conn.client as unknown as RedisClient;
  }

  // ---- blobs ----------------------------------------------------------------------------------

  async putMany(entries: readonly BlobEntry[]): Promise<boolean[]> {
    if (entries.length === 0) return [];
    const what = `writing ${entries.length === 1 ? `blob ${entries[0]!.key}` : `${entries.length} blobs`}`;
    if (this.#conn.closed) throw this.#conn.closedError(what);
    const keys = entries.map((e) => this.#keys.blobKey(e.key));
    const records = entries.map((e) => asBuffer(encodeBlobRecord(e.data)));
    if (this.#clusterGuard !== undefined) {
      return this.#clusterGuard.put(
        what,
        entries.map((e) => e.key),
        () => this.#conn.run(what, () => this.#batches.store(keys, records, what)),
        (missing) =>
          this.#conn.run(what, () =>
            this.#batches.store(
              missing.map((i) => keys[i]!),
              missing.map((i) => records[i]!),
              what,
            ),
          ),
      );
    }
    return this.#conn.run(what, () => this.#batches.store(keys, records, what));
  }

  async getMany(keys: readonly DataKey[]): Promise<Array<PagableData | undefined>> {
    if (keys.length === 0) return [];
    const what = `reading ${keys.length === 1 ? `blob ${keys[0]}` : `${keys.length} blobs`}`;
    const names = keys.map((k) => this.#keys.blobKey(k));
    const raws = await this.#conn.run(what, () => this.#batches.read(names, keys, what));
    return raws.map((raw, i) => (raw === null ? undefined : decodeBlobRecord(raw, `blob ${keys[i]} in ${this.name}`)));
  }

  async hasMany(keys: readonly DataKey[]): Promise<boolean[]> {
    if (keys.length === 0) return [];
    const what = `checking ${keys.length === 1 ? `blob ${keys[0]}` : `${keys.length} blobs`}`;
    return this.#conn.run(what, () =>
      this.#batches.check(
        keys.map((k) => this.#keys.blobKey(k)),
        false,
        what,
      ),
    );
  }

  async *keys(): AsyncIterable<DataKey> {
    // SCAN may return a key more than once (when the keyspace is rehashed): report each once.
    const seen = new Set<DataKey>();
    const cut = this.#keys.blobScanPrefix.length;
    const match = `${escapeGlob(this.#keys.blobScanPrefix)}*`;
    for await (const batch of scanNames(this.#conn, this.#slotOf, match, 'listing blobs')) {
      for (const rk of batch) {
        const k = rk.slice(cut);
        if (!isDataKey(k) || seen.has(k)) continue;
        seen.add(k);
        yield k;
      }
    }
  }

  async deleteMany(keys: readonly DataKey[]): Promise<number> {
    if (keys.length === 0) return 0;
    const what = `deleting ${keys.length === 1 ? `blob ${keys[0]}` : `${keys.length} blobs`}`;
    const names = keys.map((k) => this.#keys.blobKey(k));
    return this.#conn.run(what, () => this.#batches.deleteNames(names));
  }

  // ---- roots ----------------------------------------------------------------------------------

  getRoot(name: string): Promise<DataKey | undefined> {
    return this.#roots.get(name);
  }

  async setRoot(name: string, key: DataKey): Promise<boolean> {
    const what = `setting root "${name}" to ${key}`;
    if (!isDataKey(key)) throw new PagableError('IO', `${what}: not a 32-char lowercase hex key`);
    const blob = this.#keys.blobKey(key);
    const field = this.#roots.field(name);
    if (this.#clusterGuard !== undefined) return this.#clusterGuard.setRoot(what, field, key, this.#roots);
    if (!this.#scripting) {
      // Without scripts the check and the write are two commands: not atomic against a gc.
      const type = await this.#conn.run(what, () => this.#conn.client.type(blob));
      if (type === 'none') return false;
      if (type !== 'string') throw this.#batches.wrongType(blob, what);
      await this.#roots.put(what, name, key);
      return true;
    }
    const k = this.#keys;
    const code = Number(
      await this.#roots.run(what, () => this.#conn.eval(SET_ROOT, [k.sweepsKey, k.seqKey, k.touchedKey, k.rootsKey, blob], [field, key])),
    );
    if (code === 2) throw this.#batches.wrongType(blob, what);
    return code === 1;
  }

  deleteRoot(name: string): Promise<boolean> {
    return this.#roots.delete(name);
  }

  listRoots(): Promise<RootEntry[]> {
    return this.#roots.list();
  }

  // ---- lifetime -------------------------------------------------------------------------------

  /** Durability is the server's (its RDB / AOF settings): every write was acknowledged already. */
  flush(): void {}

  /** Operations under way finish (each within timeoutMs); a connection the store made is ended at once. */
  close(): Promise<void> {
    return this.#conn.close();
  }
}

/** On a Cluster, the sweep keys must share the roots key's slot: refuse a keyPrefix that breaks that. */
function checkColocation(slotOf: (key: string) => number, ks: RedisKeyspace, keyPrefix: string): void {
  const roots = slotOf(ks.full(ks.rootsKey));
  for (const k of [ks.sweepsKey, ks.seqKey, ks.touchedKey, ks.asideKey]) {
    if (slotOf(ks.full(k)) !== roots) {
      throw new PagableError(
        'IO',
        `RedisBlobStore.connect: the client's keyPrefix ${JSON.stringify(keyPrefix)} has unbalanced braces; a Cluster cannot keep the store's keys together`,
      );
    }
  }
  const sample = '0123456789abcdef0123456789abcdef';
  if (slotOf(ks.full(ks.tombstoneKey(sample))) !== slotOf(ks.full(ks.blobKey(sample)))) {
    throw new PagableError(
      'IO',
      `RedisBlobStore.connect: the prefix ${JSON.stringify(ks.prefix)} with keyPrefix ${JSON.stringify(keyPrefix)} cannot be used on a Cluster (unbalanced braces)`,
    );
  }
}

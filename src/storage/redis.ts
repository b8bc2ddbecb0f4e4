import type { Redis } from 'ioredis';
import { type DataKey, type PagableData, isDataKey } from '../keys/data.js';
import { PagableError, toPagableError } from '../error.js';
import { blobRecordDataLength, decodeBlobRecord, encodeBlobRecord } from '../blobstore/blob-record.js';
import type { BlobEntry, BlobStore, RootEntry } from '../blobstore/interface.js';
import { verifying } from '../blobstore/verifying.js';
import type { StorageOptions } from '../paging/interface.js';
import { PagableStorageBase } from '../paging/storage-base.js';

/** Options of `RedisPagableStorage.connect`. */
export interface RedisStorageOptions extends StorageOptions {
  /**
   * Where to connect (`redis://[user:password@]host:port/db`, `rediss://` for TLS); the storage
   * then owns the connection and `close()` ends it. Default `redis://127.0.0.1:6379`.
   */
  url?: string;
  /**
   * A connected (or lazily connecting) ioredis client to use instead of `url`: the caller keeps
   * it, so `close()` leaves it open. A Redis Cluster is not supported (MGET spans hash slots).
   */
  client?: Redis;
  /** Prepended to every Redis key this storage uses, so stores can share one database. Default `pagable:`. */
  prefix?: string;
  /**
   * Re-key every blob read with computeKey and fail with CORRUPT (naming the key) on a mismatch,
   * so a value overwritten in Redis never becomes a silently wrong object. Default true.
   */
  verify?: boolean;
}

/** Keys per pipeline or MGET: bounds one request's size while keeping round trips few. */
const BATCH = 1024;
/** Blobs per store script: the server runs a script alone, so keep each to about half a millisecond. */
const SCRIPT_BATCH = 256;
/** What SCAN is asked for per step. */
const SCAN_COUNT = 1000;
/** SET NX of KEYS[i] to ARGV[i] for every i; 1 where written, 0 where the key was present. */
const SET_ABSENT = `local out = {}
for i = 1, #KEYS do out[i] = redis.call('SET', KEYS[i], ARGV[i], 'NX') and 1 or 0 end
return out`;
/** HSET of root ARGV[1] = ARGV[2] only if the blob KEYS[1] exists; 1 when set. */
const SET_ROOT = `if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
return 1`;
const DEFAULT_URL = 'redis://127.0.0.1:6379';
const DEFAULT_PREFIX = 'pagable:';

/** `url` with its password masked, for messages. */
function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    return u.toString();
  } catch {
    return url.replace(/\/\/([^@/]*)@/, '//***@');
  }
}

/** `prefix` with SCAN's glob characters escaped, so a prefix like `app[1]:` matches only itself. */
function escapeGlob(prefix: string): string {
  return prefix.replace(/[*?[\]\\]/g, '\\$&');
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
}

/** True for the server's refusal of EVAL itself (as opposed to a failure of the connection). */
function isScriptRefused(e: unknown): boolean {
  return e instanceof Error && e.name === 'ReplyError' && /unknown command|NOPERM|disabled/i.test(e.message);
}

/** Slices `items` into runs of at most `size`. */
function* chunks<T>(items: readonly T[], size = BATCH): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

/**
 * Blobs in Redis, shared by every process and machine that connects to the same database and
 * prefix: a graph saved by one can be loaded by all the others.
 *
 * Layout under `prefix` (default `pagable:`): each blob is a string `${prefix}b:<32 hex key>`
 * whose value is the blob record (see blob-record.ts; the same bytes LMDB stores), and the named
 * roots are one hash `${prefix}roots` (name -> hex key). Hex keys cost 16 bytes more per blob
 * than raw ones and keep the store readable with redis-cli (`--scan --pattern 'pagable:b:*'`).
 *
 * Writes use SET NX, so a blob is written once, whichever client gets there first, and a store
 * of a blob already present counts a dedup hit. Reads are batched with MGET; every read is
 * re-keyed unless `verify: false`. Redis cannot be read synchronously, so `pinSync()` of a
 * paged-out arc is IO: use `pin()`. Durability is the server's (its RDB / AOF settings).
 *
 * `stats().blobs` / `bytes` count the distinct blobs this client stored or read, not the whole
 * database (which other clients change behind its back); `stores`, `dedupHits` and `fetches`
 * count as everywhere else. `gc()` protects what this client stores meanwhile, not what
 * others store: run it while no other client writes under the prefix.
 */
class RedisStore implements BlobStore {
  readonly name: string;
  #closed = false;
  readonly #client: Redis;
  readonly #owned: boolean;
  readonly #prefix: string;
  readonly #blobPrefix: string;
  readonly #rootsKey: string;
  /** What SCAN returns blob keys under: ioredis adds a client's `keyPrefix` to keys, not to MATCH. */
  readonly #scanPrefix: string;
  /** Where, for messages: the redacted url and the prefix. */
  readonly #where: string;
  /** Data length of every blob this client stored or read: stats().blobs / bytes. */
  /** False once the server refused EVAL (scripting disabled or not permitted to this user). */
  #scripting = true;

  private constructor(client: Redis, owned: boolean, where: string, options: RedisStorageOptions) {
    this.#client = client;
    this.#owned = owned;
    this.#prefix = options.prefix ?? DEFAULT_PREFIX;
    this.#blobPrefix = `${this.#prefix}b:`;
    this.#rootsKey = `${this.#prefix}roots`;
    const clientPrefix = client.options.keyPrefix;
    this.#scanPrefix = (clientPrefix === undefined ? '' : String(clientPrefix)) + this.#blobPrefix;
    this.#where = `${where} (prefix ${JSON.stringify(this.#prefix)})`;
    this.name = this.#where;
  }

  /**
   * Connects to `url` (or uses `client`) and checks the server answers. IO naming the url when it
   * cannot be reached; a connection it opened is closed again then.
   */
  static async connect(options: RedisStorageOptions = {}): Promise<RedisStore> {
    const { url, client, prefix } = options;
    if (prefix !== undefined && typeof prefix !== 'string') {
      throw new PagableError('IO', `RedisPagableStorage.connect: prefix must be a string, got ${typeof prefix}`);
    }
    if (url !== undefined && client !== undefined) {
      throw new PagableError('IO', 'RedisPagableStorage.connect: give either url or client, not both');
    }
    if (client !== undefined) {
      const where = describeClient(client);
      try {
        // A client made with lazyConnect has not connected yet; any other connects on its own.
        if (client.status === 'wait') await client.connect();
        await client.ping();
      } catch (e) {
        throw toPagableError(e, 'IO', `RedisPagableStorage.connect: ${where} does not answer`);
      }
      return new RedisStore(client, false, where, options);
    }
    const target = url ?? DEFAULT_URL;
    if (typeof target !== 'string' || target.length === 0) {
      throw new PagableError('IO', `RedisPagableStorage.connect: expected a redis:// url, got ${JSON.stringify(target)}`);
    }
    const where = redactUrl(target);
    let lastError: unknown;
    let own: Redis;
    try {
      // Loaded on first use: importing pagable stays cheap for those who never use Redis.
      const { Redis: RedisClient } = await import('ioredis');
      own = new RedisClient(target, { lazyConnect: true });
    } catch (e) {
      throw toPagableError(e, 'IO', `RedisPagableStorage.connect: cannot use ${where}`);
    }
    // Our connection: keep its errors for messages instead of ioredis logging them as unhandled.
    own.on('error', (e: unknown) => { lastError = e; });
    try {
      await own.connect();
      await own.ping();
      // ioredis reports some handshake failures (SELECT of a database the server lacks) only as
      // an error event and carries on with database 0: refuse rather than use the wrong one.
      if (lastError !== undefined) throw lastError;
    } catch (e) {
      // connect() rejects with "Connection is closed"; the error event says why (ECONNREFUSED, ...).
      own.disconnect();
      throw toPagableError(lastError ?? e, 'IO', `RedisPagableStorage.connect: cannot connect to ${where}`);
    }
    return new RedisStore(own, true, where, options);
  }

  /** The prefix of every Redis key this storage uses. */
  get prefix(): string {
    return this.#prefix;
  }

  /** The Redis key holding blob `key`. */
  redisKeyOf(key: DataKey): string {
    return this.#blobPrefix + key;
  }

  #checkOpen(what: string): void {
    if (this.#closed) throw new PagableError('STORAGE_CLOSED', `${what}: the storage is closed`);
  }

  /** A failure of a command: STORAGE_CLOSED once closed (the connection went with it), else IO. */
  #fail(e: unknown, what: string): PagableError {
    if (this.#closed) return new PagableError('STORAGE_CLOSED', `${what}: the storage is closed`, { cause: e });
    return toPagableError(e, 'IO', `${what} on ${this.#where}`);
  }

  /** Runs a pipeline; the replies in order, or the first command's error as IO. */
  async #exec(pipeline: ReturnType<Redis['pipeline']>, what: string): Promise<unknown[]> {
    let replies: Array<[Error | null, unknown]> | null;
    try {
      replies = await pipeline.exec();
    } catch (e) {
      throw this.#fail(e, what);
    }
    if (replies === null) throw this.#fail(new Error('the pipeline was discarded'), what);
    return replies.map(([err, reply]) => {
      if (err !== null) throw this.#fail(err, what);
      return reply;
    });
  }

  /** Decodes (and unless told otherwise verifies) one value read from Redis. */
  #decode(key: DataKey, raw: Buffer): PagableData {
    return decodeBlobRecord(raw, `blob ${key} in ${this.#where}`);
  }

  // ---- raw I/O --------------------------------------------------------------------------------

  async putMany(entries: readonly BlobEntry[]): Promise<boolean[]> {
    this.#checkOpen('storing blobs');
    const what = `writing ${entries.length} blob(s)`;
    const written = await Promise.all([...chunks(entries, SCRIPT_BATCH)].map((chunk) => this.#setAbsent(chunk, what)));
    return written.flat();
  }

  /**
   * SET NX of every entry (written only when absent, atomically against every other client; a
   * duplicate within the batch is written once): true where written. One EVAL per batch costs the
   * client about half the CPU of a pipeline of SETs; a server that refuses scripts gets the pipeline.
   */
  async #setAbsent(chunk: readonly BlobEntry[], what: string): Promise<boolean[]> {
    const keys = chunk.map((e) => this.redisKeyOf(e.key));
    const values = chunk.map((e) => asBuffer(encodeBlobRecord(e.data)));
    if (this.#scripting) {
      let reply: unknown;
      try {
        reply = await this.#client.eval(SET_ABSENT, chunk.length, ...keys, ...values);
      } catch (e) {
        if (!isScriptRefused(e)) throw this.#fail(e, what);
        this.#scripting = false;
      }
      if (this.#scripting) {
        if (!Array.isArray(reply) || reply.length !== chunk.length) throw this.#fail(new Error('unexpected reply to the store script'), what);
        return reply.map((x) => x === 1);
      }
    }
    const p = this.#client.pipeline();
    for (let i = 0; i < chunk.length; i++) p.set(keys[i]!, values[i]!, 'NX');
    return (await this.#exec(p, what)).map((r) => r === 'OK');
  }

  async getMany(keys: readonly DataKey[]): Promise<Array<PagableData | undefined>> {
    this.#checkOpen(`fetching ${keys.length === 1 ? `blob ${keys[0]}` : `${keys.length} blobs`}`);
    const what = `reading ${keys.length === 1 ? `blob ${keys[0]}` : `${keys.length} blobs`}`;
    const raws = await Promise.all([...chunks(keys)].map(async (chunk) => {
      try {
        return await this.#client.mgetBuffer(...chunk.map((k) => this.redisKeyOf(k)));
      } catch (e) {
        throw this.#fail(e, what);
      }
    }));
    const out: Array<PagableData | undefined> = [];
    let i = 0;
    for (const r of raws) for (const raw of r) {
      const key = keys[i++]!;
      out.push(raw === null ? undefined : this.#decode(key, raw));
    }
    return out;
  }

  async hasMany(keys: readonly DataKey[]): Promise<boolean[]> {
    this.#checkOpen('checking blobs');
    const replies = await Promise.all([...chunks(keys)].map((chunk) => {
      const p = this.#client.pipeline();
      for (const k of chunk) p.exists(this.redisKeyOf(k));
      return this.#exec(p, `checking ${keys.length} blob(s)`);
    }));
    return replies.flat().map((n) => n === 1);
  }

  async *keys(): AsyncIterable<DataKey> {
    this.#checkOpen('listing blobs');
    const stream = this.#client.scanStream({ match: `${escapeGlob(this.#scanPrefix)}*`, count: SCAN_COUNT });
    // SCAN may return a key more than once (when the keyspace is rehashed): report each once.
    const seen = new Set<DataKey>();
    const cut = this.#scanPrefix.length;
    try {
      for await (const batch of stream as AsyncIterable<string[]>) {
        for (const rk of batch) {
          const k = rk.slice(cut);
          if (!isDataKey(k) || seen.has(k)) continue;
          seen.add(k);
          yield k;
        }
      }
    } catch (e) {
      throw this.#fail(e, 'listing blobs');
    } finally {
      stream.destroy();
    }
  }

  async deleteMany(keys: readonly DataKey[]): Promise<number> {
    this.#checkOpen('deleting blobs');
    let bytes = 0;
    for (const chunk of chunks(keys)) {
      const p = this.#client.pipeline();
      // The record's head and length give its data length without reading the data.
      for (const k of chunk) {
        const rk = this.redisKeyOf(k);
        p.getrangeBuffer(rk, 0, 4).strlen(rk).unlink(rk);
      }
      const r = await this.#exec(p, `deleting ${keys.length} blob(s)`);
      for (let i = 0; i < chunk.length; i++) {
        const head = r[3 * i] as Buffer;
        const length = r[3 * i + 1] as number;
        const removed = r[3 * i + 2] as number;
        if (removed !== 1) continue;
        try {
          bytes += blobRecordDataLength(head, `blob ${chunk[i]}`, length);
        } catch {
          // A malformed record is garbage too: freed, with no data bytes to count.
        }
      }
    }
    return bytes;
  }

  async setRoot(name: string, key: DataKey): Promise<boolean> {
    this.#checkOpen('setting a root');
    try {
      // The presence check and the write in one script: atomic on the server.
      const r = await this.#client.eval(SET_ROOT, 2, this.redisKeyOf(key), this.#rootsKey, name, key);
      return r === 1;
    } catch (e) {
      throw this.#fail(e, `setting root "${name}"`);
    }
  }

  async deleteRoot(name: string): Promise<boolean> {
    this.#checkOpen('deleting a root');
    try {
      return (await this.#client.hdel(this.#rootsKey, name)) === 1;
    } catch (e) {
      throw this.#fail(e, `deleting root "${name}"`);
    }
  }

  async getRoot(name: string): Promise<DataKey | undefined> {
    this.#checkOpen('reading a root');
    let v: string | null;
    try {
      v = await this.#client.hget(this.#rootsKey, name);
    } catch (e) {
      throw this.#fail(e, `reading root "${name}"`);
    }
    if (v === null) return undefined;
    return this.#rootKey(name, v);
  }

  async listRoots(): Promise<RootEntry[]> {
    this.#checkOpen('listing roots');
    let all: Record<string, string>;
    try {
      all = await this.#client.hgetall(this.#rootsKey);
    } catch (e) {
      throw this.#fail(e, 'listing roots');
    }
    return Object.entries(all).map(([name, v]) => ({ name, key: this.#rootKey(name, v) }));
  }

  #rootKey(name: string, v: string): DataKey {
    if (!isDataKey(v)) throw new PagableError('CORRUPT', `root "${name}" in ${this.#where} is malformed: ${JSON.stringify(String(v).slice(0, 40))}`);
    return v;
  }

  async flush(): Promise<void> {}

  async close(): Promise<void> {
    this.#closed = true;
    if (!this.#owned) return;
    try {
      // QUIT is queued behind the commands already sent, so their replies still arrive.
      await this.#client.quit();
    } catch {
      this.#client.disconnect();
    }
  }
}

/** `redis://host:port/db` of a client made by the caller, for messages. */
function describeClient(client: Redis): string {
  const o = client.options;
  if (o.path !== undefined) return `unix:${o.path}`;
  return `redis://${o.host ?? '127.0.0.1'}:${o.port ?? 6379}/${o.db ?? 0}`;
}

/**
 * The paging runtime over blobs in Redis, shared by every process and machine that connects to
 * the same database and prefix: a graph saved by one can be loaded by all the others. Redis
 * cannot be read synchronously, so `pinSync()` of a paged-out arc is IO: use `pin()`. Every
 * read is re-keyed unless `verify: false`. `stats().blobs` / `bytes` count the distinct blobs
 * this client stored or read, not the whole database.
 */
export class RedisPagableStorage extends PagableStorageBase {
  readonly #store: RedisStore;

  private constructor(store: RedisStore, options: RedisStorageOptions) {
    super(options.verify === false ? store : verifying(store), options);
    this.#store = store;
  }

  /**
   * Connects to `url` (or uses `client`) and checks the server answers. IO naming the url when it
   * cannot be reached; a connection it opened is closed again then.
   */
  static async connect(options: RedisStorageOptions = {}): Promise<RedisPagableStorage> {
    return new RedisPagableStorage(await RedisStore.connect(options), options);
  }

  /** The prefix of every Redis key this storage uses. */
  get prefix(): string {
    return this.#store.prefix;
  }

  /** The Redis key holding blob `key`. */
  redisKeyOf(key: DataKey): string {
    return this.#store.redisKeyOf(key);
  }
}

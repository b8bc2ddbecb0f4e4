import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type Database, type RootDatabase, open as openEnv } from 'lmdb';
import { type DataKey, type PagableData, isDataKey } from '../keys/data.js';
import { blake3_128 } from '../keys/blake3.js';
import { PagableError, toPagableError } from '../error.js';
import { blobRecordDataLength, decodeBlobRecord, encodeBlobRecord, readBlobRecordLayout } from '../blobstore/blob-record.js';
import type { BlobCount, BlobEntry, BlobStore, RootEntry } from '../blobstore/interface.js';
import { verifying } from '../blobstore/verifying.js';
import type { StorageOptions } from '../paging/interface.js';
import { PagableStorageBase } from '../paging/storage-base.js';

/** Options of `LmdbPagableStorage.open`. */
export interface LmdbStorageOptions extends StorageOptions {
  /**
   * Re-key every blob read from disk with computeKey and fail with CORRUPT (naming the key) on a
   * mismatch, so a flipped bit on disk never becomes a silently wrong object. Default true.
   */
  verify?: boolean;
  /** Initial memory-map size in bytes; LMDB grows it as the store grows. */
  mapSize?: number;
  /**
   * Skip fsync. Faster writes, but a machine crash (not merely a killed process) may lose or
   * corrupt recent writes. Default false.
   */
  noSync?: boolean;
  /** Create the store when `path` holds none. Default true; with false, a missing store is NOT_FOUND. */
  create?: boolean;
  /** Open without write access (inspection tools); writes then fail with IO. Default false. */
  readOnly?: boolean;
  /**
   * Count the blobs and bytes already stored at open, so `stats()` covers the whole store (one
   * pass over the store: about 1 s per million blobs). Default true; tools that never read
   * `stats()` may skip it.
   */
  countAtOpen?: boolean;
}

/** One stored blob as listed by `listBlobs()`. */
export interface LmdbBlobInfo {
  /** The blob's content key. */
  key: DataKey;
  /** Length of the blob's data. */
  bytes: number;
  /** Number of child keys. */
  children: number;
}

/**
 * Root names whose UTF-8 is longer are stored under 0xff + a hash (LMDB refuses keys over 1978
 * bytes, and a 1024-character name can take 3072); UTF-8 never holds 0xff, so the two never meet.
 */
const ROOT_KEY_DIRECT_MAX = 1024;
/** Keys per read when iterating, so no LMDB read transaction is held across an await. */
const SCAN_CHUNK = 4096;

const utf8 = new TextEncoder();
const utf8Strict = new TextDecoder('utf-8', { fatal: true });

function keyBytes(key: DataKey): Buffer {
  return Buffer.from(key, 'hex');
}

function hexOf(bytes: Uint8Array): DataKey {
  return Buffer.from(bytes.buffer, bytes.byteOffset, 16).toString('hex');
}

/** The roots db key of a name: its UTF-8, or (when too long for LMDB) 0xff + BLAKE3-128 of it. */
function rootDbKey(name: string): Buffer {
  const b = utf8.encode(name);
  if (b.length <= ROOT_KEY_DIRECT_MAX) return Buffer.from(b.buffer, b.byteOffset, b.length);
  const out = Buffer.alloc(17);
  out[0] = 0xff;
  out.set(blake3_128([b]), 1);
  return out;
}

/**
 * The default persistent storage: blobs in an embedded LMDB store (one directory, shareable by
 * many processes of one machine, crash safe). Reads are synchronous, so `pinSync()` works; writes
 * are batched into one transaction per save or page-out and resolve once committed, so a key that
 * `save()` returned survives a killed process.
 *
 * Layout: one LMDB environment with two named databases, `blobs` (16 key bytes -> blob record,
 * see blob-record.ts) and `roots` (name -> 16 key bytes + the name's UTF-8).
 *
 * Several processes may read and write one store at once (writes are serialized by LMDB and only
 * ever add content-addressed blobs). `gc()` is the exception: it protects what its own handle
 * stores meanwhile, not what another process stores, so run it while no other process writes.
 */
class LmdbStore implements BlobStore {
  readonly name: string;
  #closed = false;
  #counted: BlobCount | undefined;
  readonly #env: RootDatabase;
  readonly #blobs: Database<Uint8Array, Uint8Array>;
  readonly #roots: Database<Uint8Array, Uint8Array>;
  readonly #path: string;
  /** Blobs handed to a write not yet committed: read-your-writes. Count = writes in flight. */
  readonly #pending = new Map<DataKey, { data: PagableData; n: number }>();

  private constructor(path: string, env: RootDatabase, blobs: Database<Uint8Array, Uint8Array>,
    roots: Database<Uint8Array, Uint8Array>) {
    this.name = `LMDB store ${path}`;
    this.#path = path;
    this.#env = env;
    this.#blobs = blobs;
    this.#roots = roots;
  }

  /**
   * Opens (and by default creates) the store in directory `path`. NOT_FOUND when `create` is false
   * and there is no store; IO when LMDB cannot open it.
   */
  static async open(path: string, options: LmdbStorageOptions = {}): Promise<LmdbStore> {
    if (typeof path !== 'string' || path.length === 0) throw new PagableError('IO', `LmdbPagableStorage.open: expected a directory path, got ${JSON.stringify(path)}`);
    if (options.create === false && !existsSync(join(path, 'data.mdb'))) {
      throw new PagableError('NOT_FOUND', `no pagable store at ${path} (no data.mdb)`);
    }
    let env: RootDatabase;
    try {
      env = openEnv({
        path,
        // Always a directory: lmdb would otherwise treat a path with a dot as a file name.
        noSubdir: false,
        maxDbs: 4,
        ...(options.mapSize !== undefined ? { mapSize: options.mapSize } : {}),
        noSync: options.noSync === true,
        readOnly: options.readOnly === true,
      });
    } catch (e) {
      throw toPagableError(e, 'IO', `opening LMDB store ${path}`);
    }
    let blobs: Database<Uint8Array, Uint8Array> | undefined;
    let roots: Database<Uint8Array, Uint8Array> | undefined;
    try {
      // Read-only, lmdb returns undefined for a database the environment lacks.
      blobs = env.openDB<Uint8Array, Uint8Array>('blobs', { keyEncoding: 'binary', encoding: 'binary' }) as typeof blobs;
      roots = env.openDB<Uint8Array, Uint8Array>('roots', { keyEncoding: 'binary', encoding: 'binary' }) as typeof roots;
    } catch (e) {
      await env.close().catch(() => undefined);
      throw toPagableError(e, 'IO', `opening the databases of ${path}`);
    }
    if (blobs === undefined || roots === undefined) {
      await env.close().catch(() => undefined);
      throw new PagableError('NOT_FOUND', `${path} is an LMDB environment but not a pagable store (no blobs / roots databases)`);
    }
    const s = new LmdbStore(path, env, blobs, roots);
    if (options.countAtOpen !== false) {
      try {
        s.#countAll();
      } catch (e) {
        await env.close().catch(() => undefined);
        throw toPagableError(e, 'IO', `counting the blobs of ${path}`);
      }
    }
    return s;
  }

  /** The store's directory. */
  get path(): string {
    return this.#path;
  }

  /** Size of the store's data file in bytes (what the store takes on disk). */
  fileBytes(): number {
    try {
      return statSync(join(this.#path, 'data.mdb')).size;
    } catch {
      return 0;
    }
  }

  /** The number of stored blobs, from LMDB's own counters (no scan). */
  blobCount(): number {
    this.#open('blobCount');
    return (this.#blobs.getStats() as { entryCount: number }).entryCount;
  }

  #countAll(): void {
    let blobs = 0;
    let bytes = 0;
    for (const { key, value } of this.#blobs.getRange({})) {
      blobs++;
      bytes += blobRecordDataLength(value, `blob ${hexOf(key)}`);
    }
    this.#counted = { blobs, bytes };
  }

  #open(what: string): void {
    if (this.#closed) throw new PagableError('STORAGE_CLOSED', `${what}: the storage is closed`);
  }

  /** Every stored blob's key, data size and child count, in key order (no hashing: cheap). */
  async *listBlobs(): AsyncIterable<LmdbBlobInfo> {
    for (const chunk of this.#chunks()) {
      for (const [key, value] of chunk) {
        const { children, dataOffset } = readBlobRecordLayout(value, `blob ${key}`);
        yield { key, bytes: value.length - dataOffset, children };
      }
    }
  }

  /** Stored keys beginning with `prefix` (lowercase hex), at most `limit` of them, in key order. */
  keysWithPrefix(prefix: string, limit = 2): DataKey[] {
    this.#open('keysWithPrefix');
    if (!/^[0-9a-f]{0,32}$/.test(prefix)) return [];
    const start = Buffer.from(prefix.padEnd(32, '0'), 'hex');
    const out: DataKey[] = [];
    for (const k of this.#blobs.getKeys({ start })) {
      const hex = hexOf(k);
      if (!hex.startsWith(prefix) || out.length >= limit) break;
      out.push(hex);
    }
    return out;
  }

  /** Entries in chunks of SCAN_CHUNK read synchronously, so no read transaction spans an await. */
  *#chunks(): Generator<Array<[DataKey, Uint8Array]>> {
    let start: Uint8Array | undefined;
    for (;;) {
      this.#open('iterating blobs');
      const chunk: Array<[DataKey, Uint8Array]> = [];
      const range = this.#blobs.getRange(start === undefined ? { limit: SCAN_CHUNK } : { start, exclusiveStart: true, limit: SCAN_CHUNK });
      for (const { key, value } of range) chunk.push([hexOf(key), value]);
      if (chunk.length === 0) return;
      start = keyBytes(chunk[chunk.length - 1]![0]);
      yield chunk;
      if (chunk.length < SCAN_CHUNK) return;
    }
  }

  // ---- raw I/O --------------------------------------------------------------------------------

  async putMany(entries: readonly BlobEntry[]): Promise<boolean[]> {
    // Encode outside the transaction: its callback runs on the main thread while LMDB's writer waits.
    const records = entries.map((e) => encodeBlobRecord(e.data));
    const keys = entries.map((e) => keyBytes(e.key));
    for (const e of entries) {
      const p = this.#pending.get(e.key);
      if (p === undefined) this.#pending.set(e.key, { data: e.data, n: 1 });
      else p.n++;
    }
    try {
      // One transaction for the batch, resolved once committed. MDB_NOOVERWRITE makes "write only
      // absent keys" atomic, also against other processes, and counts a duplicate in the batch once.
      return await this.#blobs.transaction(() => {
        const out = new Array<boolean>(records.length);
        for (let i = 0; i < records.length; i++) {
          out[i] = (this.#blobs.putSync(keys[i]!, records[i]!, { noOverwrite: true }) as unknown) === true;
        }
        return out;
      });
    } catch (e) {
      throw toPagableError(e, 'IO', `writing ${entries.length} blob(s) to ${this.#path}`);
    } finally {
      for (const e of entries) {
        const p = this.#pending.get(e.key);
        if (p !== undefined && --p.n === 0) this.#pending.delete(e.key);
      }
    }
  }

  getSync(key: DataKey): PagableData | undefined {
    const p = this.#pending.get(key);
    if (p !== undefined) return p.data;
    if (this.#closed) throw new PagableError('STORAGE_CLOSED', `fetching blob ${key}: the storage is closed`);
    // The fast read reuses one buffer; decodeBlobRecord copies the data out of it at once.
    const kb = keyBytes(key);
    let raw = this.#blobs.getBinaryFast(kb);
    if (raw === undefined) {
      // lmdb-js reuses a read snapshot until the next commit it sees itself: a blob committed
      // meanwhile by another handle or process is invisible until the snapshot is renewed.
      this.#env.resetReadTxn();
      raw = this.#blobs.getBinaryFast(kb);
      if (raw === undefined) return undefined;
    }
    return decodeBlobRecord(raw, `blob ${key} in ${this.#path}`, raw.length);
  }

  getMany(keys: readonly DataKey[]): Array<PagableData | undefined> {
    return keys.map((k) => this.getSync(k));
  }

  #has(key: DataKey): boolean {
    return this.#pending.has(key) || this.#blobs.doesExist(keyBytes(key));
  }

  hasMany(keys: readonly DataKey[]): boolean[] {
    return keys.map((k) => this.#has(k));
  }

  async *keys(): AsyncIterable<DataKey> {
    for (const chunk of this.#chunks()) for (const [key] of chunk) yield key;
  }

  async deleteMany(keys: readonly DataKey[]): Promise<number> {
    try {
      return await this.#blobs.transaction(() => {
        let bytes = 0;
        for (const k of keys) {
          const kb = keyBytes(k);
          const raw = this.#blobs.getBinaryFast(kb);
          if (raw === undefined) continue;
          let len = 0;
          try {
            len = blobRecordDataLength(raw, `blob ${k}`, raw.length);
          } catch {
            // A malformed record is garbage too: free it, count no data bytes.
          }
          if (this.#blobs.removeSync(kb)) bytes += len;
        }
        return bytes;
      });
    } catch (e) {
      throw toPagableError(e, 'IO', `deleting ${keys.length} blob(s) from ${this.#path}`);
    }
  }

  async setRoot(name: string, key: DataKey): Promise<boolean> {
    const dbKey = rootDbKey(name);
    const nameBytes = utf8.encode(name);
    const value = new Uint8Array(16 + nameBytes.length);
    value.set(keyBytes(key), 0);
    value.set(nameBytes, 16);
    try {
      // The presence check and the put in one write transaction: a gc cannot delete in between.
      return await this.#roots.transaction(() => {
        if (!this.#blobs.doesExist(keyBytes(key))) return false;
        this.#roots.putSync(dbKey, value);
        return true;
      });
    } catch (e) {
      throw toPagableError(e, 'IO', `setting root "${name}" in ${this.#path}`);
    }
  }

  async deleteRoot(name: string): Promise<boolean> {
    try {
      return await this.#roots.remove(rootDbKey(name));
    } catch (e) {
      throw toPagableError(e, 'IO', `deleting root "${name}" in ${this.#path}`);
    }
  }

  /** Counted at open; with `countAtOpen: false`, zero (stats then count from this handle's writes). */
  count(): BlobCount {
    return this.#counted ?? { blobs: 0, bytes: 0 };
  }

  getRoot(name: string): DataKey | undefined {
    const v = this.#roots.getBinary(rootDbKey(name));
    if (v === undefined) return undefined;
    return this.#decodeRoot(v).key;
  }

  listRoots(): RootEntry[] {
    const out: RootEntry[] = [];
    for (const { value } of this.#roots.getRange({})) out.push(this.#decodeRoot(value));
    return out;
  }

  #decodeRoot(v: Uint8Array): RootEntry {
    let name: string;
    try {
      if (v.length < 16) throw new Error('too short');
      name = utf8Strict.decode(v.subarray(16));
    } catch (e) {
      throw new PagableError('CORRUPT', `a root record in ${this.#path} is malformed`, { cause: e });
    }
    const key = hexOf(v);
    if (!isDataKey(key)) throw new PagableError('CORRUPT', `root "${name}" in ${this.#path} is malformed`);
    return { name, key };
  }

  /** Resolves once every write so far is committed and flushed to disk. */
  async flush(): Promise<void> {
    try {
      await this.#env.committed;
      await this.#env.flushed;
    } catch (e) {
      throw toPagableError(e, 'IO', `flushing ${this.#path}`);
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
    try {
      // Let writes already handed to LMDB finish first: their save() promises are still waiting.
      await this.#env.committed;
      await this.#env.close();
    } catch (e) {
      throw toPagableError(e, 'IO', `closing ${this.#path}`);
    }
  }
}

/**
 * The default persistent storage: the paging runtime over blobs in an embedded LMDB store (one
 * directory, shareable by many processes of one machine, crash safe). Reads are synchronous, so
 * `pinSync()` works; writes are batched into one transaction per save or page-out and resolve
 * once committed, so a key that `save()` returned survives a killed process. Every read is
 * re-keyed unless `verify: false`.
 */
export class LmdbPagableStorage extends PagableStorageBase {
  readonly #store: LmdbStore;

  private constructor(store: LmdbStore, options: LmdbStorageOptions) {
    super(options.verify === false ? store : verifying(store), options);
    this.#store = store;
  }

  /**
   * Opens (and by default creates) the store in directory `path`. NOT_FOUND when `create` is false
   * and there is no store; IO when LMDB cannot open it.
   */
  static async open(path: string, options: LmdbStorageOptions = {}): Promise<LmdbPagableStorage> {
    return new LmdbPagableStorage(await LmdbStore.open(path, options), options);
  }

  /** The store's directory. */
  get path(): string {
    return this.#store.path;
  }

  /** Size of the store's data file in bytes (what the store takes on disk). */
  fileBytes(): number {
    return this.#store.fileBytes();
  }

  /** The number of stored blobs, from LMDB's own counters (no scan). */
  blobCount(): number {
    return this.#store.blobCount();
  }

  /** Every stored blob's key, data size and child count, in key order (no hashing: cheap). */
  listBlobs(): AsyncIterable<LmdbBlobInfo> {
    return this.#store.listBlobs();
  }

  /** Stored keys beginning with `prefix` (lowercase hex), at most `limit` of them, in key order. */
  keysWithPrefix(prefix: string, limit = 2): DataKey[] {
    return this.#store.keysWithPrefix(prefix, limit);
  }
}

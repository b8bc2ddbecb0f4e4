import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { Database, RootDatabase } from 'lmdb';
import { type DataKey, type PagableData, isDataKey, keyFromBytes, writeKeyBytes } from '../../keys/data.js';
import { PagableError, toPagableError } from '../../error.js';
import type { BlobBatch } from '../../keys/blob-batch.js';
import { decodeBlobRecord, readBlobRecordLayout } from '../blob-record.js';
import type { Await, BlobCount, BlobEntry, BlobStore, RootEntry, SweepGuard } from '../interface.js';
import type { LmdbBlobInfo, LmdbBlobStoreOptions } from './options.js';
import { PendingWrites } from './pending-writes.js';
import { inTransaction, lastCommitFailed } from './transaction.js';
import { lmdbFailure } from './errors.js';
import { decodeRootRecord, encodeRootRecord, rootDbKey } from './roots.js';
import { type OpenedLmdb, closeLmdbEnv, countUnderReader, openLmdb } from './open.js';
import { type LmdbScanHost, blobChunks, blobKeysWithPrefix, listBlobInfos } from './scan.js';
import { LmdbSweepGuard, type SweepHost, openSweepInTxn, recordInTxn } from './sweep-guard.js';
import { ViewSlabs } from './view-slabs.js';
import {
  type MissingChild,
  type WriteResult,
  WriteScratch,
  checkRecords,
  deleteInTxn,
  keyBytes,
  putBatchInTxn,
  putEntriesInTxn,
} from './write-txn.js';

export type { LmdbBlobInfo, LmdbBlobStoreOptions } from './options.js';

const DEFAULT_LEASE_MS = 10 * 60_000;
type Db = Database<Uint8Array, Uint8Array>;

/**
 * Blobs in an embedded LMDB store: one directory, shared by the processes of one machine, crash
 * safe. Reads are synchronous; each write call is one transaction, resolved once committed.
 *
 * Layout: an LMDB environment with the named databases `blobs` (16 key bytes -> blob record, see
 * blob-record.ts), `roots` (name -> 16 key bytes + the name's UTF-8), and `meta` / `touched` for
 * gc sweeps (see sweep-guard.ts). The data file is checked before LMDB maps it
 * (file-check.ts), so a damaged store is CORRUPT, not a crashed process.
 */
export class LmdbBlobStore implements BlobStore {
  readonly name: string;
  readonly sweeps: SweepGuard;
  readonly #env: RootDatabase;
  readonly #blobs: Db;
  readonly #roots: Db;
  readonly #readOnly: boolean;
  readonly #file: string;
  readonly #host: SweepHost;
  readonly #scan: LmdbScanHost;
  #closed = false;
  #count: BlobCount | undefined;
  readonly #pending = new PendingWrites();
  readonly #scratch = new WriteScratch();
  readonly #readKey = new Uint8Array(16);
  readonly #views = new ViewSlabs();

  private constructor(path: string, opened: OpenedLmdb, options: LmdbBlobStoreOptions) {
    this.name = path;
    this.#file = join(path, 'data.mdb');
    this.#env = opened.env;
    this.#blobs = opened.blobs;
    this.#roots = opened.roots;
    this.#count = opened.count;
    this.#readOnly = options.readOnly === true;
    this.#host = {
      path,
      env: opened.env,
      blobs: opened.blobs,
      meta: opened.meta,
      touched: opened.touched,
      checkWritable: (what) => this.#checkWritable(what),
      checkOpen: (what) => this.#checkOpen(what),
      deleteInTxn: (keys) => deleteInTxn(opened.blobs, keys),
      deleted: (blobs, bytes) => this.#adjust(-blobs, -bytes),
      hasMany: (keys) => this.hasMany(keys),
    };
    this.sweeps = new LmdbSweepGuard(this.#host, options.sweepLeaseMs ?? DEFAULT_LEASE_MS);
    this.#scan = {
      name: path,
      blobs: opened.blobs,
      checkOpen: (what) => this.#checkOpen(what),
      read: (what, body) => this.#read(what, body),
    };
  }

  /**
   * Opens (and by default creates) the store in directory `path`. NOT_FOUND when there is no store
   * and `create` is false or `readOnly` (nothing is created then); CORRUPT when the data file is
   * damaged; INVALID_ARGUMENT for bad options; IO when lmdb is missing or LMDB cannot open it.
   */
  static async open(path: string, options: LmdbBlobStoreOptions = {}): Promise<LmdbBlobStore> {
    return new LmdbBlobStore(path, await openLmdb(path, options), options);
  }

  /** Runs an LMDB read; a failure renews the read snapshot (LMDB marks it broken) and is mapped. */
  #read<T>(what: string, body: () => T): T {
    try {
      return body();
    } catch (e) {
      if (!(e instanceof PagableError)) this.#env.resetReadTxn();
      throw lmdbFailure(e, what, this.name);
    }
  }

  /** The store's directory. */
  get path(): string {
    return this.name;
  }

  #checkOpen(what: string): void {
    if (this.#closed) throw new PagableError('STORAGE_CLOSED', `${what}: the LMDB store ${this.name} is closed`);
  }

  #checkWritable(what: string): void {
    this.#checkOpen(what);
    if (this.#readOnly) throw new PagableError('IO', `${what}: the LMDB store ${this.name} was opened read-only, so it cannot be written`);
  }

  #checkKey(key: unknown, what: string): asserts key is DataKey {
    if (!isDataKey(key))
      throw new PagableError('INVALID_ARGUMENT', `${what}: ${JSON.stringify(String(key).slice(0, 40))} is not a 32-char lowercase hex key`);
  }

  #checkName(name: unknown, what: string): asserts name is string {
    if (typeof name !== 'string' || name.length === 0)
      throw new PagableError('INVALID_ARGUMENT', `${what}: a root name must be a non-empty string`);
  }

  #adjust(blobs: number, bytes: number): void {
    if (this.#count !== undefined) {
      this.#count.blobs += blobs;
      this.#count.bytes += bytes;
    }
  }

  /** Size of the store's data file in bytes. */
  fileBytes(): number {
    try {
      return statSync(this.#file).size;
    } catch {
      return 0;
    }
  }

  /** The number of stored blobs, from LMDB's own counters (no scan). */
  blobCount(): number {
    this.#checkOpen('blobCount');
    this.#env.resetReadTxn();
    return this.#read('counting blobs', () => (this.#blobs.getStats() as { entryCount: number }).entryCount);
  }

  /**
   * What the store holds. `blobs` is exact (LMDB's own counter, every process's writes included);
   * `bytes` is counted at open (or on the first call with countAtOpen false) and kept current with
   * this handle's own writes and deletes, so data other processes wrote since is not in it.
   */
  count(): BlobCount {
    this.#checkOpen('count');
    this.#count ??= this.#read('counting blobs', () => countUnderReader(this.#env, this.#file, ['blobs']));
    return { blobs: this.blobCount(), bytes: Math.max(0, this.#count.bytes) };
  }

  /** Every stored blob's key, data size and child count, in key order; malformed records flagged. */
  listBlobs(): Iterable<LmdbBlobInfo> {
    return listBlobInfos(this.#scan);
  }

  /** Stored keys beginning with `prefix` (lowercase hex), at most `limit` of them, in key order. */
  keysWithPrefix(prefix: string, limit = 2): DataKey[] {
    return blobKeysWithPrefix(this.#scan, prefix, limit);
  }

  // ---- BlobStore ------------------------------------------------------------------------------

  /** One transaction for the batch (see write-txn.ts), resolved once committed. */
  async putMany(entries: readonly BlobEntry[]): Promise<boolean[]> {
    const what = `writing ${entries.length} blob(s)`;
    const txn = this.#prepareWrite(entries, what);
    this.#pending.add(entries);
    try {
      return Array.from(this.#committed(await inTransaction(this.#blobs, txn, what, this.name)), (w) => w === 1);
    } finally {
      this.#pending.done(entries);
    }
  }

  /**
   * The same in a synchronous transaction, committed before it returns: for the runtime's page-out
   * on the caller's stack (the heap is over `autoPageOut.heapUsedLimit`). Blocks the thread for the
   * commit (and for another process's write transaction, if one holds the lock).
   */
  putManySync(entries: readonly BlobEntry[]): boolean[] {
    const what = `writing ${entries.length} blob(s)`;
    const txn = this.#prepareWrite(entries, what);
    try {
      return Array.from(this.#committed(this.#blobs.transactionSync(txn)), (w) => w === 1);
    } catch (e) {
      throw lmdbFailure(e, what, this.name);
    }
  }

  /**
   * @internal Writes a page-out's batch (see ByteStore) as putMany / putManySync do, each record
   * written from the batch's frames into one reused buffer inside the transaction: no key string,
   * record or entry per blob. While the write is in flight its blobs are readable (PendingWrites).
   */
  putBatch(batch: BlobBatch, sync: boolean): Await<void> {
    const what = `writing ${batch.count} blob(s)`;
    this.#checkWritable(what);
    const txn = (): WriteResult | MissingChild => putBatchInTxn(this.#host, batch, this.#scratch);
    if (sync) {
      try {
        this.#committed(this.#blobs.transactionSync(txn));
      } catch (e) {
        throw lmdbFailure(e, what, this.name);
      }
      return;
    }
    return this.#putBatchAsync(batch, txn, what);
  }

  async #putBatchAsync(batch: BlobBatch, txn: () => WriteResult | MissingChild, what: string): Promise<void> {
    this.#pending.addBatch(batch);
    try {
      this.#committed(await inTransaction(this.#blobs, txn, what, this.name));
    } finally {
      this.#pending.doneBatch(batch);
    }
  }

  /** The checks of a write and its transaction body (see write-txn.ts). */
  #prepareWrite(entries: readonly BlobEntry[], what: string): () => WriteResult | MissingChild {
    this.#checkWritable(what);
    for (const e of entries) this.#checkKey(e.key, 'putMany');
    checkRecords(entries);
    const keys = entries.map((e) => keyBytes(e.key));
    return () => putEntriesInTxn(this.#host, entries, keys, this.#scratch);
  }

  /** What a committed write transaction returned: per blob, written (1); counted. NOT_FOUND for a missing child. */
  #committed(r: WriteResult | MissingChild): Uint8Array {
    if (!('written' in r)) {
      throw new PagableError(
        'NOT_FOUND',
        `blob ${r.parent} refers to ${r.child}, which ${this.name} no longer holds (a gc deleted it); nothing was written`,
      );
    }
    this.#adjust(r.blobs, r.bytes);
    return r.written;
  }

  getSync(key: DataKey): PagableData | undefined {
    const pending = this.#pending.get(key);
    if (pending !== undefined) return pending;
    const raw = this.#readRaw(key);
    // The fast read reuses one buffer; decodeBlobRecord copies the data out of it at once.
    return raw === undefined ? undefined : decodeBlobRecord(raw, `blob ${key} in ${this.name}`, raw.length);
  }

  /** As getSync, the data a view of a copy that nothing writes over (view-slabs.ts): for page-in. */
  viewSync(key: DataKey): PagableData | undefined {
    const pending = this.#pending.get(key);
    if (pending !== undefined) return pending;
    const raw = this.#readRaw(key);
    return raw === undefined
      ? undefined
      : decodeBlobRecord(this.#views.copy(raw, raw.length), `blob ${key} in ${this.name}`, raw.length, false);
  }

  /**
   * viewSync of the key at `bytes[at, at + 16)` (ByteView: no key string): the blob copied as its
   * frame (view-slabs.ts), its child keys left as bytes.
   */
  viewAt(bytes: Uint8Array, at: number): PagableData | undefined {
    if (this.#closed || !this.#pending.idle) return this.viewSync(keyFromBytes(bytes, at));
    const kb = this.#readKey;
    for (let i = 0; i < 16; i++) kb[i] = bytes[at + i]!;
    const raw = this.#readRawKey(kb, undefined);
    if (raw === undefined) return undefined;
    const length = raw.length;
    let layout;
    try {
      layout = readBlobRecordLayout(raw, '', length);
    } catch {
      // Malformed: read again to throw the same error naming the key.
      return this.viewSync(keyFromBytes(bytes, at));
    }
    return this.#views.frame(raw, length, layout.children, layout.dataOffset);
  }

  /** The record stored under `key`, in lmdb-js's reused read buffer (valid until the next read). */
  #readRaw(key: DataKey): Uint8Array | undefined {
    if (this.#closed) this.#checkOpen(`reading blob ${key}`);
    // The key checked and converted in one pass, into a reused buffer (lmdb-js copies it).
    const kb = this.#readKey;
    if (!writeKeyBytes(key, kb)) this.#checkKey(key, 'getSync');
    return this.#readRawKey(kb, key);
  }

  /** The record stored under key bytes `kb` (`key` its string, if made: for messages). */
  #readRawKey(kb: Uint8Array, key: DataKey | undefined): Uint8Array | undefined {
    try {
      const raw = this.#blobs.getBinaryFast(kb);
      if (raw !== undefined) return raw;
      // lmdb-js reuses a read snapshot until the next commit it sees itself: a blob committed
      // meanwhile by another handle or process is invisible until the snapshot is renewed.
      this.#env.resetReadTxn();
      return this.#blobs.getBinaryFast(kb);
    } catch (e) {
      this.#env.resetReadTxn();
      throw lmdbFailure(e, `reading blob ${key ?? keyFromBytes(kb)}`, this.name);
    }
  }

  getMany(keys: readonly DataKey[]): Array<PagableData | undefined> {
    return keys.map((k) => this.getSync(k));
  }

  hasMany(keys: readonly DataKey[]): boolean[] {
    this.#checkOpen('hasMany');
    for (const k of keys) this.#checkKey(k, 'hasMany');
    return this.#read(`checking ${keys.length} blob(s)`, () => {
      const out = keys.map((k) => this.#pending.has(k) || this.#blobs.doesExist(keyBytes(k)));
      if (out.includes(false)) {
        // As in getSync: renew the snapshot before saying absent.
        this.#env.resetReadTxn();
        for (let i = 0; i < out.length; i++) if (!out[i]) out[i] = this.#blobs.doesExist(keyBytes(keys[i]!));
      }
      return out;
    });
  }

  *keys(): Iterable<DataKey> {
    for (const chunk of blobChunks(this.#scan)) for (const [key] of chunk) yield key;
  }

  async deleteMany(keys: readonly DataKey[]): Promise<number> {
    this.#checkWritable(`deleting ${keys.length} blob(s)`);
    for (const k of keys) this.#checkKey(k, 'deleteMany');
    const r = await inTransaction(this.#blobs, () => deleteInTxn(this.#blobs, keys), `deleting ${keys.length} blob(s)`, this.name);
    this.#adjust(-r.blobs, -r.bytes);
    return r.bytes;
  }

  getRoot(name: string): DataKey | undefined {
    this.#checkOpen(`reading root "${String(name)}"`);
    this.#checkName(name, 'getRoot');
    this.#env.resetReadTxn();
    const v = this.#read(`reading root "${name}"`, () => this.#roots.getBinary(rootDbKey(name)));
    return v === undefined ? undefined : decodeRootRecord(v, this.name).key;
  }

  /** In one write transaction: the blob's presence, the sweep record, the root. */
  async setRoot(name: string, key: DataKey): Promise<boolean> {
    this.#checkWritable(`setting root "${String(name)}"`);
    this.#checkName(name, 'setRoot');
    this.#checkKey(key, `setRoot "${name}"`);
    const kb = keyBytes(key);
    const value = encodeRootRecord(name, kb);
    const body = (): boolean => {
      if (!this.#blobs.doesExist(kb)) return false;
      const sweep = openSweepInTxn(this.#host.meta, this.name);
      if (sweep !== undefined) recordInTxn(this.#host, sweep, kb);
      this.#roots.putSync(rootDbKey(name), value);
      return true;
    };
    return inTransaction(this.#blobs, body, `setting root "${name}"`, this.name);
  }

  async deleteRoot(name: string): Promise<boolean> {
    this.#checkWritable(`deleting root "${String(name)}"`);
    this.#checkName(name, 'deleteRoot');
    return inTransaction(
      this.#roots,
      () => (this.#roots.removeSync(rootDbKey(name)) as unknown) === true,
      `deleting root "${name}"`,
      this.name,
    );
  }

  listRoots(): RootEntry[] {
    this.#checkOpen('listRoots');
    this.#env.resetReadTxn();
    const out: RootEntry[] = [];
    this.#read('listing roots', () => {
      for (const { value } of this.#roots.getRange({})) out.push(decodeRootRecord(value, this.name));
    });
    return out;
  }

  /**
   * Resolves once every write so far is committed and flushed to disk; a write whose commit failed
   * was reported to its caller and does not fail this.
   */
  async flush(): Promise<void> {
    this.#checkOpen('flush');
    try {
      if (!(await lastCommitFailed(this.#env.committed))) await this.#env.flushed;
    } catch (e) {
      throw toPagableError(e, 'IO', `flushing ${this.name}`);
    }
  }

  /** Closes the environment once writes already handed to LMDB have committed (or failed, to their callers); idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await lastCommitFailed(this.#env.committed);
      await closeLmdbEnv(this.name, this.#env);
    } catch (e) {
      throw toPagableError(e, 'IO', `closing ${this.name}`);
    }
  }
}

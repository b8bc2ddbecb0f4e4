import type { Database } from 'lmdb';
import { FRAME_HEAD, type BlobBatch } from '../../keys/blob-batch.js';
import { type DataKey, isDataKey, keyFromBytes } from '../../keys/data.js';
import { PagableError } from '../../error.js';
import { blobRecordLength, readBlobRecordLayout, writeBlobRecord, writeFramedRecord } from '../blob-record.js';
import type { BlobEntry } from '../interface.js';
import { type SweepHost, openSweepInTxn, recordInTxn } from './sweep-guard.js';

/*
 * The bodies of the LMDB store's blob write and delete transactions. Writes put blob records with
 * MDB_NOOVERWRITE (so "write only absent keys" is atomic against every process) and, while a gc
 * sweep is open, record the batch and refuse it whole if a blob's child is neither in the batch
 * nor stored (a sweep may have deleted a child the caller checked before it began).
 *
 * Records are written into one reused buffer and put from there: LMDB copies the value into its
 * page inside the put, so nothing is made per blob. lmdb-js puts only `[start, end)` of a value
 * that has those two fields (as msgpackr's reused buffers do), counted from its ArrayBuffer's
 * first byte, so the buffer owns its ArrayBuffer from offset 0.
 */

type Db = Database<Uint8Array, Uint8Array>;

/** A blob whose child a sweep deleted: the write is refused whole. */
export interface MissingChild {
  parent: DataKey;
  child: DataKey;
}

/** What a committed write did: per blob, written (1) or already there (0); blobs and data bytes written. */
export interface WriteResult {
  written: Uint8Array;
  blobs: number;
  bytes: number;
}

const NO_OVERWRITE = { noOverwrite: true } as const;
/**
 * Batches whose blobs average fewer data bytes than this are put in key order (WriteScratch.order):
 * small records share pages, so putting them in order saves page descents; larger ones fill pages
 * of their own, and reading their frames out of order then costs more than it saves (the build
 * graph's LMDB save, ~700 B a blob, measured 1.09x-1.23x the CPU time sorted).
 */
const SORTED_BELOW = 512;

/** A value buffer lmdb-js puts `[start, end)` of. */
type RangedBuffer = Buffer & { start: number; end: number };

/** One store's reused key and record buffers (a write transaction runs one at a time per thread). */
export class WriteScratch {
  readonly key = new Uint8Array(16);
  #record = ranged(0x10000);
  #order = new Int32Array(0);
  #buckets = new Int32Array(0);

  /**
   * The order to put a batch's `n` blobs in: by key, as LMDB compares them (bytewise). Content
   * keys come in random order, and LMDB puts them each into a page of its own in a B-tree it
   * descends anew; in key order each put lands next to the last, in pages just touched (and
   * leaves fill up). Measured with lmdb-js alone, 100k random 16-byte keys in one transaction:
   * 250 ms of CPU in random order, 165 ms sorted. The sort is a counting sort on the keys' first
   * bits (about one key per bucket: the keys are BLAKE3 digests), finished by an insertion sort
   * that only has to order the few keys sharing a bucket.
   */
  order(keys: Uint8Array, n: number): Int32Array {
    if (this.#order.length < n) this.#order = new Int32Array(Math.max(n, 2 * this.#order.length));
    const order = this.#order;
    const bits = Math.min(16, 32 - Math.clz32(n));
    const shift = 16 - bits;
    if (this.#buckets.length < (1 << bits) + 1) this.#buckets = new Int32Array((1 << bits) + 1);
    const at = this.#buckets;
    at.fill(0, 0, (1 << bits) + 1);
    for (let i = 0; i < n; i++) at[(((keys[16 * i]! << 8) | keys[16 * i + 1]!) >>> shift) + 1]!++;
    for (let b = 1; b <= 1 << bits; b++) at[b]! += at[b - 1]!;
    for (let i = 0; i < n; i++) order[at[((keys[16 * i]! << 8) | keys[16 * i + 1]!) >>> shift]!++] = i;
    for (let j = 1; j < n; j++) {
      const x = order[j]!;
      let m = j - 1;
      while (m >= 0 && keyBefore(keys, x, order[m]!)) {
        order[m + 1] = order[m]!;
        m--;
      }
      order[m + 1] = x;
    }
    return order;
  }

  /** The record buffer, with room for `n` bytes. */
  record(n: number): RangedBuffer {
    if (this.#record.length < n) this.#record = ranged(Math.max(n, 2 * this.#record.length));
    return this.#record;
  }
}

/** Whether key `a` of `keys` sorts before key `b` (bytewise, as LMDB compares them). */
function keyBefore(keys: Uint8Array, a: number, b: number): boolean {
  for (let i = 0; i < 16; i++) {
    const x = keys[16 * a + i]!;
    const y = keys[16 * b + i]!;
    if (x !== y) return x < y;
  }
  return false;
}

function ranged(n: number): RangedBuffer {
  // allocUnsafeSlow: an ArrayBuffer of its own, the buffer at its offset 0 (see the top of this file).
  return Object.assign(Buffer.allocUnsafeSlow(n), { start: 0, end: 0 });
}

/** Puts `record[0, n)` under `scratch.key` if absent; true when written. */
function putRecord(blobs: Db, scratch: WriteScratch, record: RangedBuffer, n: number): boolean {
  record.start = 0;
  record.end = n;
  return (blobs.putSync(scratch.key, record, NO_OVERWRITE) as unknown) === true;
}

/** Inside a write transaction: writes the batch's absent blobs from their frames; or the blob whose child a sweep deleted. */
export function putBatchInTxn(host: SweepHost, batch: BlobBatch, scratch: WriteScratch): WriteResult | MissingChild {
  const sweep = openSweepInTxn(host.meta, host.path);
  if (sweep !== undefined) {
    const missing = missingChildOfBatch(host.blobs, batch);
    if (missing !== undefined) return missing;
  }
  const n = batch.count;
  const keys = batch.keys;
  const written = batch.written;
  const key = scratch.key;
  let blobs = 0;
  let bytes = 0;
  const order = batch.bytes < SORTED_BELOW * n ? scratch.order(keys, n) : undefined;
  for (let j = 0; j < n; j++) {
    const i = order === undefined ? j : order[j]!;
    for (let b = 0; b < 16; b++) key[b] = keys[16 * i + b]!;
    const len = batch.length[i]!;
    const c = batch.children[i]!;
    const size = blobRecordLength(len, c);
    const record = scratch.record(size);
    writeFramedRecord(batch.slab(i), batch.at[i]!, len, c, record, 0);
    if (putRecord(host.blobs, scratch, record, size)) {
      written[i] = 1;
      blobs++;
      bytes += len;
    } else {
      written[i] = 0;
    }
  }
  if (sweep !== undefined) recordInTxn(host, sweep, keys.subarray(0, 16 * n));
  return { written, blobs, bytes };
}

/** A checked key's 16 bytes, as lmdb-js takes them. */
export function keyBytes(key: DataKey): Buffer {
  return Buffer.from(key, 'hex');
}

/** Refuses, before their transaction, entries whose record cannot be written (a throw inside would abort the transaction). */
export function checkRecords(entries: readonly BlobEntry[]): void {
  for (const e of entries) {
    blobRecordLength(e.data.data.length, e.data.arcs.length);
    e.data.arcs.forEach((k, c) => {
      if (!isDataKey(k)) throw new PagableError('CORRUPT', `child ${c} is not a 32-char lowercase hex key: ${String(k).slice(0, 40)}`);
    });
  }
}

/** Inside a write transaction: writes the absent entries (keys checked by the caller); or the blob whose child a sweep deleted. */
export function putEntriesInTxn(
  host: SweepHost,
  entries: readonly BlobEntry[],
  keys: readonly Uint8Array[],
  scratch: WriteScratch,
): WriteResult | MissingChild {
  const sweep = openSweepInTxn(host.meta, host.path);
  if (sweep !== undefined) {
    const missing = missingChildOfEntries(host.blobs, entries);
    if (missing !== undefined) return missing;
  }
  const written = new Uint8Array(entries.length);
  let blobs = 0;
  let bytes = 0;
  for (let i = 0; i < entries.length; i++) {
    const { data } = entries[i]!;
    scratch.key.set(keys[i]!);
    const size = blobRecordLength(data.data.length, data.arcs.length);
    const record = scratch.record(size);
    writeBlobRecord(data, record, 0);
    if (putRecord(host.blobs, scratch, record, size)) {
      written[i] = 1;
      blobs++;
      bytes += data.data.length;
    }
  }
  if (sweep !== undefined) recordInTxn(host, sweep, Buffer.concat(keys));
  return { written, blobs, bytes };
}

/** Inside a write transaction: the first entry absent from the store whose child is nowhere. */
function missingChildOfEntries(blobs: Db, entries: readonly BlobEntry[]): MissingChild | undefined {
  let inBatch: Set<DataKey> | undefined;
  for (const e of entries) {
    if (e.data.arcs.length === 0 || blobs.doesExist(keyBytes(e.key))) continue;
    inBatch ??= new Set(entries.map((x) => x.key));
    for (const c of e.data.arcs) {
      if (!inBatch.has(c) && !blobs.doesExist(keyBytes(c))) return { parent: e.key, child: c };
    }
  }
  return undefined;
}

/** As missingChildOfEntries, for a batch (rare: only while a sweep is open, so keys as strings are fine). */
function missingChildOfBatch(blobs: Db, batch: BlobBatch): MissingChild | undefined {
  let inBatch: Set<DataKey> | undefined;
  for (let i = 0; i < batch.count; i++) {
    const n = batch.children[i]!;
    if (n === 0 || blobs.doesExist(batch.keys.subarray(16 * i, 16 * i + 16))) continue;
    inBatch ??= new Set(Array.from({ length: batch.count }, (_, j) => batch.key(j)));
    const slab = batch.slab(i);
    const tail = batch.at[i]! + FRAME_HEAD + batch.length[i]!;
    for (let c = 0; c < n; c++) {
      const child = keyFromBytes(slab, tail + 16 * c);
      if (!inBatch.has(child) && !blobs.doesExist(slab.subarray(tail + 16 * c, tail + 16 * c + 16))) return { parent: batch.key(i), child };
    }
  }
  return undefined;
}

/** Inside a write transaction: deletes exactly `keys` (checked DataKeys); blobs and data bytes removed. */
export function deleteInTxn(db: Db, keys: readonly DataKey[]): { blobs: number; bytes: number } {
  let blobs = 0;
  let bytes = 0;
  for (const k of keys) {
    const kb = keyBytes(k);
    const raw = db.getBinaryFast(kb);
    if (raw === undefined) continue;
    let len = 0;
    try {
      len = raw.length - readBlobRecordLayout(raw, `blob ${k}`, raw.length).dataOffset;
    } catch {
      // A malformed record is garbage too: free it, count no data bytes.
    }
    if (db.removeSync(kb)) {
      blobs++;
      bytes += len;
    }
  }
  return { blobs, bytes };
}

import { type DataKey, type PagableData, keyFromBytes, writeKeyBytes } from '../../keys/data.js';
import { PagableError } from '../../error.js';
import type { BlobBatch } from '../../keys/blob-batch.js';
import type { RecordBlob } from '../../keys/record-blob.js';
import {
  blobRecordDataLength,
  blobRecordLength,
  decodeBlobRecord,
  viewBlobRecord,
  writeBlobRecord,
  writeFramedRecord,
} from '../blob-record.js';
import type { BlobCount, BlobEntry, BlobStore, RootEntry } from '../interface.js';
import { Arena, MAX_CHUNK } from './arena.js';
import { KeyIndex, MIN_SLOTS, slotsFor } from './key-index.js';
import { LENGTH_MASK, type MemoryFootprint, RECORD_HEAD, readU32, writeU32 } from './arena-record.js';

export type { MemoryFootprint } from './arena-record.js';

/*
 * A BlobStore in this process's memory that costs a few dozen bytes per blob beyond the blob's
 * own bytes, instead of the ~420 of a Map of `{ data, arcs }` objects (a Map entry, a key string,
 * an object, a Uint8Array, an array of key strings): a store of a million paged-out blobs must not
 * weigh more than the objects it replaced.
 *
 * Blobs live in append-only arena chunks (ArrayBuffers, off the JS heap), one record each
 * (arena-record.ts: a header, the key, the blob record).
 *
 * The index (key-index.ts) is a hash table over key bytes pointing at records.
 *
 * Costs beyond a blob's bytes: 21 arena bytes (header, key, a 1-byte child count below 128
 * children) and 12 index bytes per slot at a load factor between 0.4 and 0.8 (15-30 bytes a
 * blob), plus fixed costs (the unfilled tail of the last chunk, at most 1 MiB).
 *
 * Decisions:
 * - Reads copy: `getMany` and `getSync` return fresh `PagableData` (data copied out of the
 *   arena), so no caller can change a stored blob, and no returned view keeps a dropped chunk
 *   alive. `viewSync`, for page-in only, returns a view of the record instead: a copy is a new
 *   off-heap backing store per blob (1.5 us against 0.2 us a blob, measured, most of what reading
 *   a blob cost a page-in). Records are never written in place after their append (deletion sets
 *   a header bit outside the record; compaction copies into fresh chunks), so a view stays valid
 *   for as long as it is held.
 * - Deleting marks the record dead; a chunk whose records are all dead is dropped at once (so a
 *   large blob's own chunk goes with it). When dead bytes pass both 1 MiB and the live bytes, the
 *   deletion compacts: live records are copied into fresh chunks, old chunks are dropped and the
 *   index is rebuilt for the live count. Copying at most as much as was freed keeps deletion
 *   amortized O(1) per byte; `compact()` forces it. An index left a fifth full shrinks by itself.
 * - `keys()` snapshots the live keys as 16 raw bytes each when called and yields each one that is
 *   still present when reached: deleting (and compacting) while iterating is safe, blobs added
 *   meanwhile are not yielded.
 * - Everything is synchronous, so the paging runtime's in-memory storage stays synchronous too.
 */

/** Dead bytes below this are never worth a compaction. */
const COMPACT_MIN = MAX_CHUNK;

/** Blobs in compact arena chunks in this process's memory (see the module comment). */
export class MemoryBlobStore implements BlobStore {
  readonly name = 'memory';

  /** The records (see arena.ts). */
  #arena = new Arena();

  readonly #index = new KeyIndex();

  #blobs = 0;
  #dataBytes = 0;
  readonly #roots = new Map<string, DataKey>();
  #closed = false;

  /** Scratch: the key being looked up, as bytes. */
  readonly #key = new Uint8Array(16);

  putMany(entries: readonly BlobEntry[]): boolean[] {
    this.#checkOpen('putMany');
    // Check the whole batch first, so a malformed entry leaves the store as it was.
    const n = entries.length;
    const keyBytes = new Uint8Array(16 * n);
    const lengths = new Array<number>(n);
    // Allocated before the first loop: V8 (Node 20) caches the on-stack compilation of a long
    // first loop and re-enters it on later calls, and a `new` after the loop that had not run yet
    // when it was compiled then deoptimized every later call (measured: 600 deopts a bench run;
    // one of the V8 measures listed in src/paging/v8-workarounds.ts).
    const out = new Array<boolean>(n);
    for (let i = 0; i < n; i++) {
      const { key, data } = entries[i]!;
      if (!writeKeyBytes(key, keyBytes, 16 * i))
        throw new PagableError(
          'INVALID_ARGUMENT',
          `memory store: putMany entry ${i} has no key (32 lowercase hex characters): ${JSON.stringify(String(key).slice(0, 40))}`,
        );
      for (let c = 0; c < data.arcs.length; c++) {
        const a = data.arcs[c]!;
        if (!writeKeyBytes(a, this.#key))
          throw new PagableError(
            'CORRUPT',
            `memory store: blob ${key}: child ${c} is not a key (32 lowercase hex characters): ${JSON.stringify(String(a).slice(0, 40))}`,
          );
      }
      const length = blobRecordLength(data.data.length, data.arcs.length);
      if (length > LENGTH_MASK - RECORD_HEAD)
        throw new PagableError(
          'LIMIT',
          `memory store: blob ${key} needs a ${length}-byte record, more than the ${LENGTH_MASK - RECORD_HEAD} a record holds`,
        );
      lengths[i] = length;
    }
    for (let i = 0; i < n; i++) {
      if (this.#blobs >= this.#index.growAt) this.#index.resize(2 * this.#index.slots);
      const slot = this.#index.probe(keyBytes, 16 * i, this.#arena.chunks);
      if (slot >= 0) {
        out[i] = false;
        continue;
      }
      this.#append(~slot, keyBytes, 16 * i, entries[i]!.data, lengths[i]!);
      out[i] = true;
    }
    return out;
  }

  /** The same as putMany, which is synchronous here. */
  putManySync(entries: readonly BlobEntry[]): boolean[] {
    return this.putMany(entries);
  }

  getMany(keys: readonly DataKey[]): Array<PagableData | undefined> {
    this.#checkOpen('getMany');
    const out = new Array<PagableData | undefined>(keys.length);
    for (let i = 0; i < keys.length; i++) out[i] = this.#get(keys[i]!);
    return out;
  }

  getSync(key: DataKey): PagableData | undefined {
    this.#checkOpen('getSync');
    return this.#get(key);
  }

  viewSync(key: DataKey): PagableData | undefined {
    this.#checkOpen('viewSync');
    return this.#get(key, false);
  }

  /** viewSync of the key at `bytes[at, at + 16)` (ByteView: no key string). */
  viewAt(bytes: Uint8Array, at: number): PagableData | undefined {
    this.#checkOpen('viewSync');
    const slot = this.#index.probe(bytes, at, this.#arena.chunks);
    return slot < 0 ? undefined : this.#view(slot, undefined, bytes, at);
  }

  hasMany(keys: readonly DataKey[]): boolean[] {
    this.#checkOpen('hasMany');
    const out = new Array<boolean>(keys.length);
    for (let i = 0; i < keys.length; i++) out[i] = this.#probe(keys[i]!) >= 0;
    return out;
  }

  keys(): Iterable<DataKey> {
    this.#checkOpen('keys');
    const snapshot = new Uint8Array(16 * this.#blobs);
    let n = 0;
    this.#arena.forEachLive((chunk, offset) => {
      const to = 16 * n++;
      for (let i = 0; i < 16; i++) snapshot[to + i] = chunk[offset + 4 + i]!;
    });
    return this.#yieldPresent(snapshot, n);
  }

  *#yieldPresent(snapshot: Uint8Array, n: number): Generator<DataKey> {
    for (let i = 0; i < n; i++) {
      this.#checkOpen('keys');
      if (this.#index.probe(snapshot, 16 * i, this.#arena.chunks) >= 0) yield keyFromBytes(snapshot, 16 * i);
    }
  }

  deleteMany(keys: readonly DataKey[]): number {
    this.#checkOpen('deleteMany');
    let freed = 0;
    for (let i = 0; i < keys.length; i++) {
      const slot = this.#probe(keys[i]!);
      if (slot >= 0) freed += this.#delete(slot, keys[i]!);
    }
    if (this.#arena.deadBytes > COMPACT_MIN && this.#arena.deadBytes > this.#arena.liveBytes) this.compact();
    else if (this.#blobs < this.#index.growAt / 4 && this.#index.slots > MIN_SLOTS) this.#index.resize(slotsFor(this.#blobs));
    return freed;
  }

  getRoot(name: string): DataKey | undefined {
    this.#checkOpen('getRoot');
    return this.#roots.get(name);
  }

  setRoot(name: string, key: DataKey): boolean {
    this.#checkOpen('setRoot');
    if (this.#probe(key) < 0) return false;
    this.#roots.set(name, key);
    return true;
  }

  deleteRoot(name: string): boolean {
    this.#checkOpen('deleteRoot');
    return this.#roots.delete(name);
  }

  listRoots(): RootEntry[] {
    this.#checkOpen('listRoots');
    return [...this.#roots].map(([name, key]) => ({ name, key }));
  }

  count(): BlobCount {
    this.#checkOpen('count');
    return { blobs: this.#blobs, bytes: this.#dataBytes };
  }

  flush(): void {
    this.#checkOpen('flush');
  }

  /** Forgets every blob and root (the seed's behaviour: a dropped storage forgets its data). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#arena = new Arena();
    this.#index.clear(MIN_SLOTS);
    this.#blobs = this.#dataBytes = 0;
    this.#roots.clear();
  }

  /** What the arena and the index hold now. */
  footprint(): MemoryFootprint {
    const { chunks, bytes } = this.#arena.size();
    const a = this.#arena;
    return { chunks, arenaBytes: bytes, liveBytes: a.liveBytes, deadBytes: a.deadBytes, indexBytes: this.#index.table.byteLength };
  }

  /**
   * Copies the live records into fresh chunks, drops the old ones and rebuilds the index for the
   * live count; returns the arena bytes released (the chunks' unfilled tails may make that
   * slightly negative when few bytes were dead). Deletion calls it by itself when dead bytes pass
   * the live ones (and 1 MiB).
   */
  compact(): number {
    this.#checkOpen('compact');
    if (this.#arena.deadBytes === 0) return 0;
    const before = this.footprint().arenaBytes;
    this.#index.clear(slotsFor(this.#blobs));
    this.#arena.compact((hash, chunk, offset) => this.#index.insertFresh(hash, chunk, offset));
    return before - this.footprint().arenaBytes;
  }

  // ---- records -------------------------------------------------------------------------------

  /** Writes a new record for `data` (key at `keyAt` in `keyBytes`, record length `length`) and indexes it in empty `slot`. */
  #append(slot: number, keyBytes: Uint8Array, keyAt: number, data: PagableData, length: number): void {
    const a = this.#arena;
    a.reserve(RECORD_HEAD + length);
    const chunk = a.chunks[a.atChunk]!;
    const at = a.atOffset;
    writeU32(chunk, at, length);
    for (let i = 0; i < 16; i++) chunk[at + 4 + i] = keyBytes[keyAt + i]!;
    writeBlobRecord(data, chunk, at + RECORD_HEAD);
    // Only now is the record part of the chunk: a write that threw left nothing behind.
    this.#indexed(slot, keyBytes, keyAt, RECORD_HEAD + length, data.data.length);
  }

  /** The record just written at the arena's (atChunk, atOffset) is in: arena, index and counts. */
  #indexed(slot: number, keyBytes: Uint8Array, keyAt: number, size: number, dataLength: number): void {
    const a = this.#arena;
    a.appended(size);
    this.#index.set(slot, readU32(keyBytes, keyAt), a.atChunk, a.atOffset);
    this.#blobs++;
    this.#dataBytes += dataLength;
  }

  /**
   * @internal Writes the absent blobs of a page-out's batch (see ByteStore): the records are
   * copied from the batch's frames, nothing else is made.
   */
  putBatch(batch: BlobBatch): void {
    this.#checkOpen('putMany');
    const n = batch.count;
    for (let i = 0; i < n; i++) {
      const length = blobRecordLength(batch.length[i]!, batch.children[i]!);
      if (length > LENGTH_MASK - RECORD_HEAD)
        throw new PagableError(
          'LIMIT',
          `memory store: blob ${batch.key(i)} needs a ${length}-byte record, more than the ${LENGTH_MASK - RECORD_HEAD} a record holds`,
        );
    }
    const a = this.#arena;
    const keys = batch.keys;
    for (let i = 0; i < n; i++) {
      if (this.#blobs >= this.#index.growAt) this.#index.resize(2 * this.#index.slots);
      const slot = this.#index.probe(keys, 16 * i, a.chunks);
      if (slot >= 0) {
        batch.written[i] = 0;
        continue;
      }
      const len = batch.length[i]!;
      const c = batch.children[i]!;
      const length = blobRecordLength(len, c);
      a.reserve(RECORD_HEAD + length);
      const chunk = a.chunks[a.atChunk]!;
      const at = a.atOffset;
      writeU32(chunk, at, length);
      for (let b = 0; b < 16; b++) chunk[at + 4 + b] = keys[16 * i + b]!;
      writeFramedRecord(batch.slab(i), batch.at[i]!, len, c, chunk, at + RECORD_HEAD);
      this.#indexed(~slot, keys, 16 * i, RECORD_HEAD + length, len);
      batch.written[i] = 1;
    }
  }

  /** Marks the record in `slot` dead, unindexes it; the data bytes it held. */
  #delete(slot: number, key: DataKey): number {
    const k = this.#index.chunkOf(slot);
    const at = this.#index.offsetOf(slot);
    const chunk = this.#arena.chunks[k]!;
    const length = readU32(chunk, at) & LENGTH_MASK;
    const dataLength = blobRecordDataLength(chunk.subarray(at + RECORD_HEAD, at + RECORD_HEAD + length), `memory store, blob ${key}`);
    this.#arena.kill(k, at);
    this.#index.remove(slot);
    this.#blobs--;
    this.#dataBytes -= dataLength;
    return dataLength;
  }

  #get(key: DataKey, copy = true): PagableData | undefined {
    const slot = this.#probe(key);
    if (slot < 0) return undefined;
    if (!copy) return this.#view(slot, key);
    const chunk = this.#arena.chunks[this.#index.chunkOf(slot)]!;
    const at = this.#index.offsetOf(slot) + RECORD_HEAD;
    const length = readU32(chunk, at - RECORD_HEAD) & LENGTH_MASK;
    return decodeBlobRecord(new Uint8Array(chunk.buffer, chunk.byteOffset + at, length), key, length, copy);
  }

  /** The blob of the record in `slot`, read in place; named by `key`, or by the key at `bytes[keyAt, keyAt + 16)` (only in a message). */
  #view(slot: number, key: DataKey | undefined, bytes?: Uint8Array, keyAt = 0): RecordBlob {
    const chunk = this.#arena.chunks[this.#index.chunkOf(slot)]!;
    const at = this.#index.offsetOf(slot) + RECORD_HEAD;
    const length = readU32(chunk, at - RECORD_HEAD) & LENGTH_MASK;
    try {
      return viewBlobRecord(chunk, at, length, key ?? 'blob');
    } catch (e) {
      // Malformed: read again to throw the same error naming the key.
      if (key === undefined) return viewBlobRecord(chunk, at, length, keyFromBytes(bytes!, keyAt));
      throw e;
    }
  }

  /**
   * The slot holding `key`, or `~slot` of the empty slot where it would go (negative either way
   * when absent; -1 also for a malformed key, which no slot can hold).
   */
  #probe(key: DataKey): number {
    if (!writeKeyBytes(key, this.#key)) return -1;
    return this.#index.probe(this.#key, 0, this.#arena.chunks);
  }

  #checkOpen(what: string): void {
    if (this.#closed) throw new PagableError('STORAGE_CLOSED', `memory store: ${what} after close`);
  }
}

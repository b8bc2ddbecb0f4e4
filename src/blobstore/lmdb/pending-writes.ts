import type { BlobBatch } from '../../keys/blob-batch.js';
import type { DataKey, PagableData } from '../../keys/data.js';
import type { BlobEntry } from '../interface.js';

/** A blob in flight: its data, or where it lies in a batch (copied out on the first read); and in how many writes. */
interface Pending {
  data: PagableData | undefined;
  batch: BlobBatch | undefined;
  i: number;
  n: number;
}

/**
 * Blobs handed to a write that has not committed yet, so a store reads its own writes while they
 * are in flight (a page-out stores a child, then at once reads what it stored). A key in two
 * writes at once stays until both have ended.
 *
 * A page-out's batch is only noted when its write starts: its keys are turned into strings and
 * indexed on the first read while it is in flight, so a write that no read meets costs nothing per
 * blob.
 */
export class PendingWrites {
  readonly #blobs = new Map<DataKey, Pending>();
  /** Batches in flight not indexed in #blobs yet. */
  readonly #unindexed: BlobBatch[] = [];
  /** Batches in flight indexed in #blobs, with their keys. */
  readonly #indexed = new Map<BlobBatch, DataKey[]>();

  /** Call when a write of `entries` starts. */
  add(entries: readonly BlobEntry[]): void {
    for (const e of entries) this.#add(e.key, e.data, undefined, 0);
  }

  /** Call when that write has ended, committed or failed. */
  done(entries: readonly BlobEntry[]): void {
    for (const e of entries) this.#done(e.key);
  }

  /** Call when a write of `batch` starts; its slabs must stay as they are until `doneBatch`. */
  addBatch(batch: BlobBatch): void {
    this.#unindexed.push(batch);
  }

  /** Call when that write has ended, committed or failed. */
  doneBatch(batch: BlobBatch): void {
    const at = this.#unindexed.indexOf(batch);
    if (at >= 0) {
      this.#unindexed.splice(at, 1);
      return;
    }
    const keys = this.#indexed.get(batch);
    if (keys === undefined) return;
    this.#indexed.delete(batch);
    for (let i = 0; i < keys.length; i++) {
      const p = this.#blobs.get(keys[i]!);
      // Still in another write: its bytes are copied out now, since this batch is about to be
      // cleared and refilled (a read would otherwise get another blob's bytes, or none).
      if (p !== undefined && p.n > 1 && p.batch === batch) {
        p.data ??= batch.data(p.i);
        p.batch = undefined;
      }
      this.#done(keys[i]!);
    }
  }

  /** True when no write is in flight: a read need not look here (nor make a key string to). */
  get idle(): boolean {
    return this.#unindexed.length === 0 && this.#blobs.size === 0;
  }

  get(key: DataKey): PagableData | undefined {
    const p = this.#find(key);
    if (p === undefined) return undefined;
    return (p.data ??= p.batch!.data(p.i));
  }

  has(key: DataKey): boolean {
    return this.#find(key) !== undefined;
  }

  #find(key: DataKey): Pending | undefined {
    if (this.#unindexed.length > 0) this.#index();
    return this.#blobs.size === 0 ? undefined : this.#blobs.get(key);
  }

  #index(): void {
    for (const batch of this.#unindexed) {
      const keys = new Array<DataKey>(batch.count);
      for (let i = 0; i < batch.count; i++) this.#add((keys[i] = batch.key(i)), undefined, batch, i);
      this.#indexed.set(batch, keys);
    }
    this.#unindexed.length = 0;
  }

  #add(key: DataKey, data: PagableData | undefined, batch: BlobBatch | undefined, i: number): void {
    const p = this.#blobs.get(key);
    if (p === undefined) this.#blobs.set(key, { data, batch, i, n: 1 });
    else p.n++;
  }

  #done(key: DataKey): void {
    const p = this.#blobs.get(key);
    if (p !== undefined && --p.n === 0) this.#blobs.delete(key);
  }
}

import type { DataKey, PagableData } from '../../keys/data.js';
import type { BlobEntry } from '../interface.js';

/**
 * Blobs handed to a write that has not committed yet, so a store reads its own writes while they
 * are in flight (a page-out stores a child, then at once reads what it stored). A key in two
 * writes at once stays until both have ended.
 */
export class PendingWrites {
  readonly #blobs = new Map<DataKey, { data: PagableData; n: number }>();

  /** Call when a write of `entries` starts. */
  add(entries: readonly BlobEntry[]): void {
    for (const e of entries) {
      const p = this.#blobs.get(e.key);
      if (p === undefined) this.#blobs.set(e.key, { data: e.data, n: 1 });
      else p.n++;
    }
  }

  /** Call when that write has ended, committed or failed. */
  done(entries: readonly BlobEntry[]): void {
    for (const e of entries) {
      const p = this.#blobs.get(e.key);
      if (p !== undefined && --p.n === 0) this.#blobs.delete(e.key);
    }
  }

  get(key: DataKey): PagableData | undefined {
    return this.#blobs.get(key)?.data;
  }

  has(key: DataKey): boolean {
    return this.#blobs.has(key);
  }
}

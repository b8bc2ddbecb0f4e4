import { FRAME_HEAD, writeFrameHead } from '../../keys/blob-batch.js';
import { RecordBlob } from '../../keys/record-blob.js';
import { copyBytes } from '../byte-store.js';

/** The slabs' size; a record above a quarter of it gets a buffer of its own. */
const SLAB = 0x10000;

/**
 * Where the LMDB store's `viewSync` copies the records it reads: lmdb-js's fast read hands out one
 * buffer that the next read writes over, so a view must be a copy; these copies are appended to
 * slabs that are never written over, so each costs a memory copy and a view instead of a buffer
 * of its own (a new backing store per blob), and stays valid as long as it is held. A slab is
 * collected once no view of it is held (page-in keeps none).
 */
export class ViewSlabs {
  #slab = new Uint8Array(SLAB);
  #at = 0;

  /** A copy of `raw[0, n)` that nothing writes over. */
  copy(raw: Uint8Array, n: number): Uint8Array {
    if (n > SLAB / 4) return Uint8Array.prototype.slice.call(raw, 0, n);
    if (this.#at + n > SLAB) {
      this.#slab = new Uint8Array(SLAB);
      this.#at = 0;
    }
    const at = this.#at;
    copyBytes(raw, 0, n, this.#slab, at);
    // Aligned to 8 bytes, as the decoder's word reads of a blob prefer.
    this.#at = (at + n + 7) & ~7;
    return new Uint8Array(this.#slab.buffer, at, n);
  }

  /**
   * The blob of record `raw` (`n` child keys, its data from `dataOffset` to `length`), copied as
   * its frame (the count, the data, the child keys: what its key hashes), so that a verifying read
   * re-keys it where it lies; its child keys stay bytes (RecordBlob).
   */
  frame(raw: Uint8Array, length: number, n: number, dataOffset: number): RecordBlob {
    const dataLength = length - dataOffset;
    const total = FRAME_HEAD + dataLength + 16 * n;
    let slab: Uint8Array;
    let at: number;
    if (total > SLAB / 4) {
      slab = new Uint8Array(total);
      at = 0;
    } else {
      if (this.#at + total > SLAB) {
        this.#slab = new Uint8Array(SLAB);
        this.#at = 0;
      }
      slab = this.#slab;
      at = this.#at;
      this.#at = (at + total + 7) & ~7;
    }
    writeFrameHead(slab, at, n);
    copyBytes(raw, dataOffset, length, slab, at + FRAME_HEAD);
    const keysAt = at + FRAME_HEAD + dataLength;
    copyBytes(raw, dataOffset - 16 * n, dataOffset, slab, keysAt);
    return new RecordBlob(at + FRAME_HEAD, dataLength, slab, keysAt, n, at);
  }
}

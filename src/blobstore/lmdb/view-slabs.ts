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
}

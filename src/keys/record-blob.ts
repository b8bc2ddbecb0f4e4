import { type DataKey, type PagableData, keyFromBytes } from './data.js';

/**
 * @internal A blob read in place from a store's record, for a page-in that decodes it at once: its
 * data and child keys stay where they lie in `keyBytes` (the data at `dataAt`, the keys from
 * `keysAt`, 16 each) until someone asks for `data` or `arcs`. A page-in reads both where they lie,
 * so a blob read this way makes no key string, no array of keys and no view: a view is ~80 bytes
 * of garbage per blob, a third of what a tiny blob's page-in allocates (a 16-byte key is a
 * 48-byte heap string otherwise).
 */
export class RecordBlob implements PagableData {
  #data: Uint8Array | undefined = undefined;
  #arcs: DataKey[] | undefined = undefined;
  #last: DataKey | undefined = undefined;

  constructor(
    /** Where the data starts in `keyBytes`. */
    readonly dataAt: number,
    /** The data's length in bytes. */
    readonly dataLength: number,
    /** The bytes holding the data and the child keys (the record, or the store chunk it lies in). */
    readonly keyBytes: Uint8Array,
    /** Where child key 0 starts in `keyBytes`. */
    readonly keysAt: number,
    /** How many child keys the record lists. */
    readonly children: number,
    /**
     * Where the blob's frame starts in `keyBytes` when it lies there as one (blob-batch.ts: the
     * child count as 8 bytes, the data, the child keys: what its key hashes), so its key can be
     * computed in place; -1 otherwise.
     */
    readonly frameAt = -1,
  ) {}

  /** The data, a view made on first use (PagableData's form). */
  get data(): Uint8Array {
    return (this.#data ??= new Uint8Array(this.keyBytes.buffer, this.keyBytes.byteOffset + this.dataAt, this.dataLength));
  }

  /** The child keys as DataKeys, made on first use (PagableData's form). */
  get arcs(): DataKey[] {
    let a = this.#arcs;
    if (a === undefined) {
      a = new Array<DataKey>(this.children);
      for (let i = 0; i < this.children; i++) a[i] = keyFromBytes(this.keyBytes, this.keysAt + 16 * i);
      this.#arcs = a;
    }
    return a;
  }

  /** The last child key (a data blob's schema set), or undefined when it has none; made once. */
  lastKey(): DataKey | undefined {
    if (this.children === 0) return undefined;
    return (this.#last ??= keyFromBytes(this.keyBytes, this.keysAt + 16 * (this.children - 1)));
  }
}

/** The last child key of `blob` (a data blob's schema set), without making the others. */
export function lastChildKey(blob: PagableData): DataKey | undefined {
  if (blob instanceof RecordBlob) return blob.lastKey();
  return blob.arcs[blob.arcs.length - 1];
}

/** The length of `blob`'s data, without making a RecordBlob's view. */
export function dataLengthOf(blob: PagableData): number {
  return blob instanceof RecordBlob ? blob.dataLength : blob.data.length;
}

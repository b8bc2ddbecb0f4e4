/*
 * A blob read in place from a store's record (RecordBlob): its child keys stay bytes until asked
 * for, and then are the keys the record lists, in order, whatever the record's place in the
 * store's memory; `lastChildKey` (a data blob's schema set) is the same key however the blob was
 * read.
 */
import { expect } from 'chai';
import { MemoryBlobStore, type PagableData } from '../../src/index.js';
import { RecordBlob, dataLengthOf, lastChildKey } from '../../src/keys/record-blob.js';
import { keyFromBytes } from '../../src/keys/data.js';

/** `n` distinct keys' bytes after `before` bytes of other content, then a byte after them. */
function chunk(before: number, n: number): { bytes: Uint8Array; keys: string[] } {
  const bytes = new Uint8Array(before + 16 * n + 1).fill(0xee);
  const keys: string[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < 16; j++) bytes[before + 16 * i + j] = (31 * i + 7 * j + 1) & 255;
    keys.push(keyFromBytes(bytes, before + 16 * i));
  }
  return { bytes, keys };
}

describe('RecordBlob: a blob read in place', () => {
  it('its child keys are the keys at its offset in the chunk, in order, and one array however often read', () => {
    for (const [before, n] of [
      [0, 1],
      [5, 3],
      [100, 70],
    ] as const) {
      const { bytes, keys } = chunk(before, n);
      const blob = new RecordBlob(before + 16 * n, 1, bytes, before, n);
      expect(blob.arcs).to.deep.equal(keys);
      expect(blob.arcs.length).to.equal(n);
      // Made once: a decoder reading `arcs[i]` child by child does not remake every key each time.
      expect(blob.arcs).to.equal(blob.arcs);
      expect(blob.lastKey()).to.equal(keys[n - 1]);
      expect(lastChildKey(blob)).to.equal(keys[n - 1]);
    }
  });

  it('its data is the bytes at its offset, a view made once, of its length only', () => {
    const { bytes } = chunk(10, 2);
    bytes.set([1, 2, 3], 3);
    const blob = new RecordBlob(3, 3, bytes, 10, 2);
    expect([...blob.data]).to.deep.equal([1, 2, 3]);
    expect(blob.data.buffer).to.equal(bytes.buffer);
    expect(blob.data).to.equal(blob.data);
    expect(dataLengthOf(blob)).to.equal(3);
    expect(dataLengthOf({ data: new Uint8Array(7), arcs: [] })).to.equal(7);
  });

  it('a blob without children has no keys and no last key', () => {
    const { bytes } = chunk(4, 0);
    const blob = new RecordBlob(4, 1, bytes, 4, 0);
    expect(blob.arcs).to.deep.equal([]);
    expect(blob.lastKey()).to.equal(undefined);
    expect(lastChildKey(blob)).to.equal(undefined);
    expect(lastChildKey({ data: new Uint8Array([0xc0]), arcs: [] })).to.equal(undefined);
  });

  it('the last child key of a blob read as a copy is its last arc', () => {
    const { keys } = chunk(0, 3);
    const blob: PagableData = { data: new Uint8Array([0xc0]), arcs: keys };
    expect(lastChildKey(blob)).to.equal(keys[2]);
  });

  it("a memory store's in-place view lists the same child keys as its copy", () => {
    const store = new MemoryBlobStore();
    const { keys } = chunk(0, 5);
    const key = 'ab'.repeat(16);
    store.putManySync!([{ key, data: { data: new Uint8Array([1, 2, 3]), arcs: keys } }]);
    const view = store.viewSync(key)!;
    const copy = store.getSync(key)!;
    expect(view.arcs).to.deep.equal(copy.arcs);
    expect(view.arcs).to.deep.equal(keys);
    expect([...view.data]).to.deep.equal([1, 2, 3]);
    expect(lastChildKey(view)).to.equal(keys[4]);
  });
});

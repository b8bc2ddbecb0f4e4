/*
 * The key table of a page-in (paging/page-in-keys.ts): each key met gets one number, in the order
 * met, and a key is found again by its 16 bytes wherever they lie, never confused with another key,
 * however many keys share its first bytes (the table's hash) or land in the same slots, through the
 * table's growth and after a reset for the next page-in.
 */
import { expect } from 'chai';
import { PageInKeys } from '../../src/paging/page-in-keys.js';

/** A 16-byte key: `head` as its first four bytes (little-endian, the table's hash), `tail` spread over the rest. */
function key(head: number, tail: number): Uint8Array {
  const k = new Uint8Array(16);
  new DataView(k.buffer).setUint32(0, head >>> 0, true);
  for (let i = 4; i < 16; i++) k[i] = (tail >> (8 * ((i - 4) % 4))) & 255;
  return k;
}

/** Adds `k` (absent) and returns its number. */
function add(t: PageInKeys, k: Uint8Array, at = 0): number {
  const slot = t.find(k, at);
  expect(slot, 'absent before it is added').to.be.lessThan(0);
  return t.add(~slot, k, at);
}

/** Each key found under its number, and a copy with one byte changed not found. */
function expectAll(t: PageInKeys, keys: Uint8Array[]): void {
  const all = new Set(keys.map((k) => Buffer.from(k).toString('hex')));
  keys.forEach((k, i) => {
    expect(t.find(k, 0), `key ${i}`).to.equal(i);
    for (const at of [0, 5, 15]) {
      const near = k.slice();
      near[at] = near[at]! ^ 0x80;
      if (!all.has(Buffer.from(near).toString('hex'))) expect(t.find(near, 0), `key ${i} with byte ${at} changed`).to.be.lessThan(0);
    }
  });
  expect(t.count).to.equal(keys.length);
}

describe('page-in key table', () => {
  it('numbers keys in the order they are added, found by their bytes at any offset', () => {
    const t = new PageInKeys();
    const a = key(1, 1);
    const b = key(2, 2);
    expect(add(t, a)).to.equal(0);
    expect(add(t, b)).to.equal(1);
    const buffer = new Uint8Array(40);
    buffer.set(b, 7);
    expect(t.find(buffer, 7)).to.equal(1);
    buffer.set(a, 24);
    expect(t.find(buffer, 24)).to.equal(0);
    // A key added from inside a larger buffer is its own 16 bytes.
    const c = key(3, 3);
    buffer.set(c, 3);
    expect(t.add(~t.find(buffer, 3), buffer, 3)).to.equal(2);
    buffer.fill(0);
    expect(t.find(c, 0)).to.equal(2);
    expectAll(t, [a, b, c]);
  });

  it('keys sharing their first bytes, or differing only in their last, are different keys', () => {
    const t = new PageInKeys();
    const keys: Uint8Array[] = [];
    for (let i = 0; i < 20; i++) keys.push(key(0x01020304, i));
    // Only the last byte differs.
    const last = key(0x01020304, 0);
    last[15] = 0xff;
    keys.push(last);
    for (const k of keys) add(t, k);
    expectAll(t, keys);
  });

  it('keys whose probes run off the end of the table wrap to its start', () => {
    const t = new PageInKeys();
    // 127 is the last slot of the first table (128 slots): the second key probes past it.
    const keys = [key(127, 1), key(127, 2), key(127, 3), key(0, 4)];
    for (const k of keys) add(t, k);
    expectAll(t, keys);
  });

  it('keeps every key through its growth (hundreds of keys, many on one hash)', () => {
    const t = new PageInKeys();
    const keys: Uint8Array[] = [];
    for (let i = 0; i < 300; i++) keys.push(i % 3 === 0 ? key(0xdead0000, i) : key(Math.imul(i, 0x9e3779b1), i));
    keys.forEach((k, i) => expect(add(t, k)).to.equal(i));
    expectAll(t, keys);
  });

  it('finds every key of a page-in past 32,768 keys (the hash then takes all four first bytes)', () => {
    const t = new PageInKeys();
    const n = 33_000;
    const keys: Uint8Array[] = [];
    for (let i = 0; i < n; i++) keys.push(key(Math.imul(i + 1, 0x9e3779b1), i));
    for (let i = 0; i < n; i++) expect(t.add(~t.find(keys[i]!, 0), keys[i]!, 0)).to.equal(i);
    // Each found where it lies in another buffer too (other bytes around it).
    const buffer = new Uint8Array(20).fill(0xa5);
    for (let i = 0; i < n; i++) {
      buffer.set(keys[i]!, 3);
      if (t.find(buffer, 3) !== i) expect.fail(`key ${i} not found`);
    }
    expect(t.count).to.equal(n);
  });

  it('the all-zero key is a key like any other: absent until added, through every growth of the table', () => {
    const zero = new Uint8Array(16);
    const t = new PageInKeys();
    const keys: Uint8Array[] = [];
    for (let i = 0; i < 300; i++) {
      keys.push(key(i * 7 + 1, i));
      add(t, keys[i]!);
      if (t.find(zero, 0) >= 0) expect.fail(`the zero key found among ${i + 1} other keys`);
    }
    keys.push(zero);
    expect(add(t, zero)).to.equal(300);
    expectAll(t, keys);
  });

  it('a reset table is empty, and numbers from 0 again; a grown one too', () => {
    for (const n of [0, 3, 65, 200]) {
      for (const keep of [4096, 8]) {
        const t = new PageInKeys();
        const first: Uint8Array[] = [];
        for (let i = 0; i < n; i++) first.push(key(i * 7, i));
        for (const k of first) add(t, k);
        t.reset(keep);
        expect(t.count).to.equal(0);
        for (const k of first) expect(t.find(k, 0)).to.be.lessThan(0);
        const next: Uint8Array[] = [];
        for (let i = 0; i < 100; i++) next.push(key(i * 7, i + 1));
        for (const k of next) add(t, k);
        expectAll(t, next);
      }
    }
  });
});

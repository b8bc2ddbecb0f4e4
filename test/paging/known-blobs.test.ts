/*
 * KnownBlobs: what a handle on a store that cannot count itself has written or read. Checked
 * against a Map model over random sequences of notes (by bytes and by string) and forgets,
 * through the table's growth.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { keyFromBytes } from '../../src/keys/data.js';
import { KnownBlobs } from '../../src/paging/known-blobs.js';
import { fuzzRuns } from '../support/env.js';

/** Key number `i` as bytes (distinct first four bytes for most, so probing and growth are both exercised). */
function keyBytes(i: number): Uint8Array {
  const b = new Uint8Array(16);
  // Every 7th key shares its first four bytes with key 0: they collide in the table.
  const h = i % 7 === 0 ? 0 : Math.imul(i, 2654435761) >>> 0;
  b[0] = h & 0xff;
  b[1] = (h >>> 8) & 0xff;
  b[2] = (h >>> 16) & 0xff;
  b[3] = h >>> 24;
  for (let j = 4; j < 16; j++) b[j] = (i >>> (8 * (j % 4))) & 0xff;
  return b;
}

describe('KnownBlobs', () => {
  it('notes a blob once, forgets it once, and counts it again when met again', () => {
    const known = new KnownBlobs();
    const k = keyBytes(3);
    const at = new Uint8Array(40);
    at.set(k, 9);
    expect(known.learn(at, 9, 120)).to.equal(true);
    expect(known.learn(k, 0, 999)).to.equal(false);
    expect(known.learnKey(keyFromBytes(k, 0), 5)).to.equal(false);
    expect(known.forget(keyFromBytes(k, 0))).to.equal(120);
    expect(known.forget(keyFromBytes(k, 0))).to.equal(undefined);
    expect(known.learnKey(keyFromBytes(k, 0), 7)).to.equal(true);
    expect(known.forget(keyFromBytes(k, 0))).to.equal(7);
    expect(known.forget(keyFromBytes(keyBytes(4), 0))).to.equal(undefined);
  });

  it('ignores strings that are not keys', () => {
    const known = new KnownBlobs();
    expect(known.learnKey('not a key', 3)).to.equal(false);
    expect(known.forget('not a key')).to.equal(undefined);
  });

  it('agrees with a Map of key strings over random notes and forgets (property)', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('learn' as const), key: fc.nat(3000), length: fc.nat(1 << 20), asString: fc.boolean() }),
      fc.record({ kind: fc.constant('forget' as const), key: fc.nat(3000) }),
    );
    fc.assert(
      fc.property(fc.array(op, { minLength: 200, maxLength: 4000, size: 'max' }), (ops) => {
        const known = new KnownBlobs();
        const model = new Map<string, number>();
        for (const o of ops) {
          const bytes = keyBytes(o.key);
          const key = keyFromBytes(bytes, 0);
          if (o.kind === 'learn') {
            const fresh = !model.has(key);
            if (fresh) model.set(key, o.length);
            expect(o.asString ? known.learnKey(key, o.length) : known.learn(bytes, 0, o.length)).to.equal(fresh);
          } else {
            expect(known.forget(key)).to.equal(model.get(key));
            model.delete(key);
          }
        }
      }),
      { numRuns: fuzzRuns(40) },
    );
  });
});

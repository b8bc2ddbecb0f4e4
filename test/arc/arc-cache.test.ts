import { expect } from 'chai';
import fc from 'fast-check';
import { ArcCache } from '../../src/arc/arc-cache.js';

/*
 * The page-in cache's contract (src/arc/arc-cache.ts): per key and class id, the object last
 * cached, while it is alive; the preferred (tagged) object first when the caller accepts it;
 * collected objects are gone without taking the others of their key with them.
 */

/** A 16-byte key: the char codes of a 16-character string. */
const bytesOf = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
/** Key number i: i in its first four bytes (the cache hashes them, as BLAKE3 digests' first bytes are). */
const keyOf = (i: number): Uint8Array => {
  const k = new Uint8Array(16).fill(7);
  new DataView(k.buffer).setUint32(0, i, true);
  return k;
};
const KEY = bytesOf('k'.repeat(16));
const TAGGED = 0;
const any = (): boolean => true;
const none = (): boolean => false;

/** Lets V8 collect what is unreachable (mocha runs with --expose-gc). */
async function collect(): Promise<void> {
  await new Promise((r) => setImmediate(r));
  globalThis.gc!();
}

describe('ArcCache', () => {
  before(function () {
    if (typeof globalThis.gc !== 'function') this.skip();
  });

  it('answers the object cached for a class id, the last one cached for it, and nothing for other ids or keys', () => {
    const c = new ArcCache();
    const a = { a: 1 };
    const a2 = { a: 2 };
    const b = { b: 1 };
    c.set(1, KEY, 0, a);
    c.set(2, KEY, 0, b);
    expect(c.find(KEY, 0, TAGGED, none, undefined, 1)).to.equal(a);
    expect(c.find(KEY, 0, TAGGED, none, undefined, 2)).to.equal(b);
    c.set(1, KEY, 0, a2);
    expect(c.find(KEY, 0, TAGGED, none, undefined, 1)).to.equal(a2);
    expect(c.find(KEY, 0, TAGGED, none, undefined, 3)).to.equal(undefined);
    expect(c.find(bytesOf('x'.repeat(16)), 0, TAGGED, any, undefined, 1)).to.equal(undefined);
  });

  it('prefers the preferred entry when the caller accepts it, else the exact one', () => {
    const c = new ArcCache();
    const exact = { exact: true };
    const tagged = { tagged: true };
    c.set(1, KEY, 0, exact);
    expect(c.find(KEY, 0, TAGGED, any, undefined, 1)).to.equal(exact);
    c.set(TAGGED, KEY, 0, tagged);
    const asked: unknown[] = [];
    const accept = (obj: object, arg: string): boolean => {
      asked.push(obj, arg);
      return arg === 'yes';
    };
    expect(c.find(KEY, 0, TAGGED, accept, 'yes', 1)).to.equal(tagged);
    expect(c.find(KEY, 0, TAGGED, accept, 'no', 1)).to.equal(exact);
    expect(asked).to.deep.equal([tagged, 'yes', tagged, 'no']);
  });

  it('forgets everything on clear()', () => {
    const c = new ArcCache();
    const a = {};
    c.set(1, KEY, 0, a);
    c.clear();
    expect(c.find(KEY, 0, TAGGED, any, undefined, 1)).to.equal(undefined);
  });

  it('keeps nothing alive, and a collected object takes no other entry of its key with it', async () => {
    const c = new ArcCache();
    const first = { first: true };
    const last = { last: true };
    c.set(1, KEY, 0, first);
    (() => c.set(2, KEY, 0, { middle: true }))();
    c.set(3, KEY, 0, last);
    (() => c.set(4, bytesOf('y'.repeat(16)), 0, { alone: true }))();
    await collect();
    expect(c.find(KEY, 0, TAGGED, none, undefined, 2)).to.equal(undefined);
    expect(c.find(KEY, 0, TAGGED, none, undefined, 1)).to.equal(first);
    expect(c.find(KEY, 0, TAGGED, none, undefined, 3)).to.equal(last);
    expect(c.find(bytesOf('y'.repeat(16)), 0, TAGGED, none, undefined, 4)).to.equal(undefined);
    // A dead entry of one id, dropped by a lookup of that id, the live one of another id kept.
    const d = new ArcCache();
    const kept = { kept: true };
    d.set(1, KEY, 0, kept);
    (() => d.set(2, KEY, 0, { head: true }))();
    await collect();
    expect(d.find(KEY, 0, TAGGED, any, undefined, 2)).to.equal(undefined);
    expect(d.find(KEY, 0, TAGGED, none, undefined, 1)).to.equal(kept);
    d.set(2, KEY, 0, kept);
    expect(d.find(KEY, 0, TAGGED, none, undefined, 2)).to.equal(kept);
  });

  it('keeps every live entry through the sweeps of a growing map', async () => {
    const c = new ArcCache();
    const kept: Array<[Uint8Array, object]> = [];
    for (let i = 0; i < 5000; i++) {
      const key = keyOf(i);
      const obj = { i };
      if (i % 7 === 0) kept.push([key, obj]);
      c.set(1 + (i % 3), key, 0, obj);
      if (i % 1000 === 999) await collect();
    }
    for (const [key, obj] of kept) expect(c.find(key, 0, TAGGED, none, undefined, 1 + ((obj as { i: number }).i % 3))).to.equal(obj);
  });

  it('drops the entries of collected objects: on a lookup, and by sweeps as the map grows (memory follows the live objects)', async () => {
    const c = new ArcCache();
    // A lookup that meets a dead entry drops it: a key whose every object is gone, and each dead
    // entry of a key read as several classes, the others kept.
    (() => c.set(1, bytesOf('a'.repeat(16)), 0, { gone: true }))();
    const alive = { alive: true };
    (() => c.set(1, KEY, 0, { tail: true }))();
    c.set(2, KEY, 0, alive);
    (() => c.set(3, KEY, 0, { head: true }))();
    await collect();
    expect(c.held()).to.deep.equal({ keys: 2, entries: 4 });
    expect(c.find(bytesOf('a'.repeat(16)), 0, TAGGED, none, undefined, 1)).to.equal(undefined);
    expect(c.held()).to.deep.equal({ keys: 1, entries: 3 });
    expect(c.find(KEY, 0, TAGGED, none, undefined, 3)).to.equal(undefined);
    expect(c.held()).to.deep.equal({ keys: 1, entries: 2 });
    expect(c.find(KEY, 0, TAGGED, none, undefined, 1)).to.equal(undefined);
    expect(c.held()).to.deep.equal({ keys: 1, entries: 1 });
    expect(c.find(KEY, 0, TAGGED, none, undefined, 2)).to.equal(alive);
    // Objects nobody looks up again: the sweeps keep the map near its live size.
    const d = new ArcCache();
    const kept: object[] = [];
    for (let i = 0; i < 6000; i++) {
      const obj = { i };
      if (i % 100 === 0) kept.push(obj);
      d.set(1, keyOf(i), 0, obj);
      if (i % 500 === 499) await collect();
    }
    const { keys, entries } = d.held();
    expect(keys).to.equal(entries);
    expect(keys).to.be.below(2 * 1024 + 500);
    expect(kept).to.have.length(60);
  });
});

describe('ArcCache: sweeps', () => {
  /** Counts WeakRef derefs while `fn` runs (the cost of a sweep: a runtime call each, ~0.5 us). */
  async function derefsDuring(fn: () => Promise<void>): Promise<number> {
    const proto = WeakRef.prototype as { deref(): unknown };
    const deref = proto.deref;
    let n = 0;
    proto.deref = function (this: WeakRef<object>) {
      n++;
      return deref.call(this);
    };
    try {
      await fn();
    } finally {
      proto.deref = deref;
    }
    return n;
  }

  // A cache that grows across collections while what it holds stays alive (a loaded graph whose
  // lazy arcs are pinned one job after another) must not read every entry at each sweep: that
  // was ~0.8 us of the ~8 us of each first pin of a lazy arc (bench/PROFILE.md, phase 7).
  it('reads a sample, not every entry, when the map grows and nearly all it holds is alive', async () => {
    const c = new ArcCache();
    const kept: object[] = [];
    const derefs = await derefsDuring(async () => {
      for (let i = 0; i < 40_000; i++) {
        const obj = { i };
        kept.push(obj);
        c.set(1, keyOf(i), 0, obj);
        if (i % 1000 === 999) await collect();
      }
    });
    // Sweeps at 1k, 2k, 4k, ... 32k entries: 63k entries read if each read them all.
    expect(derefs).to.be.below(2000);
    expect(c.held()).to.deep.equal({ keys: 40_000, entries: 40_000 });
    for (let i = 0; i < 40_000; i += 997) expect(c.find(keyOf(i), 0, TAGGED, none, undefined, 1)).to.equal(kept[i]);
  });

  // Within one job nothing can have been collected (a WeakRef's target lives until its job ends):
  // a long synchronous page-in grows the cache without reading its entries at all.
  it('reads no entry while it grows within one job', async () => {
    const c = new ArcCache();
    const kept: object[] = [];
    for (let i = 0; i < 2000; i++) c.set(1, keyOf(i), 0, (kept[i] = { i }));
    await collect();
    const derefs = await derefsDuring(() => {
      for (let i = 2000; i < 40_000; i++) c.set(1, keyOf(i), 0, (kept[i] = { i }));
      return Promise.resolve();
    });
    // One sample (64 entries and the check of whether a collection ran) for the first sweep after
    // the collection; later sweeps only ask whether one ran since (a deref each).
    expect(derefs).to.be.below(80);
    expect(c.held().entries).to.equal(40_000);
  });

  // The sample must see the dead wherever they lie: a regular pattern of survivors (one entry in
  // 2, 32 or 64) is where evenly spaced sample points, their spacing doubling with the map, would
  // always look (with them, one in 2 is never swept: 40,000 entries held).
  for (const every of [32, 64, 2]) {
    it(`drops the dead when only one entry in ${every} lives`, async () => {
      const c = new ArcCache();
      const kept: object[] = [];
      for (let i = 0; i < 40_000; i++) {
        const obj = { i };
        if (i % every === 0) kept.push(obj);
        c.set(1, keyOf(i), 0, obj);
        if (i % 1000 === 999) await collect();
      }
      const { entries } = c.held();
      // Never swept, it would hold all 40,000.
      expect(entries).to.be.below(every === 2 ? 36_000 : 4 * 1024);
      expect(kept.length).to.equal(Math.ceil(40_000 / every));
    });
  }
});

describe('ArcCache: keys as bytes', () => {
  it('property: answers what a map of (key, class id) would, keys read at any offset, many sharing their first bytes', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(2999), fc.integer({ min: 0, max: 3 }), fc.boolean(), fc.nat(40)), { minLength: 1, maxLength: 4000 }),
        (ops) => {
          const c = new ArcCache();
          const model = new Map<string, object>();
          // Keys 0-2999: a third share their first four bytes with another key (the hash).
          const keyAt = (i: number, pad: number): [Uint8Array, number] => {
            const buf = new Uint8Array(pad + 16 + 3).fill(255);
            const k = keyOf(i % 1000);
            k[15] = Math.floor(i / 1000);
            buf.set(k, pad);
            return [buf, pad];
          };
          for (const [i, id, write, pad] of ops) {
            const [buf, at] = keyAt(i, pad);
            if (write) {
              const obj = { i, id };
              c.set(id, buf, at, obj);
              model.set(`${i}/${id}`, obj);
            } else {
              expect(c.find(buf, at, TAGGED, any, undefined, id)).to.equal(model.get(`${i}/${TAGGED}`) ?? model.get(`${i}/${id}`));
              expect(c.find(buf, at, TAGGED, none, undefined, id)).to.equal(id === TAGGED ? undefined : model.get(`${i}/${id}`));
            }
          }
          for (const [name, obj] of model) {
            const [i, id] = name.split('/').map(Number) as [number, number];
            const [buf, at] = keyAt(i, 0);
            expect(c.find(buf, at, id, none, undefined, id)).to.equal(undefined);
            expect(c.find(buf, at, -1, none, undefined, id)).to.equal(obj);
          }
          expect(c.held().entries).to.equal(model.size);
        },
      ),
      { numRuns: 30 },
    );
  });
});

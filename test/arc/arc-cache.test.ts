import { expect } from 'chai';
import { ArcCache } from '../../src/arc/arc-cache.js';

/*
 * The page-in cache's contract (src/arc/arc-cache.ts): per key and class id, the object last
 * cached, while it is alive; the preferred (tagged) object first when the caller accepts it;
 * collected objects are gone without taking the others of their key with them.
 */

const KEY = 'k'.repeat(16);
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
    c.set(1, KEY, a);
    c.set(2, KEY, b);
    expect(c.find(KEY, TAGGED, none, undefined, 1)).to.equal(a);
    expect(c.find(KEY, TAGGED, none, undefined, 2)).to.equal(b);
    c.set(1, KEY, a2);
    expect(c.find(KEY, TAGGED, none, undefined, 1)).to.equal(a2);
    expect(c.find(KEY, TAGGED, none, undefined, 3)).to.equal(undefined);
    expect(c.find('x'.repeat(16), TAGGED, any, undefined, 1)).to.equal(undefined);
  });

  it('prefers the preferred entry when the caller accepts it, else the exact one', () => {
    const c = new ArcCache();
    const exact = { exact: true };
    const tagged = { tagged: true };
    c.set(1, KEY, exact);
    expect(c.find(KEY, TAGGED, any, undefined, 1)).to.equal(exact);
    c.set(TAGGED, KEY, tagged);
    const asked: unknown[] = [];
    const accept = (obj: object, arg: string): boolean => {
      asked.push(obj, arg);
      return arg === 'yes';
    };
    expect(c.find(KEY, TAGGED, accept, 'yes', 1)).to.equal(tagged);
    expect(c.find(KEY, TAGGED, accept, 'no', 1)).to.equal(exact);
    expect(asked).to.deep.equal([tagged, 'yes', tagged, 'no']);
  });

  it('forgets everything on clear()', () => {
    const c = new ArcCache();
    const a = {};
    c.set(1, KEY, a);
    c.clear();
    expect(c.find(KEY, TAGGED, any, undefined, 1)).to.equal(undefined);
  });

  it('keeps nothing alive, and a collected object takes no other entry of its key with it', async () => {
    const c = new ArcCache();
    const first = { first: true };
    const last = { last: true };
    c.set(1, KEY, first);
    (() => c.set(2, KEY, { middle: true }))();
    c.set(3, KEY, last);
    (() => c.set(4, 'y'.repeat(16), { alone: true }))();
    await collect();
    expect(c.find(KEY, TAGGED, none, undefined, 2)).to.equal(undefined);
    expect(c.find(KEY, TAGGED, none, undefined, 1)).to.equal(first);
    expect(c.find(KEY, TAGGED, none, undefined, 3)).to.equal(last);
    expect(c.find('y'.repeat(16), TAGGED, none, undefined, 4)).to.equal(undefined);
    // A dead entry of one id, dropped by a lookup of that id, the live one of another id kept.
    const d = new ArcCache();
    const kept = { kept: true };
    d.set(1, KEY, kept);
    (() => d.set(2, KEY, { head: true }))();
    await collect();
    expect(d.find(KEY, TAGGED, any, undefined, 2)).to.equal(undefined);
    expect(d.find(KEY, TAGGED, none, undefined, 1)).to.equal(kept);
    d.set(2, KEY, kept);
    expect(d.find(KEY, TAGGED, none, undefined, 2)).to.equal(kept);
  });

  it('keeps every live entry through the sweeps of a growing map', async () => {
    const c = new ArcCache();
    const kept: Array<[string, object]> = [];
    for (let i = 0; i < 5000; i++) {
      const key = String(i).padStart(16, '0');
      const obj = { i };
      if (i % 7 === 0) kept.push([key, obj]);
      c.set(1 + (i % 3), key, obj);
      if (i % 1000 === 999) await collect();
    }
    for (const [key, obj] of kept) expect(c.find(key, TAGGED, none, undefined, 1 + ((obj as { i: number }).i % 3))).to.equal(obj);
  });

  it('drops the entries of collected objects: on a lookup, and by sweeps as the map grows (memory follows the live objects)', async () => {
    const c = new ArcCache();
    // A lookup that meets a dead entry drops it: a key whose every object is gone, and each dead
    // entry of a key read as several classes, the others kept.
    (() => c.set(1, 'a'.repeat(16), { gone: true }))();
    const alive = { alive: true };
    (() => c.set(1, KEY, { tail: true }))();
    c.set(2, KEY, alive);
    (() => c.set(3, KEY, { head: true }))();
    await collect();
    expect(c.held()).to.deep.equal({ keys: 2, entries: 4 });
    expect(c.find('a'.repeat(16), TAGGED, none, undefined, 1)).to.equal(undefined);
    expect(c.held()).to.deep.equal({ keys: 1, entries: 3 });
    expect(c.find(KEY, TAGGED, none, undefined, 3)).to.equal(undefined);
    expect(c.held()).to.deep.equal({ keys: 1, entries: 2 });
    expect(c.find(KEY, TAGGED, none, undefined, 1)).to.equal(undefined);
    expect(c.held()).to.deep.equal({ keys: 1, entries: 1 });
    expect(c.find(KEY, TAGGED, none, undefined, 2)).to.equal(alive);
    // Objects nobody looks up again: the sweeps keep the map near its live size.
    const d = new ArcCache();
    const kept: object[] = [];
    for (let i = 0; i < 6000; i++) {
      const obj = { i };
      if (i % 100 === 0) kept.push(obj);
      d.set(1, String(i).padStart(16, '0'), obj);
      if (i % 500 === 499) await collect();
    }
    const { keys, entries } = d.held();
    expect(keys).to.equal(entries);
    expect(keys).to.be.below(2 * 1024 + 500);
    expect(kept).to.have.length(60);
  });
});

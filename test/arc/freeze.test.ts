/*
 * `deepFreeze` (src/arc/freeze.ts), the dev mode of `freeze: true`: what it makes read-only, what it
 * reports it could not (re-save without re-work trusts only what it reports immutable), and what
 * it leaves alone.
 */
import { expect } from 'chai';
import { deepFreeze } from '../../src/arc/freeze.js';

describe('deepFreeze', () => {
  it('freezes objects and arrays at any depth, inside Maps and Sets too', () => {
    const inner = { n: 1 };
    const v = { a: [inner], m: new Map([['k', { x: [1] }]]), s: new Set([{ y: 2 }]) };
    expect(deepFreeze(v)).to.equal(true);
    expect(Object.isFrozen(v.a) && Object.isFrozen(inner)).to.equal(true);
    expect(Object.isFrozen(v.m.get('k')!.x)).to.equal(true);
    expect(Object.isFrozen([...v.s][0])).to.equal(true);
  });

  it('makes Maps, Sets and Dates read-only: their mutating methods throw, naming type and method', () => {
    const m = new Map([['a', 1]]);
    const s = new Set([1]);
    const d = new Date(5);
    expect(deepFreeze({ m, s, d })).to.equal(true);
    expect(() => m.set('b', 2)).to.throw(TypeError, 'Cannot call Map.set: the Map is frozen');
    expect(() => m.delete('a')).to.throw(TypeError, 'Map.delete');
    expect(() => m.clear()).to.throw(TypeError, 'Map.clear');
    expect(() => s.add(2)).to.throw(TypeError, 'Cannot call Set.add: the Set is frozen');
    expect(() => s.delete(1)).to.throw(TypeError, 'Set.delete');
    expect(() => s.clear()).to.throw(TypeError, 'Set.clear');
    expect(() => d.setTime(0)).to.throw(TypeError, 'Cannot call Date.setTime: the Date is frozen');
    expect(() => d.setFullYear(2000)).to.throw(TypeError, 'Date.setFullYear');
    expect([...m]).to.deep.equal([['a', 1]]);
    expect([...s]).to.deep.equal([1]);
    expect(d.getTime()).to.equal(5);
    // The stand-ins are not data: not listed, not copied by a spread.
    expect(Object.keys(m)).to.deep.equal([]);
    expect(Object.keys(d)).to.deep.equal([]);
    expect(Object.getOwnPropertyDescriptor(m, 'set')).to.include({ enumerable: false, writable: false, configurable: false });
  });

  it('reports what it cannot freeze: a typed array with elements (an empty one cannot change)', () => {
    const bytes = new Uint8Array([1, 2]);
    expect(deepFreeze({ bytes })).to.equal(false);
    bytes[0] = 3; // still mutable, as reported
    expect(bytes[0]).to.equal(3);
    expect(deepFreeze({ empty: new Uint8Array(0) })).to.equal(true);
    expect(deepFreeze({ deep: [{ view: new DataView(new ArrayBuffer(4)) }] })).to.equal(false);
  });

  it('reports a Map, Set or Date its owner froze without making it read-only', () => {
    expect(deepFreeze({ m: Object.freeze(new Map([['a', 1]])) })).to.equal(false);
    expect(deepFreeze({ s: Object.freeze(new Set([1])) })).to.equal(false);
    expect(deepFreeze({ d: Object.freeze(new Date(0)) })).to.equal(false);
  });

  it('enters objects frozen by their owner: what they hold is frozen too', () => {
    const list = [1, 2];
    const shell = Object.freeze({ list });
    expect(deepFreeze({ shell })).to.equal(true);
    expect(Object.isFrozen(list)).to.equal(true);
  });

  it('does not enter what `stop` names (another blob, an arc), nor report it', () => {
    const other = { bytes: new Uint8Array([1]), list: [1] };
    const root = { other, own: [1] };
    expect(deepFreeze(root, (o) => o === other)).to.equal(true);
    expect(Object.isFrozen(root.own)).to.equal(true);
    expect(Object.isFrozen(other)).to.equal(false);
    expect(Object.isFrozen(other.list)).to.equal(false);
  });

  it('a root found immutable once is immutable for good; one that was not is walked again', () => {
    const bytes = new Uint8Array([1]);
    const root = { bytes };
    expect(deepFreeze(root)).to.equal(false);
    expect(deepFreeze(root)).to.equal(false);
    const plain = { a: [1] };
    expect(deepFreeze(plain)).to.equal(true);
    expect(deepFreeze(plain)).to.equal(true);
    expect(deepFreeze(null)).to.equal(true);
    expect(deepFreeze(7)).to.equal(true);
  });
});

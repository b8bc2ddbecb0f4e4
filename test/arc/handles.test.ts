import { expect } from 'chai';
import { inspect } from 'node:util';
import {
  Field,
  InMemoryPagableStorage,
  Lazy,
  Pagable,
  PagableArc,
  type PagableStorage,
  PinnedPagableArc,
  Shared,
} from '../../src/index.js';
import { branch, Holder } from '../support/gc-models.js';
import { expectError } from '../support/expect-error.js';

/*
 * What users rely on from arc handles beyond the scenarios of test/arc.test.ts: identity of every
 * handle of one arc across page-outs (clones, handles of pins, unpinned keyed handles), ptrEq's
 * answers for every pair of forms, states as they are seen, what a released pin says, how arcs
 * and pins present themselves, dev-mode freezing, and the errors of misuse.
 */

@Pagable()
class Note {
  @Field() text!: string;
}

/** Plain data in every container a value can hold. */
interface Text {
  text: string;
}

@Pagable()
class Bag {
  @Field() map!: Map<string, Text>;
  @Field() set!: Set<Text>;
  @Field() bytes!: Uint8Array;
  @Field(() => Object) list!: Text[];
  @Field(() => Object) none!: Text | null;
}

@Pagable()
class LazyNumber {
  @Lazy(() => Note) note!: PagableArc<Note>;
}

/** A node whose two shared children may be one object: a chain of them is a DAG with 2^depth paths. */
@Pagable()
class Diamond {
  @Shared(() => Diamond) left?: Diamond;
  @Shared(() => Diamond) right?: Diamond;
}

const note = (text: string): Note => Object.assign(new Note(), { text });

describe('arc handles', () => {
  let s: InMemoryPagableStorage;
  beforeEach(() => {
    s = new InMemoryPagableStorage();
  });
  afterEach(async () => {
    await s.close();
  });

  describe('every handle of one arc is that arc, before and after it pages out', () => {
    it('many unpinned clones of a new arc all go PagedOut with it and stay ptrEq with each other and with the stored arc', async () => {
      const arc = PagableArc.new(note('x'), s);
      const clones = Array.from({ length: 20 }, () => arc.clone());
      arc.unpin();
      for (const c of clones) c.unpin();
      await s.pageOutPending();
      for (const c of [arc, ...clones]) {
        expect(c.state).to.equal('PagedOut');
        expect(c.isPagedOut).to.equal(true);
        expect(c.dataKey).to.equal(arc.dataKey);
        expect(PagableArc.ptrEq(c, arc)).to.equal(true);
      }
      // Pinned through any of them: one inner, one object, every handle sees the pins.
      const p1 = await clones[19]!.pin();
      const p2 = await clones[0]!.borrow();
      expect(p1.value).to.equal(p2.value);
      expect(arc.pinnedCount).to.equal(3);
      for (const c of clones) expect(PagableArc.ptrEq(c, arc)).to.equal(true);
    });

    it('clones whose siblings were collected still follow the arc when it pages out', async function () {
      if (typeof globalThis.gc !== 'function') this.skip();
      const arc = PagableArc.new(note('y'), s);
      arc.unpin();
      const kept: Array<PagableArc<Note>> = [];
      for (let round = 0; round < 4; round++) {
        // Most clones become garbage; the list of handles forgets them as it grows.
        for (let i = 0; i < 40; i++) {
          const c = arc.clone();
          if (i % 10 === 0) kept.push(c);
        }
        globalThis.gc!();
        await new Promise((r) => setImmediate(r));
      }
      await s.pageOutPending();
      expect(kept).to.have.length(16);
      for (const c of kept) {
        expect(c.state).to.equal('PagedOut');
        expect(PagableArc.ptrEq(c, arc)).to.equal(true);
      }
    });

    it('a pin made without a handle pages out once released (no handle to move)', async () => {
      const pin = PinnedPagableArc.new(note('pin only'), s);
      const handle = pin.clone().intoPagable();
      handle.unpin();
      pin.release();
      const report = await s.pageOutPending();
      expect(report).to.deep.equal({ pagedOut: 1, failed: [] });
      expect(handle.state).to.equal('PagedOut');

      const alone = PinnedPagableArc.new(note('no handle at all'), s);
      alone.release();
      expect(await s.pageOutPending()).to.deep.equal({ pagedOut: 1, failed: [] });
    });

    it('a handle of a stored arc, pinned and unpinned again, meets the same object as every other handle', async () => {
      const key = await s.save(Object.assign(new Holder(), { tag: 't', branch: PagableArc.new(branch(1), s) }));
      const holder = await s.load(Holder, key);
      const h = holder.branch;
      (await h.pin()).release();
      h.unpin();
      expect(h.state).to.equal('PagedOut');
      const again = await h.pin();
      const other = await (await s.load(Holder, key)).branch.borrow();
      expect(other.value).to.equal(again.value);
      expect(h.pinnedCount).to.equal(3);
    });

    it('is Loading while its page-in runs, and PagedOut when a save stores it while it waits for page-out', async () => {
      const key = await s.save(Object.assign(new Holder(), { tag: 'l', branch: PagableArc.new(branch(2), s) }));
      const h = (await s.load(Holder, key)).branch;
      const pinning = h.pin();
      expect(h.state).to.equal('Loading');
      expect(h.isPagedOut).to.equal(true);
      (await pinning).release();
      h.unpin();
      expect(h.state).to.equal('PagedOut');

      const queued = PagableArc.new(branch(3), s);
      queued.unpin();
      expect(queued.state).to.equal('Scheduled');
      await s.save(queued);
      expect(queued.state).to.equal('PagedOut');
      expect(s.pendingPagingCount()).to.equal(0);
      expect((await queued.pin()).value.leaf.n).to.equal(3);
    });
  });

  describe('ptrEq', () => {
    it('answers for every pair of forms: live and live, live and PagedOut, PagedOut and PagedOut, across storages', async () => {
      const a = PagableArc.new(note('a'), s);
      const b = PagableArc.new(note('b'), s);
      const pinnedClone = a.clone();
      expect(pinnedClone.isPinned).to.equal(true);
      expect(PagableArc.ptrEq(a, pinnedClone)).to.equal(true);
      pinnedClone.unpin();
      expect(PagableArc.ptrEq(a, b)).to.equal(false);
      b.unpin();
      await s.pageOutPending();
      // One live, one PagedOut.
      expect(PagableArc.ptrEq(a, b)).to.equal(false);
      expect(PagableArc.ptrEq(b, a)).to.equal(false);
      a.unpin();
      await s.pageOutPending();
      // Both PagedOut: by key.
      expect(PagableArc.ptrEq(a, b)).to.equal(false);
      expect(PagableArc.ptrEq(b, b.clone())).to.equal(true);
      // The same blob in another storage is another arc.
      const t = new InMemoryPagableStorage();
      const c = PagableArc.new(note('a'), t);
      c.unpin();
      await t.pageOutPending();
      expect(c.dataKey).to.equal(a.dataKey);
      expect(PagableArc.ptrEq(a, c)).to.equal(false);
      await t.close();
    });

    it('released pins are ptrEq to nothing, not even each other', () => {
      const p = PinnedPagableArc.new(note('p'), s);
      const q = PinnedPagableArc.new(note('q'), s);
      expect(PinnedPagableArc.ptrEq(p, p.clone())).to.equal(true);
      p.release();
      q.release();
      expect(PinnedPagableArc.ptrEq(p, q)).to.equal(false);
      expect(PinnedPagableArc.ptrEq(p, p)).to.equal(false);
    });
  });

  describe('handles collected while pinned', () => {
    it('a pinned handle dropped without unpin() stops pinning once collected, and the value can page out', async function () {
      if (typeof globalThis.gc !== 'function') this.skip();
      const arc = PagableArc.new(note('dropped'), s);
      (() => {
        arc.clone();
        arc.clone();
      })();
      expect(arc.pinnedCount).to.equal(3);
      arc.unpin();
      const deadline = Date.now() + 10_000;
      while (arc.pinnedCount > 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 1));
        globalThis.gc!();
      }
      expect(arc.pinnedCount).to.equal(0);
      await s.pageOutPending();
      expect(arc.isPagedOut).to.equal(true);
    });
  });

  describe('released pins', () => {
    it('say which call was made on them', () => {
      const p = PinnedPagableArc.new(note('r'), s);
      expect(p.isReleased).to.equal(false);
      p.release();
      expect(p.isReleased).to.equal(true);
      for (const [what, call] of [
        ['value', () => p.value],
        ['clone()', () => p.clone()],
        ['intoPagable()', () => p.intoPagable()],
      ] as const) {
        let err: unknown;
        try {
          call();
        } catch (e) {
          err = e;
        }
        expect(err).to.have.property('code', 'RELEASED');
        expect((err as Error).message).to.include(`PinnedPagableArc.${what}`);
      }
    });
  });

  describe('presentation', () => {
    it('Object.prototype.toString and util.inspect name the class and show state, pins and key', async () => {
      const arc = PagableArc.new(note('i'), s);
      const pin = await arc.borrow();
      expect(Object.prototype.toString.call(arc)).to.equal('[object PagableArc]');
      expect(Object.prototype.toString.call(pin)).to.equal('[object PinnedPagableArc]');
      expect(inspect(arc)).to.equal('PagableArc <Pinned, this handle pinned, pins 2>');
      expect(inspect(pin)).to.equal('PinnedPagableArc <pins 2>');
      await s.save(arc);
      expect(inspect(pin)).to.equal(`PinnedPagableArc <pins 2, key ${arc.dataKey}>`);
      pin.release();
      arc.unpin();
      expect(inspect(arc)).to.equal(`PagableArc <PagedOut, pins 0, key ${arc.dataKey}>`);
      expect(inspect(pin)).to.equal('PinnedPagableArc <released>');
    });
  });

  describe('dev mode (freeze)', () => {
    const bag = (): Bag =>
      Object.assign(new Bag(), {
        map: new Map([['k', { text: 'in map' }]]),
        set: new Set([{ text: 'in set' }]),
        bytes: Uint8Array.of(1, 2),
        list: [{ text: 'in list' }],
        none: null,
      });

    it('freezes a value once stored, down through Maps, Sets and arrays; typed arrays stay writable', async () => {
      const f = new InMemoryPagableStorage({ freeze: true });
      const arc = PagableArc.new(bag(), f);
      const pin = await arc.borrow();
      await f.save(arc);
      const v = pin.value;
      for (const o of [v, v.map, v.set, v.list, v.map.get('k'), [...v.set][0], v.list[0]]) expect(Object.isFrozen(o)).to.equal(true);
      v.bytes[0] = 9;
      expect(v.bytes[0]).to.equal(9);
      await f.close();
    });

    it('visits an object reached along many paths once (a chain of 60 shared diamonds freezes at once)', async () => {
      const f = new InMemoryPagableStorage({ freeze: true });
      let d = new Diamond();
      for (let i = 0; i < 60; i++) d = Object.assign(new Diamond(), { left: d, right: d });
      const arc = PagableArc.new(d, f);
      const pin = await arc.borrow();
      await f.save(arc);
      let n: Diamond | undefined = pin.value;
      for (let depth = 0; n !== undefined; depth++, n = n.left) {
        expect(Object.isFrozen(n), `depth ${depth}`).to.equal(true);
        expect(n.left).to.equal(n.right);
      }
      await f.close();
    });

    it('without it, values stay as they were, stored or not', async () => {
      const arc = PagableArc.new(bag(), s);
      const pin = await arc.borrow();
      await s.save(arc);
      expect(Object.isFrozen(pin.value)).to.equal(false);
      expect(Object.isFrozen(pin.value.list)).to.equal(false);
      pin.value.list.push({ text: 'more' });
      expect(pin.value.list).to.have.length(2);
    });
  });

  describe('misuse', () => {
    it('arcs need a pagable storage: NOT_PAGABLE saying which, for anything else', async () => {
      for (const bad of [{}, null, undefined, { save: () => Promise.resolve('') }]) {
        const storage = bad as unknown as PagableStorage;
        for (const make of [() => PagableArc.new(note('n'), storage), () => PinnedPagableArc.new(note('n'), storage)]) {
          const e = await expectError(make, 'NOT_PAGABLE');
          expect(e.message).to.include('PagableStorageBase');
        }
      }
    });

    it('a number where an arc or a value is expected is TYPE_MISMATCH, not a TypeError', async () => {
      await expectError(() => s.save(5 as unknown as object), 'TYPE_MISMATCH');
      await expectError(() => s.save(null as unknown as object), 'TYPE_MISMATCH');
      const bad = Object.assign(new LazyNumber(), { note: 5 as unknown as PagableArc<Note> });
      await expectError(() => s.save(bad), 'TYPE_MISMATCH');
    });
  });

  describe('loaded without the handle classes', () => {
    it('(a deep import of the handle registry alone) fails with NOT_PAGABLE naming the missing class, not a TypeError', async () => {
      type Handles = typeof import('../../src/arc/handles.js');
      const h = (await import(new URL('../../src/arc/handles.js?fresh=1', import.meta.url).href)) as Handles;
      const none = undefined as never;
      for (const [cls, call] of [
        ['PagableArc', () => h.arcFromInner(none, false)],
        ['PagableArc', () => h.pagedOutArc(none, none)],
        ['PagableArc', () => h.innerOf(none)],
        ['PinnedPagableArc', () => h.pinFromInner(none)],
        ['PinnedPagableArc', () => h.innerOfPin(none)],
      ] as const) {
        const e = await expectError(call, 'NOT_PAGABLE');
        expect(e.message).to.include(`${cls} is not loaded`);
      }
      expect(h.isPagableArc(PagableArc.new(note('n'), s))).to.equal(false);
      expect(h.isPinnedPagableArc(PinnedPagableArc.new(note('n'), s))).to.equal(false);
    });
  });
});

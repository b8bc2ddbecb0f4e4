/*
 * A loop of awaited loads from a store that reads synchronously is one job (each await resolves
 * at once), and what the arc cache's WeakRefs keep alive is held until the job ends. Past a few MB
 * restored, a load ends the job before it resolves (src/paging/kept-alive.ts); a loop that
 * restores little is never slowed by it. Whether the job ended is seen by a process.nextTick
 * callback, which runs only once the microtask queue has drained.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type DataKey,
  InMemoryPagableStorage,
  Lazy,
  LmdbPagableStorage,
  Pagable,
  PagableArc,
  type PagableStorageBase,
} from '../../src/index.js';
import { Page, page } from '../support/documents.js';
import { Dep } from '../support/models.js';

const MB = 1024 * 1024;

describe('loads restoring many MB in one job end the job', () => {
  it('a loop of loads from a synchronous store lets the microtask queue drain once past a few MB, not before', async () => {
    const s = new InMemoryPagableStorage();
    const small: DataKey[] = [];
    const big: DataKey[] = [];
    for (let i = 0; i < 3; i++) small.push(await s.save(page(i, 1024)));
    for (let i = 0; i < 12; i++) big.push(await s.save(page(100 + i, MB)));
    // Let ticks queued so far run, then continue inside a microtask.
    await new Promise((r) => setImmediate(r));
    await Promise.resolve();
    let ended = false;
    process.nextTick(() => {
      ended = true;
    });
    for (const k of small) await s.load(Page, k);
    expect(ended, 'job ended after a few KB').to.equal(false);
    for (const k of big) await s.load(Page, k);
    expect(ended, 'job ended after 12 MB').to.equal(true);
  });
});

/** A lazy arc to a Dep, for a synchronous page-in (pinSync). */
@Pagable()
class LazyDep {
  @Lazy(() => Dep) dep!: PagableArc<Dep>;
}

describe('a load restoring many objects pauses to end its job', () => {
  const backends: Array<[string, () => Promise<PagableStorageBase>]> = [
    ['memory', async () => new InMemoryPagableStorage()],
    [
      'LMDB',
      async () => {
        const d = mkdtempSync(join(tmpdir(), 'pagable-kept-alive-'));
        dirs.push(d);
        return LmdbPagableStorage.open(d);
      },
    ],
  ];
  const dirs: string[] = [];
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  for (const [backend, open] of backends) {
    it(`${backend}: a small load started after a load of 3000 blobs resolves first; loads at once share what any of them restored`, async () => {
      const s = await open();
      try {
        const deps = Array.from({ length: 3000 }, (_, i) => Dep.of(`d${i}`));
        const bigKey = await s.save(Dep.of('root', '1.0.0', deps));
        // The same content as deps[5]: the same blob.
        const smallKey = await s.save(Dep.of('d5'));
        // deps[2999]: restored late by the big page-in, which pauses before it; the two share it whichever restores it first.
        const lateKey = await s.save(Dep.of('d2999'));
        const order: string[] = [];
        const [big, small, late] = await Promise.all([
          s.load(Dep, bigKey).then((v) => (order.push('big'), v)),
          s.load(Dep, smallKey).then((v) => (order.push('small'), v)),
          s.load(Dep, lateKey).then((v) => (order.push('late'), v)),
        ]);
        // Without the pause the big page-in runs to its end inside its load() call, and resolves first.
        expect(order.indexOf('small')).to.be.below(order.indexOf('big'));
        expect(late, 'one object for one blob, whichever page-in restored it').to.equal(big.deps[2999]);
        expect(big.deps).to.have.length(3000);
        expect(big.deps[2999]!.name).to.equal('d2999');
        expect(small, 'one object for one blob across the two page-ins').to.equal(big.deps[5]);
      } finally {
        await s.close();
      }
    });
  }

  it('a load of a few hundred blobs does not pause', async () => {
    const s = new InMemoryPagableStorage();
    const bigKey = await s.save(
      Dep.of(
        'root',
        '1.0.0',
        Array.from({ length: 300 }, (_, i) => Dep.of(`d${i}`)),
      ),
    );
    const smallKey = await s.save(Dep.of('d5'));
    // Let the job that saved end, so the loads below start a fresh count.
    await new Promise((r) => setImmediate(r));
    const order: string[] = [];
    await Promise.all([s.load(Dep, bigKey).then(() => order.push('big')), s.load(Dep, smallKey).then(() => order.push('small'))]);
    expect(order).to.deep.equal(['big', 'small']);
  });

  it('a pinSync restoring 3000 objects cannot pause, and restores every one', async () => {
    const s = new InMemoryPagableStorage();
    const deps = Array.from({ length: 3000 }, (_, i) => Dep.of(`d${i}`));
    const key = await s.save(Object.assign(new LazyDep(), { dep: PagableArc.new(Dep.of('root', '1.0.0', deps), s) }));
    const holder = await s.load(LazyDep, key);
    const pin = holder.dep.pinSync();
    expect(pin.value.deps.map((d) => d.name)).to.deep.equal(deps.map((d) => d.name));
    pin.release();
  });
});

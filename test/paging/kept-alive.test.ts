/*
 * A loop of awaited loads from a store that reads synchronously is one job (each await resolves
 * at once), and what the arc cache's WeakRefs keep alive is held until the job ends. Past a few MB
 * restored, a load ends the job before it resolves (src/paging/kept-alive.ts); a loop that
 * restores little is never slowed by it. Whether the job ended is seen by a process.nextTick
 * callback, which runs only once the microtask queue has drained.
 */
import { expect } from 'chai';
import { type DataKey, InMemoryPagableStorage } from '../../src/index.js';
import { Page, page } from '../support/documents.js';

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

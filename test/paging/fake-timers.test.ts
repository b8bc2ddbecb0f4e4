/*
 * Page-in under a test framework's fake timers. Jest's modern fake timers (and @sinonjs/fake-timers,
 * which they are) replace process.nextTick, queueMicrotask, the timers, Date and performance; a
 * user's test then awaits loads without ever advancing the clock. Every load must still resolve,
 * including in a loop that restores far more than the few MB after which an async page-in ends its
 * job (src/paging/kept-alive.ts).
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type FakeMethod, install } from '@sinonjs/fake-timers';
import {
  type DataKey,
  Field,
  InMemoryPagableStorage,
  Lazy,
  LmdbPagableStorage,
  Pagable,
  PagableArc,
  type PagableStorageBase,
  Shared,
} from '../../src/index.js';
import { fakeTimersGraph } from '../support/fake-timers-graph.js';
import { runNode } from '../support/node-process.js';

const FAKED_FIRST = fileURLToPath(new URL('../fixtures/fake-timers-first.js', import.meta.url));

/** A leaf of ~1 KB: one blob. */
@Pagable()
class FakeClockLeaf {
  @Field() text!: string;
}

/** ~2 MB of leaves as @Shared blobs, and one @Lazy leaf pinned after the load. */
@Pagable()
class FakeClockTree {
  @Shared(() => [FakeClockLeaf]) leaves!: FakeClockLeaf[];
  @Lazy(() => FakeClockLeaf) lazy!: PagableArc<FakeClockLeaf>;
}

const LEAVES = 2000;
/** Distinct trees loaded in one loop: ~12 MB of blobs restored, three times the job limit. */
const TREES = 6;

const TIMERS: FakeMethod[] = ['setTimeout', 'clearTimeout', 'setImmediate', 'clearImmediate', 'setInterval', 'clearInterval'];
/** What each case fakes; the last is everything Jest's modern fake timers fake by default. */
const CASES: Array<[string, FakeMethod[]]> = [
  ['process.nextTick', ['nextTick']],
  ['queueMicrotask', ['queueMicrotask']],
  ['setTimeout, setImmediate, setInterval', TIMERS],
  ['Date', ['Date']],
  ['performance and process.hrtime', ['performance', 'hrtime']],
  ['all of them together', [...TIMERS, 'nextTick', 'queueMicrotask', 'Date', 'performance', 'hrtime']],
];

/** The real setTimeout, taken before any case fakes it. */
const realSetTimeout = globalThis.setTimeout;

/**
 * `work`, or a failure once it has not settled for a long while: a page-in waiting on a faked
 * primitive never resolves, and the case must still end (and uninstall its clock).
 */
function settles<T>(work: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stalled = new Promise<never>((_, reject) => {
    timer = realSetTimeout(() => reject(new Error('a load or pin never resolved')), 20_000);
  });
  return Promise.race([work, stalled]).finally(() => clearTimeout(timer));
}

const dirs: string[] = [];
after(function () {
  // Deleting a store directory can take long on a disk busy with other work: not a test's timeout.
  this.timeout(300_000);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const BACKENDS: Array<[string, () => Promise<PagableStorageBase> | PagableStorageBase]> = [
  ['memory', () => new InMemoryPagableStorage()],
  [
    'LMDB',
    () => {
      const d = mkdtempSync(join(tmpdir(), 'pagable-fake-timers-'));
      dirs.push(d);
      return LmdbPagableStorage.open(d);
    },
  ],
];

/** Saves TREES distinct trees (before the clock is faked) and returns their keys. */
async function saveTrees(s: PagableStorageBase, tag: string): Promise<DataKey[]> {
  const keys: DataKey[] = [];
  for (let t = 0; t < TREES; t++) {
    const leaf = (i: number): FakeClockLeaf => Object.assign(new FakeClockLeaf(), { text: `${tag}:${t}:${i}:` + 'x'.repeat(1000) });
    const tree = Object.assign(new FakeClockTree(), {
      leaves: Array.from({ length: LEAVES }, (_, i) => leaf(i)),
      lazy: PagableArc.new(leaf(-1), s),
    });
    keys.push(await s.save(tree));
  }
  return keys;
}

for (const [backend, open] of BACKENDS) {
  describe(`page-in under fake timers: ${backend}`, function () {
    this.timeout(60_000);

    for (const [what, toFake] of CASES) {
      it(`a loop of awaited loads and pins restoring ~12 MB resolves with ${what} faked`, async () => {
        const s = await open();
        try {
          const keys = await saveTrees(s, what);
          const clock = install({ toFake });
          let restored = 0;
          const loop = async (): Promise<void> => {
            for (const key of keys) {
              const tree = await s.load(FakeClockTree, key);
              expect(tree.leaves).to.have.length(LEAVES);
              const pin = await tree.lazy.pin();
              expect(pin.value.text).to.match(/:-1:x/);
              pin.release();
              restored += tree.leaves.length * 1000;
            }
          };
          try {
            await settles(loop());
          } finally {
            clock.uninstall();
          }
          expect(restored).to.be.above(10e6);
        } finally {
          await s.close();
        }
      });
    }
  });
}

describe('page-in under fake timers installed before pagable is imported', function () {
  this.timeout(120_000);

  // As Jest's `fakeTimers: { enableGlobally: true }`: pagable then never sees the real nextTick.
  it('memory: a loop of awaited loads restoring ~12 MB resolves and the process exits by itself', async () => {
    const out = await runNode([FAKED_FIRST, 'memory'], { timeout: 60_000 });
    expect(out).to.contain('restored 12000000');
  });

  it('LMDB: the same over a store saved beforehand', async () => {
    const d = mkdtempSync(join(tmpdir(), 'pagable-fake-timers-'));
    dirs.push(d);
    const s = await LmdbPagableStorage.open(d);
    for (let t = 0; t < 6; t++) await s.setRoot(`graph ${t}`, await s.save(fakeTimersGraph(t)));
    await s.close();
    const out = await runNode([FAKED_FIRST, 'lmdb', d], { timeout: 60_000 });
    expect(out).to.contain('restored 12000000');
  });
});

describe('LMDB opens and closes under fake timers', function () {
  this.timeout(60_000);

  // Opens and closes of one store take turns (src/blobstore/lmdb/env-lock.ts): within a process on
  // a promise chain, never on a timer the test has faked.
  it('two opens and then two closes of one store at once resolve with every timer faked', async () => {
    const d = mkdtempSync(join(tmpdir(), 'pagable-fake-timers-'));
    dirs.push(d);
    await (await LmdbPagableStorage.open(d)).close();
    const clock = install({ toFake: CASES[CASES.length - 1]![1] });
    try {
      const [a, b] = await settles(Promise.all([LmdbPagableStorage.open(d), LmdbPagableStorage.open(d)]));
      await settles(Promise.all([a.close(), b.close()]));
    } finally {
      clock.uninstall();
    }
  });
});

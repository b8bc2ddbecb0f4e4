import { expect } from 'chai';
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type BlobEntry,
  LmdbPagableStorage,
  MemoryBlobStore,
  PagableArc,
  PagableError,
  PagableStorageBase,
  delegating,
} from '../../src/index.js';
import { RECLAIM_STEP } from '../../src/paging/auto-page-out.js';
import { BATCH_BYTES } from '../../src/paging/page-out-batches.js';
import { fuzzRuns } from '../support/env.js';
import { Dep } from '../support/models.js';

/*
 * `await pageOutPending()` promises that everything scheduled before the call is paged out, however
 * its run interleaves with automatic page-outs and other calls: each may take the queue's front,
 * a failed write puts its batch back for whoever runs next. Here every write of the store is held
 * until the property releases it (or makes it fail), in an order fast-check picks, between calls,
 * new arcs and turns of the event loop; the promise is checked at the moment each call resolves.
 */

type Step = { k: 'arcs'; n: number; big: boolean } | { k: 'call' } | { k: 'release'; pick: number; fail: boolean } | { k: 'turn' };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ k: fc.constant('arcs' as const), n: fc.integer({ min: 1, max: 3 }), big: fc.boolean() }),
  fc.constant({ k: 'call' as const }),
  fc.record({ k: fc.constant('release' as const), pick: fc.nat(), fail: fc.integer({ min: 0, max: 4 }).map((n) => n === 0) }),
  fc.constant({ k: 'turn' as const }),
);

/** A memory store whose writes wait until the test lets each go on or fail. */
function heldStore(): { store: ReturnType<typeof delegating>; held: Array<{ go: () => void; fail: () => void }> } {
  const inner = new MemoryBlobStore();
  const held: Array<{ go: () => void; fail: () => void }> = [];
  const store = delegating(inner, {
    putMany: (entries: readonly BlobEntry[]) =>
      new Promise<boolean[]>((resolve, reject) => {
        held.push({ go: () => resolve(inner.putMany(entries) as boolean[]), fail: () => reject(new Error('injected write failure')) });
      }),
  });
  return { store, held };
}

const turn = (): Promise<void> => new Promise((r) => setImmediate(r));

/**
 * Calls of `pageOutPending()` whose promise is checked as each settles: every arc of `arcs` made
 * before the call is paged out once it resolves; a rejection is a break unless `mayReject` allows it.
 */
function promiseWatch(s: PagableStorageBase, arcs: ReadonlyArray<PagableArc<Dep>>, mayReject: (e: unknown) => boolean) {
  const broken: string[] = [];
  const calls: Array<Promise<void>> = [];
  const call = (): void => {
    const before = arcs.slice();
    calls.push(
      Promise.resolve(s.pageOutPending()).then(
        () => {
          const resident = before.filter((a) => !a.isPagedOut).length;
          if (resident > 0) broken.push(`a call resolved with ${resident} of the ${before.length} arcs scheduled before it resident`);
        },
        (e: unknown) => {
          if (!mayReject(e)) broken.push(`a call rejected with ${String(e)}`);
        },
      ),
    );
  };
  return { broken, calls, call };
}

describe('pageOutPending() under any interleaving of calls, automatic page-outs and failed writes', function () {
  this.timeout(120_000);

  it('a call that resolves has paged out every arc scheduled before it; in the end every arc is paged out and reads back', async () => {
    // A big value is a batch of its own, so one page-out spans several writes.
    const big = 'x'.repeat(BATCH_BYTES);
    await fc.assert(
      fc.asyncProperty(
        fc.array(step, { minLength: 1, maxLength: 25 }),
        fc.option(fc.integer({ min: 0, max: 3 })),
        async (steps, maxPending) => {
          const { store, held } = heldStore();
          const s = new PagableStorageBase(store, maxPending === null ? {} : { autoPageOut: { maxPending }, onPageOut: () => {} });
          const arcs: Array<PagableArc<Dep>> = [];
          const names: string[] = [];
          // Only a write this test made fail may reject a call.
          const { broken, calls, call } = promiseWatch(s, arcs, (e) => e instanceof PagableError && e.code === 'IO');
          try {
            for (const st of steps) {
              if (st.k === 'arcs') {
                for (let i = 0; i < st.n; i++) {
                  const name = `${arcs.length}${st.big ? big : ''}`;
                  const a = PagableArc.new(Dep.of(name), s);
                  a.unpin();
                  arcs.push(a);
                  names.push(name);
                }
              } else if (st.k === 'call') call();
              else if (st.k === 'release') {
                const w = held.splice(st.pick % Math.max(1, held.length), 1)[0];
                if (st.fail) w?.fail();
                else w?.go();
              } else await turn();
            }
            // Let everything finish: writes go through as they come, then one last call.
            const settle = async (): Promise<void> => {
              for (let i = 0; i < 50; i++) {
                while (held.length > 0) held.shift()!.go();
                await turn();
              }
            };
            await settle();
            call();
            await settle();
            await Promise.all(calls);
            expect(broken, JSON.stringify(steps)).to.deep.equal([]);
            expect(arcs.filter((a) => !a.isPagedOut).length, 'arcs resident at the end').to.equal(0);
            for (const i of [0, arcs.length - 1]) {
              if (arcs[i] === undefined) continue;
              const pinned = await arcs[i].pin();
              expect(pinned.value.name).to.equal(names[i]);
              pinned.release();
            }
          } finally {
            while (held.length > 0) held.shift()!.go();
            await s.close();
          }
        },
      ),
      { numRuns: fuzzRuns(100) },
    );
  });
  it('on LMDB, producers that yield at random, reclaims on their stack and calls between: every call keeps its promise', async () => {
    // The heap probe reads "over the limit" while `over` holds, growing by more than a reclaim's
    // step each time, so every arc queued then pages the queue out on the producer's stack
    // (synchronous LMDB transactions) while automatic and called page-outs write asynchronously.
    type LmdbStep = { k: 'arcs'; n: number } | { k: 'call' } | { k: 'turn' } | { k: 'over'; on: boolean };
    const lmdbStep: fc.Arbitrary<LmdbStep> = fc.oneof(
      fc.record({ k: fc.constant('arcs' as const), n: fc.integer({ min: 1, max: 8 }) }),
      fc.constant({ k: 'call' as const }),
      fc.constant({ k: 'turn' as const }),
      fc.record({ k: fc.constant('over' as const), on: fc.boolean() }),
    );
    const dir = mkdtempSync(join(tmpdir(), 'pagable-races-'));
    let run = 0;
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(lmdbStep, { minLength: 1, maxLength: 30 }), fc.integer({ min: 0, max: 6 }), async (steps, maxPending) => {
          let over = false;
          let probed = 0;
          const probe = (): number => (over ? 1 + ++probed * (RECLAIM_STEP + 1) : 0);
          const s = await LmdbPagableStorage.open(join(dir, String(run++)), {
            autoPageOut: { maxPending, heapUsedLimit: 1, intervalMs: 1, probe },
            onPageOut: () => {},
          });
          const arcs: Array<PagableArc<Dep>> = [];
          const { broken, calls, call } = promiseWatch(s, arcs, () => false);
          try {
            for (const st of steps) {
              if (st.k === 'arcs') {
                for (let i = 0; i < st.n; i++) {
                  const a = PagableArc.new(Dep.of(`dep-${run}-${arcs.length}`), s);
                  a.unpin();
                  arcs.push(a);
                }
              } else if (st.k === 'call') call();
              else if (st.k === 'over') over = st.on;
              else await turn();
            }
            over = false;
            call();
            await Promise.all(calls);
            expect(broken, JSON.stringify(steps)).to.deep.equal([]);
            expect(arcs.filter((a) => !a.isPagedOut).length, 'arcs resident at the end').to.equal(0);
            for (let i = 0; i < arcs.length; i++) {
              const pinned = await arcs[i]!.pin();
              expect(pinned.value.name).to.equal(`dep-${run}-${i}`);
              pinned.release();
            }
          } finally {
            await s.close();
          }
        }),
        { numRuns: fuzzRuns(40) },
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

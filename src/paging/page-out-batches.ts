import type { ArcHost } from '../arc/arc-host.js';
import type { ArcInner } from '../arc/arc-inner.js';
import { isPromise } from '../blobstore/await.js';
import type { Await } from '../blobstore/interface.js';
import { rootOfValue } from '../codec/encoder.js';
import { type PagableError, toPagableError } from '../error.js';
import type { RootSchema } from '../metadata/schema.js';
import type { BlobIo } from './blob-io.js';
import type { PageOutReport } from './interface.js';
import type { LiveKeys, LiveOp } from './live-keys.js';
import type { EarlierBatches, PageOutRun } from './page-out.js';
import { retire, takeRun } from './page-out-reuse.js';
import { commitPageOut } from './page-out-commit.js';
import type { PageOutQueue } from './page-out-queue.js';

/*
 * `pageOutPending()` in batches: the queue is encoded, hashed, written and committed a batch at a
 * time, and each batch's values are dropped (their arcs go PagedOut) before the next is encoded,
 * so a page-out holds at most one batch of encoded blobs and its values, whatever the queue's
 * length. Children go before parents across batches as within one: an arc stored by an earlier
 * batch has its key, and a later parent refers to it by that key (touched on shared stores, as
 * any stored arc is). Objects stored by an earlier batch keep their key (held weakly), so an
 * object reached from many batches is still encoded once per page-out. One report for them all.
 */

/**
 * The encoded bytes a batch collects before it is written: a page-out's transient memory is about
 * twice this (the blobs, and the store's copy of them as it writes) plus one value's blobs.
 */
export const BATCH_BYTES = 4 * 1024 * 1024;

/** What a batched page-out works with. */
export interface BatchPlan {
  readonly host: ArcHost;
  readonly io: BlobIo;
  readonly live: LiveKeys;
  readonly queue: PageOutQueue;
  /** Queues an arc again (its batch's write failed). */
  readonly requeue: (inner: ArcInner) => void;
  /** Writes with `putManySync` where the store offers it: the page-out runs on the caller's stack. */
  readonly sync: boolean;
  /** Asked between batches: false ends the page-out there, the rest staying queued. */
  readonly more?: () => boolean;
}

/**
 * Pages out the queue (the arcs queued when it starts, and those queued while it runs without
 * awaiting) in batches: synchronous while every write is, else a promise. A failed write rejects
 * and queues its batch's arcs again; earlier batches stay written, later ones stay queued.
 */
export function pageOutInBatches(plan: BatchPlan): Await<PageOutReport> {
  const batches = new Batches(plan);
  for (;;) {
    const more = batches.next();
    if (isPromise(more)) return finishLater(batches, more);
    if (!more) return batches.report;
  }
}

async function finishLater(batches: Batches, first: Promise<boolean>): Promise<PageOutReport> {
  let more = await first;
  while (more) more = await batches.next();
  return batches.report;
}

class Batches {
  readonly report: PageOutReport = { pagedOut: 0, failed: [] };
  /** Arcs queued before this count are this page-out's. */
  #mark: number;
  /** Once a write was awaited, arcs queued meanwhile are left for the next page-out. */
  #awaited = false;
  #earlier: EarlierBatches | undefined;

  constructor(private readonly plan: BatchPlan) {
    this.#mark = plan.queue.pushed;
  }

  /** Encodes and commits the next batch; whether another may follow. */
  next(): Await<boolean> {
    const { queue, live, io, host, sync } = this.plan;
    if (!queue.hasBefore(this.#mark)) return false;
    const run = takeRun(host, this.#earlier);
    const attempted: ArcInner[] = [];
    // An operation a batch, so what gc keeps for a page-out in flight is one batch's keys.
    const op = live.begin();
    let r: Await<number>;
    try {
      encodeBatch(queue, this.#mark, run, attempted, this.report.failed);
      r = commitPageOut(io, live, run, op, sync);
    } catch (e) {
      return this.#failed(op, run, attempted, e);
    }
    if (!isPromise(r)) return this.#committed(op, run, r, false);
    return r.then(
      (n) => this.#committed(op, run, n, true),
      (e: unknown) => this.#failed(op, run, attempted, e),
    );
  }

  #committed(op: LiveOp, run: PageOutRun, pagedOut: number, awaited: boolean): boolean {
    const { queue, live, more } = this.plan;
    live.end(op);
    this.report.pagedOut += pagedOut;
    if (awaited) this.#awaited = true;
    // Arcs queued while the page-out ran without awaiting (by code it called) are its own.
    else if (!this.#awaited) this.#mark = queue.pushed;
    const again = queue.hasBefore(this.#mark) && (more === undefined || more());
    if (again) run.handOver((this.#earlier ??= { keys: new WeakMap(), failed: new WeakMap() }));
    retire(run);
    return again;
  }

  #failed(op: LiveOp, run: PageOutRun, attempted: readonly ArcInner[], e: unknown): never {
    this.plan.live.end(op);
    retire(run);
    for (const inner of attempted) if (inner.key === undefined && inner.resident && inner.pinnedCount === 0) this.plan.requeue(inner);
    throw e;
  }
}

/** How errors name a queued arc of layout `root`, made once per layout (not a string per arc). */
const arcFields = new WeakMap<RootSchema, string>();
function arcField(root: RootSchema): string {
  if (root.k !== 'class') return 'PagableArc';
  let f = arcFields.get(root);
  if (f === undefined) arcFields.set(root, (f = `PagableArc<${root.cls.name}>`));
  return f;
}

/**
 * Runs arcs from the queue through `run` until the batch holds BATCH_BYTES of blobs; records the
 * arcs it tried in `attempted` (to queue them again if the write fails) and each value that could
 * not be encoded once in `failed`. The loop has a function of its own: see page-in-driver.ts.
 */
function encodeBatch(queue: PageOutQueue, mark: number, run: PageOutRun, attempted: ArcInner[], failed: PagableError[]): void {
  for (let inner = queue.take(mark); inner !== undefined; inner = run.batch.bytes < BATCH_BYTES ? queue.take(mark) : undefined) {
    if (inner.key !== undefined || !inner.resident) continue;
    attempted.push(inner);
    try {
      const root = inner.root ?? rootOfValue(inner.value);
      run.run({
        target: inner,
        isArc: true,
        root,
        owner: undefined,
        field: arcField(root),
      });
    } catch (e) {
      // A run rethrows the error of a value that already failed: report each failure once.
      const err = toPagableError(e, 'NOT_PAGABLE', 'page-out');
      if (!failed.includes(err)) failed.push(err);
    }
  }
}

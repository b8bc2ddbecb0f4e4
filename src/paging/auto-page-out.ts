import { getHeapStatistics } from 'node:v8';
import { isPromise } from '../blobstore/await.js';
import type { Await } from '../blobstore/interface.js';
import { PagableError, toPagableError } from '../error.js';
import type { AutoPageOutOptions, PageOutReport } from './interface.js';

/** The default of `intervalMs`. */
const DEFAULT_INTERVAL_MS = 100;

/**
 * How much the heap must grow after a page-out on the caller's stack before the next one. A
 * page-out leaves its values as garbage, and the heap reads over the limit until V8 collects
 * them; without this step every arc queued meanwhile would page out alone. What is queued between
 * two such page-outs is at most about this much, as queued values are allocations.
 */
export const RECLAIM_STEP = 4 * 1024 * 1024;

/** V8's used heap size: `process.memoryUsage().heapUsed` without the RSS system call (~0.3 us, not ~10). */
function usedHeap(): number {
  return getHeapStatistics().used_heap_size;
}

/** What automatic page-out drives: the storage's page-outs and its queue. */
export interface PageOutTarget {
  /** `pageOutPending()`: a page-out off the caller's stack. */
  run(): Await<PageOutReport>;
  /**
   * A page-out on the caller's stack, batch by batch while `more()`; undefined when the store
   * cannot write synchronously (or not now). Synchronous unless a step must await.
   */
  reclaim(more: () => boolean): Await<PageOutReport> | undefined;
  /** Arcs waiting to be written. */
  pending(): number;
}

interface Waiter {
  resolve: () => void;
  reject: (e: unknown) => void;
}

/**
 * `StorageOptions.autoPageOut`: pages out by itself when more than `maxPending` arcs wait, or
 * when the heap passes `heapUsedLimit`. Those page-outs run on a later turn of the event loop
 * (never two at once, none after `close()`, a failed one retried `intervalMs` later), looked for
 * each time an arc is queued and, for the heap, by an unref'd timer while arcs wait. But an arc
 * queued while the heap is over the limit, on a store that writes synchronously, pages out on the
 * queueing caller's stack (a reclaim), so a producer that never yields cannot outrun it. Every
 * report, failures included, goes to `onPageOut`, never to an unhandled rejection; `drain()`
 * resolves once nothing needs paging out.
 */
export class AutoPageOut {
  /** Automatic page-outs so far (reclaims included), the arcs they paged out, and the reclaims. */
  runs = 0;
  pagedOut = 0;
  reclaims = 0;
  #running = false;
  #again = false;
  #closed = false;
  #reclaiming = false;
  /** The heap read after the last reclaim; undefined once it read lower (V8 collected). */
  #floor: number | undefined;
  /** When the last page-out failed to write (the next waits `intervalMs` after it). */
  #failedAt: number | undefined;
  /** Cancels the page-out scheduled to start. */
  #cancelStart: (() => void) | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;
  #waiters: Waiter[] = [];
  readonly #probe: () => number;
  readonly #interval: number;

  constructor(
    private readonly options: AutoPageOutOptions,
    private readonly target: PageOutTarget,
    private readonly onReport: ((report: PageOutReport) => void) | undefined,
  ) {
    const { maxPending, heapUsedLimit, intervalMs, probe } = options;
    for (const [name, v] of [
      ['maxPending', maxPending],
      ['heapUsedLimit', heapUsedLimit],
      ['intervalMs', intervalMs],
    ] as const) {
      if (v !== undefined && !(typeof v === 'number' && v >= 0 && Number.isFinite(v))) {
        throw new PagableError('INVALID_ARGUMENT', `autoPageOut.${name} must be a finite number >= 0, got ${String(v)}`);
      }
    }
    if (probe !== undefined && typeof probe !== 'function') {
      throw new PagableError('INVALID_ARGUMENT', `autoPageOut.probe must be a function returning bytes, got ${typeof probe}`);
    }
    this.#probe = probe ?? usedHeap;
    this.#interval = intervalMs ?? DEFAULT_INTERVAL_MS;
  }

  /** An arc was queued; `queued` arcs wait now. */
  scheduled(queued: number): void {
    if (this.#closed) return;
    const { maxPending, heapUsedLimit } = this.options;
    if (maxPending !== undefined && queued > maxPending) this.#soon();
    if (heapUsedLimit === undefined) return;
    if (this.#timer === undefined) {
      this.#timer = setInterval(() => this.#tick(), this.#interval);
      this.#timer.unref();
    }
    const heap = this.#probe();
    if (heap > heapUsedLimit && !this.#reclaim(heap, heapUsedLimit)) this.#soon();
  }

  /** True when a page-out is wanted now: more than maxPending wait, or some wait and the heap is over. */
  #needed(): boolean {
    const pending = this.target.pending();
    if (pending === 0) return false;
    const { maxPending, heapUsedLimit } = this.options;
    if (maxPending !== undefined && pending > maxPending) return true;
    return heapUsedLimit !== undefined && this.#probe() > heapUsedLimit;
  }

  /** Resolves once nothing needs paging out (see `PagableStorage.drain`). */
  drain(): Promise<void> {
    if (!this.#needed()) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.#waiters.push({ resolve, reject });
      this.#soon();
    });
  }

  #tick(): void {
    if (this.target.pending() === 0) {
      this.#stopTimer();
      return;
    }
    if (this.#probe() > this.options.heapUsedLimit!) this.#soon();
  }

  #stopTimer(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Pages out on this stack if the store can and the heap grew enough since the last time; true if it did. */
  #reclaim(heap: number, limit: number): boolean {
    if (this.#floor !== undefined && heap < this.#floor) this.#floor = undefined;
    if (this.#reclaiming || (this.#floor !== undefined && heap <= this.#floor + RECLAIM_STEP)) return false;
    this.#reclaiming = true;
    let r: Await<PageOutReport> | undefined;
    try {
      r = this.target.reclaim(() => this.#probe() > limit);
    } catch (e) {
      r = Promise.reject(e);
    }
    if (r === undefined) {
      this.#reclaiming = false;
      return false;
    }
    this.reclaims++;
    this.#floor = this.#probe();
    this.#settle(r, () => {
      this.#reclaiming = false;
    });
    return true;
  }

  /** Schedules a page-out on a later turn of the event loop (after a failed one, `intervalMs` after it). */
  #soon(): void {
    if (this.#running) {
      this.#again = true;
      return;
    }
    if (this.#cancelStart !== undefined || this.#closed) return;
    const start = (): void => {
      this.#cancelStart = undefined;
      this.#go();
    };
    const wait = this.#failedAt === undefined ? 0 : this.#failedAt + this.#interval - Date.now();
    if (wait > 0) {
      const t = setTimeout(start, wait);
      this.#cancelStart = () => clearTimeout(t);
    } else {
      const i = setImmediate(start);
      this.#cancelStart = () => clearImmediate(i);
    }
  }

  #go(): void {
    if (this.#closed || this.target.pending() === 0) {
      this.#wake(undefined);
      return;
    }
    this.#running = true;
    this.#again = false;
    let r: Await<PageOutReport>;
    try {
      r = this.target.run();
    } catch (e) {
      r = Promise.reject(e);
    }
    this.#settle(r, () => {
      this.#running = false;
    });
  }

  /**
   * Delivers a page-out's report once it is in (a failed write becomes a report of its error),
   * after `finished`; then wakes the drains and schedules the next page-out if one is wanted.
   */
  #settle(r: Await<PageOutReport>, finished: () => void): void {
    const done = (report: PageOutReport, error: PagableError | undefined): void => {
      finished();
      this.runs++;
      this.pagedOut += report.pagedOut;
      this.#failedAt = error === undefined ? undefined : Date.now();
      try {
        this.onReport?.(report);
      } finally {
        this.#wake(error);
        if (!this.#closed && (this.#again || this.#waiters.length > 0 || this.#overMaxPending())) this.#soon();
      }
    };
    const failed = (e: unknown): void => {
      const error = toPagableError(e, 'IO', 'automatic page-out');
      done({ pagedOut: 0, failed: [error] }, error);
    };
    if (isPromise(r)) r.then((report) => done(report, undefined), failed);
    else done(r, undefined);
  }

  #overMaxPending(): boolean {
    const { maxPending } = this.options;
    return maxPending !== undefined && this.target.pending() > maxPending;
  }

  /** Settles the drains: rejected with a failed write's error, resolved once nothing needs paging out. */
  #wake(error: PagableError | undefined): void {
    if (this.#waiters.length === 0) return;
    if (error === undefined && this.#needed()) return;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) {
      if (error === undefined) w.resolve();
      else w.reject(error);
    }
  }

  /** Stops for good (the storage closed); drains still waiting reject with STORAGE_CLOSED. */
  close(): void {
    this.#closed = true;
    this.#stopTimer();
    this.#cancelStart?.();
    this.#cancelStart = undefined;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w.reject(new PagableError('STORAGE_CLOSED', 'drain: the storage was closed before its arcs were paged out'));
  }
}

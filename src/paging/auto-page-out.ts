import { isPromise } from '../blobstore/await.js';
import { PagableError, toPagableError } from '../error.js';
import type { AutoPageOutOptions, PageOutReport } from './interface.js';

/** The default of `intervalMs`. */
const DEFAULT_INTERVAL_MS = 100;

/**
 * `StorageOptions.autoPageOut`: runs the storage's `pageOutPending()` by itself when more arcs
 * than `maxPending` wait (on the next turn of the event loop, never on the stack of the `unpin`
 * that queued the last one) or when the heap passes `heapUsedLimit` (an unref'd timer looks at
 * it only while arcs wait). Never two runs at once, none after `close()`; every report, failures
 * included, goes to `onPageOut`, never to an unhandled rejection.
 */
export class AutoPageOut {
  /** Automatic runs so far, and the arcs they paged out. */
  runs = 0;
  pagedOut = 0;
  #running = false;
  #again = false;
  #closed = false;
  #immediate: ReturnType<typeof setImmediate> | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly options: AutoPageOutOptions,
    private readonly run: () => PageOutReport | Promise<PageOutReport>,
    private readonly pending: () => number,
    private readonly onReport: ((report: PageOutReport) => void) | undefined,
  ) {
    const { maxPending, heapUsedLimit, intervalMs } = options;
    for (const [name, v] of [
      ['maxPending', maxPending],
      ['heapUsedLimit', heapUsedLimit],
      ['intervalMs', intervalMs],
    ] as const) {
      if (v !== undefined && !(typeof v === 'number' && v >= 0 && Number.isFinite(v))) {
        throw new PagableError('INVALID_ARGUMENT', `autoPageOut.${name} must be a finite number >= 0, got ${String(v)}`);
      }
    }
  }

  /** An arc was queued; `queued` arcs wait now. */
  scheduled(queued: number): void {
    if (this.#closed) return;
    const { maxPending, heapUsedLimit } = this.options;
    if (maxPending !== undefined && queued > maxPending) this.#soon();
    if (heapUsedLimit !== undefined && this.#timer === undefined) {
      this.#timer = setInterval(() => this.#tick(), this.options.intervalMs ?? DEFAULT_INTERVAL_MS);
      this.#timer.unref();
      // The heap may already be over the limit: look now rather than one interval later.
      this.#tick();
    }
  }

  #tick(): void {
    if (this.pending() === 0) {
      this.#stopTimer();
      return;
    }
    if (process.memoryUsage().heapUsed > this.options.heapUsedLimit!) this.#soon();
  }

  #stopTimer(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #soon(): void {
    if (this.#running) {
      this.#again = true;
      return;
    }
    if (this.#immediate !== undefined || this.#closed) return;
    this.#immediate = setImmediate(() => {
      this.#immediate = undefined;
      this.#go();
    });
  }

  #go(): void {
    if (this.#closed || this.pending() === 0) return;
    this.#running = true;
    this.#again = false;
    let r: PageOutReport | Promise<PageOutReport>;
    try {
      r = this.run();
    } catch (e) {
      r = { pagedOut: 0, failed: [toPagableError(e, 'IO', 'automatic page-out')] };
    }
    const done = (report: PageOutReport): void => {
      this.#running = false;
      this.runs++;
      this.pagedOut += report.pagedOut;
      try {
        this.onReport?.(report);
      } finally {
        const { maxPending } = this.options;
        if (this.#again || (maxPending !== undefined && this.pending() > maxPending)) this.#soon();
      }
    };
    if (isPromise(r)) r.then(done, (e: unknown) => done({ pagedOut: 0, failed: [toPagableError(e, 'IO', 'automatic page-out')] }));
    else done(r);
  }

  /** Stops for good (the storage closed). */
  close(): void {
    this.#closed = true;
    this.#stopTimer();
    if (this.#immediate !== undefined) clearImmediate(this.#immediate);
    this.#immediate = undefined;
  }
}

import { isPromise } from '../blobstore/await.js';
import type { Await } from '../blobstore/interface.js';
import type { PageOutReport } from './interface.js';

/**
 * The asynchronous page-outs of one storage still writing. `await pageOutPending()` promises that
 * everything scheduled before the call is paged out when it returns; arcs an automatic page-out
 * has already taken off the queue are not the call's to write, so it waits for those runs too.
 */
export class PageOutRuns {
  readonly #running = new Set<Promise<PageOutReport>>();

  /** Remembers `run` until it settles; returns it. */
  track(run: Await<PageOutReport>): Await<PageOutReport> {
    if (!isPromise(run)) return run;
    this.#running.add(run);
    const forget = (): void => void this.#running.delete(run);
    run.then(forget, forget);
    return run;
  }

  /**
   * Starts a page-out with `start`; when others were writing as it began, its result waits for
   * them too and then, if `waiting()` says arcs are queued again (a failed run puts its batch
   * back), writes those with one more `start()`, in one report.
   */
  pageOut(start: () => Await<PageOutReport>, waiting: () => boolean): Await<PageOutReport> {
    const earlier = this.#running.size === 0 ? undefined : [...this.#running];
    const mine = start();
    if (earlier === undefined) return mine;
    return Promise.resolve(mine).then(async (first) => {
      await Promise.allSettled(earlier);
      if (!waiting()) return first;
      const again = await start();
      return { pagedOut: first.pagedOut + again.pagedOut, failed: [...first.failed, ...again.failed] };
    });
  }
}

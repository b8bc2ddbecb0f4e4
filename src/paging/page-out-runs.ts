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
  /** Runs that failed so far: a failed run queued its batch again, for whoever runs next. */
  #failures = 0;

  /** Runs `write` and remembers the run until it settles (a failure too, thrown or rejected); returns it. */
  track(write: () => Await<PageOutReport>): Await<PageOutReport> {
    let run: Await<PageOutReport>;
    try {
      run = write();
    } catch (e) {
      this.#failures++;
      throw e;
    }
    if (!isPromise(run)) return run;
    this.#running.add(run);
    run.then(
      () => void this.#running.delete(run),
      () => {
        this.#failures++;
        this.#running.delete(run);
      },
    );
    return run;
  }

  /**
   * Starts a page-out with `start`. When it must wait (it answers with a promise, or others were
   * writing as it began), its result also waits until no run is writing: one that began earlier,
   * or one that began meanwhile and took part of its queue (an automatic page-out takes the
   * queue's front, arcs scheduled before this call included). Then, if some run failed since it
   * began and `waiting()` says arcs are queued again (a failed run puts its batch back), it writes
   * those with one more `start()`, and so on, in one report.
   */
  pageOut(start: () => Await<PageOutReport>, waiting: () => boolean): Await<PageOutReport> {
    const othersRunning = this.#running.size > 0;
    let failures = this.#failures;
    const mine = start();
    // Synchronous and alone: no other run can hold any of its arcs.
    if (!othersRunning && !isPromise(mine)) return mine;
    return Promise.resolve(mine).then(async (first) => {
      let report = first;
      for (;;) {
        // `mine` forgot itself before this callback (its handlers were chained first): these are the others.
        if (this.#running.size > 0) {
          await Promise.allSettled([...this.#running]);
          continue;
        }
        if (this.#failures === failures || !waiting()) return report;
        failures = this.#failures;
        const again = await start();
        report = { pagedOut: report.pagedOut + again.pagedOut, failed: [...report.failed, ...again.failed] };
      }
    });
  }
}

/*
 * Time spent in garbage collection during timed samples, from perf_hooks 'gc' entries. Entries
 * arrive after the collection, on a later turn of the event loop, so windows are recorded while
 * sampling and read once the samples are done.
 */
import { PerformanceObserver } from 'node:perf_hooks';

const seen: Array<{ start: number; end: number }> = [];
let observer: PerformanceObserver | undefined;

/** Starts recording GC entries (once per process). */
export function watchGc(): void {
  if (observer !== undefined) return;
  observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) seen.push({ start: e.startTime, end: e.startTime + e.duration });
  });
  observer.observe({ entryTypes: ['gc'] });
}

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Milliseconds of GC inside each [start, end) window (performance.now() times), per list of windows; then forgets them. */
export async function gcWithin(lists: ReadonlyArray<ReadonlyArray<readonly [number, number]>>): Promise<number[][]> {
  await tick();
  await tick();
  const out = lists.map((windows) =>
    windows.map(([t0, t1]) => {
      let ms = 0;
      for (const e of seen) if (e.start >= t0 && e.start < t1) ms += Math.min(e.end, t1) - e.start;
      return ms;
    }),
  );
  seen.length = 0;
  return out;
}

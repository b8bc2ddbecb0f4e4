/** Longest the explorer's background work holds the event loop before letting requests through. */
export const SLICE_MS = 25;

/**
 * Lets a long synchronous loop (a pass over a million blobs) give the event loop back every
 * SLICE_MS, so the server keeps answering while it runs. `tick()` is cheap: it looks at the
 * clock once every 4096 calls, and returns a promise only when it is time to yield.
 */
export class Pacer {
  #last = performance.now();
  #calls = 0;

  /** Undefined to go on; else a promise to await before going on. */
  tick(): Promise<void> | undefined {
    if ((++this.#calls & 4095) !== 0 || performance.now() - this.#last < SLICE_MS) return undefined;
    return this.yield();
  }

  /** Like tick(), looking at the clock every time (for loops whose steps are already large). */
  due(): Promise<void> | undefined {
    return performance.now() - this.#last < SLICE_MS ? undefined : this.yield();
  }

  /** Yields now. */
  yield(): Promise<void> {
    return new Promise((resolve) =>
      setImmediate(() => {
        this.#last = performance.now();
        resolve();
      }),
    );
  }
}

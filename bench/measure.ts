/*
 * Timing helpers: warm-up, then alternating samples of two contenders (so drift and GC pressure
 * hit both alike), each sample preceded by a full GC (when node runs with --expose-gc) and a turn
 * of the event loop (so finalizers of the previous sample's garbage run outside the timing).
 */
import { performance } from 'node:perf_hooks';

const gcFn = (globalThis as { gc?: () => void }).gc;

export const hasGc = gcFn !== undefined;

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

/** Full collections with finalizers run in between. */
export async function settle(rounds = 2): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    await tick();
    gcFn?.();
  }
  await tick();
}

/** Heap in use after a full collection. */
export async function heapUsed(): Promise<number> {
  await settle(3);
  return process.memoryUsage().heapUsed;
}

/**
 * One contender: `prepare` (untimed) builds the sample's input, `run` is timed, `check` (untimed)
 * may inspect the result. The result is dropped before the next sample.
 */
export interface Contender<P = unknown, R = unknown> {
  prepare?: () => P | Promise<P>;
  run: (input: P) => R | Promise<R>;
  check?: (result: R, input: P) => void | Promise<void>;
  /** Called around the timed part of measured samples (profiling). */
  around?: { before(): Promise<void> | void; after(): Promise<void> | void };
}

export interface Samples {
  /** Milliseconds per sample, measured samples only. */
  ms: number[];
  median: number;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n === 0 ? NaN : n % 2 === 1 ? s[(n - 1) / 2]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
}

async function sample<P, R>(c: Contender<P, R>, measured: boolean): Promise<number> {
  const input = (c.prepare ? await c.prepare() : undefined) as P;
  await settle();
  if (measured && c.around) await c.around.before();
  const t0 = performance.now();
  const result = await c.run(input);
  const ms = performance.now() - t0;
  if (measured && c.around) await c.around.after();
  if (c.check) await c.check(result, input);
  return ms;
}

/** Warm-up samples, then `iterations` alternating samples of each contender. */
export async function compare<A, B, RA, RB>(
  a: Contender<A, RA>,
  b: Contender<B, RB>,
  warmup: number,
  iterations: number,
): Promise<[Samples, Samples]> {
  for (let i = 0; i < warmup; i++) {
    await sample(a, false);
    await sample(b, false);
  }
  const ta: number[] = [];
  const tb: number[] = [];
  for (let i = 0; i < iterations; i++) {
    // Alternate who goes first.
    if (i % 2 === 0) {
      ta.push(await sample(a, true));
      tb.push(await sample(b, true));
    } else {
      tb.push(await sample(b, true));
      ta.push(await sample(a, true));
    }
  }
  return [
    { ms: ta, median: median(ta) },
    { ms: tb, median: median(tb) },
  ];
}

/*
 * Timing helpers: warm-up, then alternating samples of two contenders (so drift and GC pressure
 * hit both alike), each sample preceded by a full GC (when node runs with --expose-gc) and a turn
 * of the event loop (so finalizers of the previous sample's garbage run outside the timing).
 */
import { performance } from 'node:perf_hooks';
import { gcWithin, watchGc } from './gc-time.js';

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
  /** Milliseconds of GC within each measured sample (perf_hooks 'gc' entries), and their median. */
  gcMs?: number[];
  gcMedian?: number;
}

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n === 0 ? NaN : n % 2 === 1 ? s[(n - 1) / 2]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
}

/** One sample; `window` receives its [start, end) in performance.now() time. */
async function sample<P, R>(c: Contender<P, R>, measured: boolean, window?: Array<readonly [number, number]>): Promise<number> {
  const input = (c.prepare ? await c.prepare() : undefined) as P;
  await settle();
  if (measured && c.around) await c.around.before();
  const t0 = performance.now();
  const result = await c.run(input);
  const t1 = performance.now();
  if (measured && c.around) await c.around.after();
  window?.push([t0, t1]);
  if (c.check) await c.check(result, input);
  return t1 - t0;
}

/** Warm-up samples, then `iterations` alternating samples of each contender. */
export async function compare<A, B, RA, RB>(
  a: Contender<A, RA>,
  b: Contender<B, RB>,
  warmup: number,
  iterations: number,
): Promise<[Samples, Samples]> {
  const [sa, sb] = await compareMany([a, b] as Contender[], warmup, iterations);
  return [sa!, sb!];
}

/**
 * Warm-up samples, then `iterations` rounds in which every contender runs once, the order rotated
 * each round (so drift and GC pressure hit all alike). Records the GC time of each measured sample.
 */
export async function compareMany(contenders: readonly Contender[], warmup: number, iterations: number): Promise<Samples[]> {
  watchGc();
  const n = contenders.length;
  for (let i = 0; i < warmup; i++) for (const c of contenders) await sample(c, false);
  const ms = contenders.map((): number[] => []);
  const windows = contenders.map((): Array<readonly [number, number]> => []);
  for (let i = 0; i < iterations; i++) {
    for (let j = 0; j < n; j++) {
      const k = (i + j) % n;
      ms[k]!.push(await sample(contenders[k]!, true, windows[k]));
    }
  }
  const gc = await gcWithin(windows);
  return ms.map((m, k) => ({ ms: m, median: median(m), gcMs: gc[k]!, gcMedian: median(gc[k]!) }));
}

/*
 * Runs the fuzzer's cases for one backend in a worker thread (test/fixtures/fuzz-worker.ts) and
 * watches it: a case whose heartbeat does not move for longer than the limit (a synchronous hang
 * no timer inside the worker could interrupt), or a worker that dies (out of memory, a crash), is
 * a failure naming the case; the worker is then restarted after that case, so one hang does not
 * hide the rest of the run.
 */
import { Worker } from 'node:worker_threads';
import type { BackendName } from './fuzz-backends.js';
import type { CaseResult, RouteProblem } from './fuzz-case.js';
import type { FuzzWorkerData, FuzzWorkerMessage } from '../fixtures/fuzz-worker.js';

const WORKER = new URL('../fixtures/fuzz-worker.js', import.meta.url);

/** A case that broke a promise, with how to replay it. */
export interface FuzzFailure {
  backend: BackendName;
  index: number;
  /** What the case was, and what went wrong, route by route. */
  what: string;
  problems: RouteProblem[];
  result: CaseResult | undefined;
}

/** What one backend's run did and found. */
export interface FuzzRun {
  backend: BackendName;
  cases: number;
  routes: number;
  /** How page-ins ended: 'value', a PagableError code, 'other', 'hung'. */
  outcomes: Record<string, number>;
  failures: FuzzFailure[];
  slowest: CaseResult | undefined;
  /** With `only`: every replayed case, in full. */
  replayed: CaseResult[];
  /** Wall time of the run, and of its workers' setup (backend, corpus) within it. */
  ms: number;
  setupMs: number;
}

/** Which cases to run where, and the limits. */
export interface FuzzRunOptions {
  backend: BackendName;
  seed: number;
  count: number;
  only?: number[];
  limitMs: number;
  redisUrl?: string;
  /** The worker's V8 heap limit: a case that allocates without bound kills the worker, not the tests. */
  heapMb?: number;
  /** Run the harness's self-test instead (see SABOTAGES). */
  sabotage?: boolean;
}

/** Runs one worker over [from, to); resolves when it ends, is stopped for a hang, or dies. */
function runSlice(o: FuzzRunOptions, from: number, run: FuzzRun): Promise<number | undefined> {
  const heartbeat = new SharedArrayBuffer(8);
  const hb = new Int32Array(heartbeat);
  hb[0] = -1;
  const data: FuzzWorkerData = {
    backend: o.backend,
    seed: o.seed,
    from,
    to: o.count,
    only: o.only,
    limitMs: o.limitMs,
    redisUrl: o.redisUrl,
    heartbeat,
    sabotage: o.sabotage,
  };
  const worker = new Worker(WORKER, { workerData: data, resourceLimits: { maxOldGenerationSizeMb: o.heapMb ?? 1024 } });
  const whats = new Map<number, string>();
  return new Promise((resolve) => {
    let settled = false;
    let beat = -1;
    let beatAt = performance.now();
    /**
     * Ends the slice; `stoppedAt` is the case to restart after when the worker did not finish, and
     * `problem` what stopped it there.
     */
    const end = (stoppedAt: number | undefined, problem?: string): void => {
      if (settled) return;
      settled = true;
      clearInterval(watch);
      if (stoppedAt !== undefined && problem !== undefined) {
        run.failures.push({
          backend: o.backend,
          index: stoppedAt,
          what: whats.get(stoppedAt) ?? '(before the case was made)',
          problems: [{ route: 'worker', kind: problem, detail: '' }],
          result: undefined,
        });
      }
      void worker.terminate().then(() => resolve(stoppedAt));
    };
    const watch = setInterval(() => {
      const now = performance.now();
      const n = Atomics.load(hb, 1);
      if (n !== beat) {
        beat = n;
        beatAt = now;
        return;
      }
      const index = Atomics.load(hb, 0);
      // The in-worker deadline reports an async hang at limitMs: this catches what blocks the thread.
      if (index >= 0 && now - beatAt > o.limitMs + 1000) {
        end(index, `a page-in blocks its thread for more than ${o.limitMs} ms (the worker was stopped)`);
      }
    }, 100);
    worker.on('message', (m: FuzzWorkerMessage) => {
      if (m.t === 'case') {
        whats.clear();
        whats.set(m.index, m.what);
      } else if (m.t === 'result') {
        if (m.result.problems.length > 0) {
          run.failures.push({
            backend: o.backend,
            index: m.result.index,
            what: `${m.result.mode}: ${m.result.what} of ${m.result.entry}`,
            problems: m.result.problems,
            result: m.result,
          });
        }
        if (o.only !== undefined) run.replayed.push(m.result);
      } else {
        run.cases += m.cases;
        run.routes += m.routes;
        run.setupMs += m.setupMs;
        for (const [k, n] of Object.entries(m.outcomes)) run.outcomes[k] = (run.outcomes[k] ?? 0) + n;
        if (m.slowest !== undefined && (run.slowest === undefined || m.slowest.slowestMs > run.slowest.slowestMs)) run.slowest = m.slowest;
        end(undefined);
      }
    });
    worker.on('error', (e: Error) => {
      const index = Atomics.load(hb, 0);
      const problem = `the worker died in a case: ${(e as NodeJS.ErrnoException).code ?? e.name}: ${e.message}`;
      if (index >= 0) end(index, problem);
      else {
        // Not in a case: setup failed. Report it once and stop this backend.
        run.failures.push({
          backend: o.backend,
          index: -1,
          what: 'setup',
          problems: [{ route: 'worker', kind: `the fuzzer could not start: ${e.message}`, detail: e.stack ?? '' }],
          result: undefined,
        });
        end(o.count);
      }
    });
    worker.on('exit', (code) => {
      if (!settled) end(Math.max(0, Atomics.load(hb, 0)), `the worker exited with code ${code} in a case`);
    });
  });
}

/** Runs `count` cases (or `only`) of one backend, restarting the worker after a hang or a death. */
export async function runFuzz(o: FuzzRunOptions): Promise<FuzzRun> {
  const t0 = performance.now();
  const run: FuzzRun = {
    backend: o.backend,
    cases: 0,
    routes: 0,
    outcomes: {},
    failures: [],
    slowest: undefined,
    replayed: [],
    ms: 0,
    setupMs: 0,
  };
  let from = 0;
  for (let restarts = 0; restarts <= 10; restarts++) {
    const stoppedAt = await runSlice(o, from, run);
    if (stoppedAt === undefined || o.only !== undefined || stoppedAt + 1 >= o.count) break;
    run.cases += stoppedAt + 1 - from;
    from = stoppedAt + 1;
  }
  run.ms = performance.now() - t0;
  return run;
}

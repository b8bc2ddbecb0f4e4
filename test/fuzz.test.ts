/*
 * Fuzzing (issue 8, DESIGN.md section 7): every corrupted, truncated or hostile blob yields a value
 * or a PagableError, never another exception, a hang, a huge allocation or a touched prototype.
 *
 * 1. A mutation fuzzer over real blobs, on memory, LMDB and Redis: see test/support/fuzz-case.ts
 *    for what a case is and test/support/blob-mutator.ts for the mutations. Cases run in a worker
 *    thread watched from here, so a blocked thread is a reported failure, not a stuck test run.
 * 2. fast-check properties over generated graphs: round trips hold (values, sharing, keys), and
 *    mutated bytes of their blobs yield a value or a PagableError.
 *
 * Failures are collected, grouped into kinds, and asserted at the end of each backend's run, so the
 * suite stays red until every kind is fixed and the message says which.
 *
 * Environment:
 *   PAGABLE_FUZZ=N             cases per backend (default: see DEFAULT_CASES)
 *   PAGABLE_FUZZ_SEED=S        the run's seed (default fixed, so CI is reproducible)
 *   PAGABLE_FUZZ_ONLY=b:i,j    replay cases i, j of backend b and print them
 *   PAGABLE_FUZZ_LIMIT_MS=T    the per-page-in time limit (default 2000)
 */
import { expect } from 'chai';
import { type BackendName, BACKENDS } from './support/fuzz-backends.js';
import { type FuzzRun, runFuzz } from './support/fuzz-driver.js';
import { describeFailures, summaryLine } from './support/fuzz-report.js';
import { type RedisServer, startRedisServer } from './fixtures/redis-server.js';

/** Cases per backend in the default run: 5,500 in all, a few seconds each. */
const DEFAULT_CASES: Record<BackendName, number> = { memory: 2000, lmdb: 2000, redis: 1500 };

function envInt(name: string): number | undefined {
  const v = process.env[name];
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got ${v}`);
  return n;
}

const SEED = envInt('PAGABLE_FUZZ_SEED') ?? 0x5eed;
const PER_BACKEND = envInt('PAGABLE_FUZZ');
const LIMIT_MS = envInt('PAGABLE_FUZZ_LIMIT_MS') ?? 2000;
const ONLY = ((): { backend: BackendName; indexes: number[] } | undefined => {
  const v = process.env['PAGABLE_FUZZ_ONLY'];
  if (v === undefined || v === '') return undefined;
  const [b, list] = v.split(':');
  if (!BACKENDS.includes(b as BackendName) || list === undefined) throw new Error(`PAGABLE_FUZZ_ONLY is backend:i,j (got ${v})`);
  return { backend: b as BackendName, indexes: list.split(',').map(Number) };
})();

describe('fuzz: hostile blobs end in a value or a PagableError', function () {
  this.timeout(600_000);
  let server: RedisServer | undefined;
  const runs: FuzzRun[] = [];

  before(async () => {
    if (ONLY === undefined || ONLY.backend === 'redis') server = await startRedisServer();
  });
  after(async () => {
    await server?.stop();
    if (runs.length > 0) console.log(`      ${summaryLine(runs, SEED)}`);
  });

  for (const backend of BACKENDS) {
    if (ONLY !== undefined && ONLY.backend !== backend) continue;
    const count = PER_BACKEND ?? DEFAULT_CASES[backend];
    const title = ONLY !== undefined
      ? `${backend}: replays cases ${ONLY.indexes.join(', ')}`
      : `${backend}: ${count} mutated real blobs, stored under their keys${backend === 'memory' ? '' : ' and raw under the originals\''}, `
        + `each paged in within ${LIMIT_MS} ms, touching no prototype`;
    it(title, async () => {
      const run = await runFuzz({
        backend, seed: SEED, count, only: ONLY?.indexes, limitMs: LIMIT_MS, redisUrl: server?.url,
      });
      runs.push(run);
      if (ONLY !== undefined) console.log(JSON.stringify(run.slowest, null, 2));
      if (run.failures.length > 0) expect.fail(describeFailures(run.failures, SEED));
      expect(run.cases).to.equal(ONLY?.indexes.length ?? count);
    });
  }
});

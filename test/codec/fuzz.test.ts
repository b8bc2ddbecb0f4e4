/*
 * Fuzzing (docs/design.md §5.2): every corrupted, truncated or hostile blob yields a value
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
import { Worker } from 'node:worker_threads';
import { expect } from 'chai';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { type Class, type DataKey, InMemoryPagableStorage, type PagableData, PagableError } from '../../src/index.js';
import { Doc } from '../support/arc-models.js';
import { mutateBlob } from '../support/blob-mutator.js';
import { scanMsgpack } from '../support/msgpack-layout.js';
import { type BackendName, BACKENDS } from '../support/fuzz-backends.js';
import { SABOTAGES } from '../support/fuzz-case.js';
import { MODEL_CLASSES } from '../support/fuzz-corpus.js';
import { type FuzzRun, runFuzz } from '../support/fuzz-driver.js';
import { describeFailures, summaryLine } from '../support/fuzz-report.js';
import { Everything, lazyBoxOf } from '../support/fuzz-models.js';
import { buildGraph, expectSameGraph, graphPlan, plainData } from '../support/graph-arbitraries.js';
import { foreignError, foreignObjectIn, guardGlobals } from '../support/hostile-check.js';
import { Circle, Dep, Shape, Square } from '../support/models.js';
import { Rng } from '../support/prng.js';
import type { LoadBlobMessage, LoadBlobOutcome } from '../fixtures/load-blob.js';
import { type RedisServer, startRedisServer } from '../fixtures/redis-server.js';
import { envInt } from '../support/env.js';

/** Cases per backend in the default run: 5,500 in all, a few seconds each. */
const DEFAULT_CASES: Record<BackendName, number> = { memory: 2000, lmdb: 2000, redis: 1500 };

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

  it(
    'the harness sees what it looks for: foreign exceptions, hangs, wrong classes and kinds, foreign objects, ' +
      'touched prototypes, blocked threads, runaway allocations',
    async function () {
      if (ONLY !== undefined) this.skip();
      const run = await runFuzz({ backend: 'memory', seed: SEED, count: SABOTAGES.length, limitMs: 300, heapMb: 96, sabotage: true });
      // The runaway allocation also blocks its thread: on a busy machine the 300 ms watchdog stops it
      // before the heap cap does. Run alone with a watchdog of a minute, only the heap cap can.
      const alloc = SABOTAGES.findIndex(([, kind]) => kind.source === 'worker died');
      const capped = await runFuzz({
        backend: 'memory',
        seed: SEED,
        count: SABOTAGES.length,
        only: [alloc],
        limitMs: 60_000,
        heapMb: 96,
        sabotage: true,
      });
      const failures = [...run.failures.filter((f) => f.index !== alloc), ...capped.failures];
      const seen = failures.map((f) => `${f.index}: ${f.problems.map((p) => p.kind).join('; ')}`);
      for (let i = 0; i < SABOTAGES.length; i++) {
        const [what, kind] = SABOTAGES[i]!;
        const got = seen.find((x) => x.startsWith(`${i}: `));
        expect(got, `sabotage ${i} (${what}) was not reported`).to.not.equal(undefined);
        expect(got, `sabotage ${i} (${what})`).to.match(kind);
      }
      expect(failures.map((f) => f.index).sort((a, b) => a - b)).to.deep.equal(SABOTAGES.map((_, i) => i));
    },
  );

  for (const backend of BACKENDS) {
    if (ONLY !== undefined && ONLY.backend !== backend) continue;
    const count = PER_BACKEND ?? DEFAULT_CASES[backend];
    const title =
      ONLY !== undefined
        ? `${backend}: replays cases ${ONLY.indexes.join(', ')}`
        : `${backend}: ${count} mutated real blobs, stored under their keys${backend === 'memory' ? '' : " and raw under the originals'"}, ` +
          `each paged in within ${LIMIT_MS} ms, touching no prototype`;
    it(title, async () => {
      const run = await runFuzz({
        backend,
        seed: SEED,
        count,
        only: ONLY?.indexes,
        limitMs: LIMIT_MS,
        redisUrl: server?.url,
      });
      runs.push(run);
      if (ONLY !== undefined) for (const r of run.replayed) console.log(JSON.stringify(r, null, 2));
      if (run.failures.length > 0) expect.fail(describeFailures(run.failures, SEED));
      expect(run.cases).to.equal(ONLY?.indexes.length ?? count);
    });
  }
});

/** Every blob reachable from `root` with its key, walked iteratively over child keys. */
async function blobsOf(s: InMemoryPagableStorage, root: DataKey): Promise<{ keys: DataKey[]; blobs: PagableData[] }> {
  const keys = [root];
  const blobs: PagableData[] = [];
  for (let i = 0; i < keys.length; i++) {
    const b = await s.fetchData(keys[i]!);
    blobs.push(b);
    for (const k of b.arcs) if (!keys.includes(k)) keys.push(k);
  }
  return { keys, blobs };
}

describe('fuzz: properties over generated graphs', function () {
  this.timeout(120_000);
  before(function () {
    // A replay runs the cases it names, nothing else.
    if (ONLY !== undefined) this.skip();
  });
  const runs = PER_BACKEND === undefined ? 1 : Math.max(1, Math.ceil(PER_BACKEND / 2000));

  it('round trips hold: equal values and classes, lazy children, sharing kept, and the same key again', async () => {
    await fc.assert(
      fc.asyncProperty(graphPlan, async (plan) => {
        const s = new InMemoryPagableStorage();
        const orig = buildGraph(plan, s);
        const key = await s.save(orig);
        const back = await s.load(Everything, key);
        await expectSameGraph(back, orig);
        const again = new InMemoryPagableStorage();
        expect(await again.save(back), 'the restored graph saves to another key').to.equal(key);
      }),
      { numRuns: 150 * runs, seed: SEED },
    );
  });

  it('strings round trip exactly as JavaScript holds them, lone surrogates included', async () => {
    const unit = fc.oneof(
      fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
      fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)),
    );
    await fc.assert(
      fc.asyncProperty(fc.string({ unit, maxLength: 8 }), async (str) => {
        const s = new InMemoryPagableStorage();
        const key = await s.save({ str, list: [str], map: new Map([[str, str]]) });
        const back = (await s.load(Object, key)) as { str: string; list: string[]; map: Map<string, string> };
        expect(back.str).to.equal(str);
        expect(back.list[0]).to.equal(str);
        expect([...back.map]).to.deep.equal([[str, str]]);
        expect(await new InMemoryPagableStorage().save(back)).to.equal(key);
      }),
      { numRuns: 300 * runs, seed: SEED },
    );
  });

  it('any own key round trips as an own data property, constructor and toJSON included', async () => {
    const keys = fc.oneof(
      fc.constantFrom('constructor', 'toJSON', '__proto__', 'prototype', 'valueOf', 'toString', 'then', 'hasOwnProperty'),
      fc.string(),
    );
    await fc.assert(
      fc.asyncProperty(fc.dictionary(keys, plainData, { maxKeys: 4, noNullPrototype: true }), async (obj) => {
        const s = new InMemoryPagableStorage();
        const back = (await s.load(Object, await s.save({ obj }))) as { obj: Record<string, unknown> };
        expect(Object.getPrototypeOf(back.obj)).to.equal(Object.prototype);
        expect(Reflect.ownKeys(back.obj)).to.deep.equal(Reflect.ownKeys(obj));
        for (const k of Object.keys(obj)) assert.deepStrictEqual(Object.getOwnPropertyDescriptor(back.obj, k)!.value, obj[k]);
      }),
      { numRuns: 300 * runs, seed: SEED },
    );
  });

  it('mutated blobs of generated graphs yield a value or a PagableError, touching no prototype', async () => {
    const classes = [...MODEL_CLASSES, lazyBoxOf(Object)];
    const touched = guardGlobals(classes.map((c) => [`${c.name}.prototype`, c.prototype as object] as const));
    const problems: string[] = [];
    await fc.assert(
      fc.asyncProperty(
        graphPlan,
        fc.integer({ min: 1 }),
        fc.nat(),
        fc.constantFrom<unknown>(Everything, Dep, Doc, Shape, Object),
        async (plan, mutation, which, as) => {
          const s = new InMemoryPagableStorage();
          const root = await s.save(buildGraph(plan, s));
          const { keys, blobs } = await blobsOf(s, root);
          const rng = new Rng(mutation);
          const target = blobs[which % blobs.length]!;
          const m = mutateBlob(rng, target, {
            blobs,
            keys,
            rootKeys: [root],
            tags: ['test.Circle', 'test.Square', 'fuzz.Everything', 'arc.Doc'],
          });
          const key = await s.storeData({ data: m.data, arcs: m.arcs });
          const cls = as as Class;
          let value: unknown;
          try {
            value = await s.load(cls, key);
          } catch (e) {
            const why = foreignError(e);
            if (why !== undefined) problems.push(`load(${cls.name}) of [${m.what}] threw ${why}`);
            return;
          }
          if (cls !== (Object as unknown) && !(value instanceof cls))
            problems.push(`load(${cls.name}) of [${m.what}] returned another class`);
          const foreign = foreignObjectIn(value, classes);
          if (foreign !== undefined) problems.push(`load(${cls.name}) of [${m.what}]: ${foreign.kind}: ${foreign.detail}`);
          const t = touched();
          if (t !== undefined) problems.push(`load(${cls.name}) of [${m.what}] changed ${t}`);
        },
      ),
      { numRuns: 400 * runs, seed: SEED },
    );
    expect(problems, problems.slice(0, 20).join('\n')).to.deep.equal([]);
  });
});

describe('fuzz findings: minimal reproducers of failing case kinds', () => {
  before(function () {
    if (ONLY !== undefined) this.skip();
  });
  it('load(Base, key) never returns what is not a Base, also once load(Object, key) has paged it in', async () => {
    // The arc cache keys plain-data roots and classes without @Pagable metadata alike (class id 0).
    const s = new InMemoryPagableStorage();
    const key = await s.save(Dep.of('untagged'));
    const first = await s.load(Shape, key).catch((e: unknown) => e);
    expect(first, 'an untagged blob loaded as an abstract base').to.be.instanceOf(PagableError);
    await s.load(Object, key);
    const again = await s.load(Shape, key).catch((e: unknown) => e);
    expect(again, 'the same load after load(Object, key)').to.be.instanceOf(PagableError);
    // A tagged blob of an unrelated class, the same way round.
    class Unrelated {}
    const sq = await s.save(Square.of(2));
    await s.load(Object, sq);
    const other = await s.load(Unrelated, sq).catch((e: unknown) => e);
    expect(other, 'a Square loaded as an unrelated class').to.be.instanceOf(PagableError);
  });

  it('a stored value of another kind than the declared type is TYPE_MISMATCH (docs/design.md §4.3)', async () => {
    // A Circle whose r is the string "x": the float of Circle.of(2.5), found by the msgpack spec, becomes a fixstr.
    const s = new InMemoryPagableStorage();
    const { data, arcs } = await s.fetchData(await s.save(Circle.of(2.5)));
    const r = scanMsgpack(data).find((v) => v.kind === 'float');
    expect(r, 'the blob of Circle.of(2.5) holds a float').to.not.equal(undefined);
    const forged = Uint8Array.from([...data.subarray(0, r!.at), 0xa1, 0x78, ...data.subarray(r!.end)]);
    // Its child keys stay: the last one is its schema set, which says r is a Number.
    const key = await s.storeData({ data: forged, arcs });
    const e = await s.load(Circle, key).then(
      (v) => v,
      (x: unknown) => x,
    );
    expect(e, `load returned ${JSON.stringify(e)}`).to.be.instanceOf(PagableError);
    expect((e as PagableError).code).to.equal('TYPE_MISMATCH');
    expect((e as Error).message)
      .to.contain('Circle')
      .and.contain('r');
  });

  it('a blob with a large bigint and a trailing byte ends within 2 s (msgpackr describes trailing data in decimal)', async function () {
    this.timeout(LIMIT_MS + 30_000);
    // msgpackr's native bigint (ext 0x42), 4 MiB, then one more value: msgpackr's "end of buffer not
    // reached" error renders the decoded value as JSON, the bigint in decimal, which takes seconds
    // per MiB. Loaded in a worker, so a load that blocks its thread is stopped at the limit.
    const n = 4 << 20;
    const data = new Uint8Array(6 + n + 1);
    data.set([0xc9, (n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff, 0x42]);
    data.fill(0x7f, 6, 6 + n);
    data[6 + n] = 0xc0;
    const worker = new Worker(new URL('../fixtures/load-blob.js', import.meta.url), { workerData: { data } });
    const got = await new Promise<LoadBlobOutcome | 'stopped'>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      worker.on('message', (m: LoadBlobMessage) => {
        if (m === 'start') timer = setTimeout(() => resolve('stopped'), LIMIT_MS);
        else {
          clearTimeout(timer);
          resolve(m);
        }
      });
      worker.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
    }).finally(() => worker.terminate());
    expect(got, `the load did not end within ${LIMIT_MS} ms`).to.not.equal('stopped');
    expect((got as LoadBlobOutcome).outcome).to.equal('CORRUPT');
  });

  it('a msgpack map whose toString is not a function, read where a kind number is expected, is a PagableError', async () => {
    // msgpack: [0xc1, { toString: 1 }]; describing the odd value in the CORRUPT message threw a TypeError.
    const s = new InMemoryPagableStorage();
    const data = Uint8Array.from([0x92, 0xc1, 0x81, 0xa8, ...new TextEncoder().encode('toString'), 0x01]);
    const key = await s.storeData({ data, arcs: [] });
    const e = await s.load(Object, key).then(
      () => undefined,
      (x: unknown) => x,
    );
    if (e !== undefined) expect(e, String(e)).to.be.instanceOf(PagableError);
  });
});

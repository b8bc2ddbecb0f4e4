/*
 * Bounded memory whatever the producer's style: each case streams far more documents than its
 * heap holds through arcs into a store under `autoPageOut`, in a child process with a capped heap,
 * reads a sample back, and must live with its peak heap under the cap. The cases run two at a
 * time. PAGABLE_MEMORY_SCALE=N streams N times as many documents.
 */
import { expect } from 'chai';
import { fileURLToPath } from 'node:url';
import { type RedisServer, startRedisServer } from '../fixtures/redis-server.js';
import { runNode } from '../support/node-process.js';

const PRODUCER = fileURLToPath(new URL('../fixtures/memory-producer.js', import.meta.url));
const SCALE = Number(process.env.PAGABLE_MEMORY_SCALE ?? 1);

interface Case {
  name: string;
  /** `--max-old-space-size`, MB. */
  capMB: number;
  args: string[];
}

interface Result {
  style: string;
  backend: string;
  items: number;
  streamedMB: number;
  peakMB: number;
  limitMB: number;
  wallS: number;
  cpuS: number;
  resident: number;
  autoPageOuts: number;
  reclaims: number;
  pausedMs: number;
  longestPauseMs: number;
  failures: number;
  sample: number;
  same: number;
}

const PAGES = [`items=${60_000 * SCALE}`, 'bytes=3600', 'limit=40'];
const ARTICLES = [`items=${2000 * SCALE}`, 'docs=articles', 'bytes=100000', 'limit=24', 'maxPending=64'];

const CASES: Case[] = [
  { name: 'yields every document', capMB: 72, args: ['each', 'lmdb', ...PAGES] },
  { name: 'yields every 500 documents', capMB: 72, args: ['every500', 'lmdb', ...PAGES] },
  { name: 'awaits only drain(), every 2,000 documents', capMB: 72, args: ['drain', 'lmdb', ...PAGES] },
  { name: 'a plain synchronous loop that never yields', capMB: 72, args: ['sync', 'lmdb', ...PAGES] },
  { name: 'bursty: ~100 KB documents, yields every 100', capMB: 64, args: ['bursty', 'lmdb', ...ARTICLES] },
  { name: 'bursty on Redis: ~100 KB documents, awaits drain() every 100', capMB: 64, args: ['bursty', 'redis', ...ARTICLES, 'drain=1'] },
];

type Outcome = { out: string } | { error: unknown };

describe('bounded memory: streaming several heaps of documents into a store, whatever the producer style', function () {
  this.timeout(300_000);
  let redis: RedisServer | undefined;
  const outcomes = new Map<Case, Promise<Outcome>>();

  before(async () => {
    redis = await startRedisServer();
    // Two children at a time; each test awaits its own (settled, so none is an unhandled rejection).
    let lane: Promise<unknown> = Promise.resolve();
    let other: Promise<unknown> = Promise.resolve();
    for (const c of CASES) {
      const args = c.args[1] === 'redis' ? [...c.args, `url=${redis.url}`] : c.args;
      const p = lane.then(() =>
        runNode([`--max-old-space-size=${c.capMB}`, PRODUCER, ...args], { timeout: 280_000 }).then(
          (out): Outcome => ({ out }),
          (error: unknown): Outcome => ({ error }),
        ),
      );
      outcomes.set(c, p);
      [lane, other] = [other, p];
    }
  });

  after(async () => {
    await Promise.all(outcomes.values());
    await redis?.stop();
  });

  for (const c of CASES) {
    it(`${c.name}: lives under a ${c.capMB} MB heap and reads back what it streamed`, async () => {
      const outcome = await outcomes.get(c)!;
      if ('error' in outcome) throw outcome.error;
      const line = outcome.out.split('\n').find((l) => l.startsWith('result '));
      expect(line, outcome.out).to.be.a('string');
      const r = JSON.parse(line!.slice('result '.length)) as Result;
      console.log(
        `      ${r.streamedMB} MB in ${r.wallS} s (${r.cpuS} s of CPU); peak heap ${r.peakMB} MB (heapUsedLimit ${r.limitMB} MB, cap ${c.capMB} MB); ` +
          `${r.autoPageOuts} automatic page-outs, ${r.reclaims} on the producer's stack (${r.pausedMs} ms, at most ${r.longestPauseMs} ms)`,
      );
      expect(r.streamedMB).to.be.above(2.5 * c.capMB);
      expect(r.peakMB).to.be.below(c.capMB);
      expect(r.resident).to.equal(0);
      expect(r.failures).to.equal(0);
      expect(r.same).to.equal(r.sample);
    });
  }
});

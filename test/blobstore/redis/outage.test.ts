import { expect } from 'chai';
import { createServer, type Server, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { computeKey, type DataKey, type PagableData } from '../../../src/index.js';
import type { BlobEntry } from '../../../src/blobstore/interface.js';
import { RedisBlobStore } from '../../../src/blobstore/redis/redis-blob-store.js';
import { type RedisCluster, startRedisCluster } from '../../fixtures/redis-cluster.js';
import { type RedisProcess, startRedisProcess } from '../../fixtures/redis-process.js';
import { expectError } from '../../support/expect-error.js';
import { runNode } from '../../support/node-process.js';

/*
 * Redis servers that die, freeze or never answer. Every operation must fail with IO within
 * about timeoutMs, and the same store must work again once the server is back. The tests run
 * with a short timeoutMs; PAGABLE_OUTAGE_TIMEOUT_MS=5000 runs them with the default and prints
 * the measured timings.
 */
const TIMEOUT_MS = Number(process.env.PAGABLE_OUTAGE_TIMEOUT_MS ?? 1000);
/** What "about timeoutMs" allows: what matters is that an operation ends, not how fast. */
const BOUND_MS = 3 * TIMEOUT_MS + 1000;

function blob(text: string): BlobEntry {
  const data: PagableData = { data: new TextEncoder().encode(text), arcs: [] };
  return { key: computeKey(data), data };
}

/** Runs `op`, expects IO within `bound` ms; the milliseconds it took. */
async function timedIo(op: () => Promise<unknown>, bound = BOUND_MS): Promise<number> {
  const started = performance.now();
  const e = await expectError(op(), 'IO');
  const ms = performance.now() - started;
  expect(ms, e.message).to.be.lessThan(bound);
  return ms;
}

/** Repeats `op` until it succeeds; the milliseconds from the first try. Each try is itself bounded. */
async function untilItWorks(op: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  for (;;) {
    try {
      await op();
      return performance.now() - started;
    } catch {
      if (performance.now() - started > 10 * BOUND_MS) throw new Error('the store did not recover');
      await new Promise((r) => setTimeout(r, 5));
    }
  }
}

async function collect(s: RedisBlobStore): Promise<DataKey[]> {
  const out: DataKey[] = [];
  for await (const k of s.keys()) out.push(k);
  return out;
}

/** A TCP listener that accepts connections and never writes a byte. */
async function muteServer(port: number): Promise<{ close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((sock) => {
    sockets.add(sock);
    sock.on('error', () => undefined);
    sock.on('close', () => sockets.delete(sock));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return {
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

const timings: string[] = [];

describe('redis outages', function () {
  this.timeout(60_000);
  const servers: RedisProcess[] = [];
  const stores: RedisBlobStore[] = [];
  let cluster: RedisCluster | undefined;

  async function server(): Promise<RedisProcess> {
    const s = await startRedisProcess();
    servers.push(s);
    return s;
  }
  async function store(url: string): Promise<RedisBlobStore> {
    const s = await RedisBlobStore.connect({ url, timeoutMs: TIMEOUT_MS });
    stores.push(s);
    return s;
  }

  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close();
    for (const s of servers.splice(0)) await s.stop();
  });
  after(async () => {
    await cluster?.stop();
    if (process.env.PAGABLE_OUTAGE_TIMEOUT_MS !== undefined)
      console.log(`      outage timings, timeoutMs ${TIMEOUT_MS}:\n${timings.map((t) => `        ${t}`).join('\n')}`);
  });

  it('a killed server: every operation is IO within about timeoutMs, and the same store works once it is back', async () => {
    const srv = await server();
    const s = await store(srv.url);
    const a = blob('a');
    await s.putMany([a]);
    await srv.kill();
    // Every kind of operation, all at once.
    const [first] = await Promise.all([
      timedIo(() => s.getMany([a.key])),
      timedIo(() => s.putMany([blob('b')])),
      timedIo(() => s.hasMany([a.key])),
      timedIo(() => s.setRoot('r', a.key)),
      timedIo(() => collect(s)),
      timedIo(async () => s.sweeps!.begin()),
    ]);
    // One waiting while the server comes back rides through the restart.
    const waiting = s.putMany([a]);
    await srv.start();
    expect(await waiting).to.deep.equal([true]);
    await srv.kill();
    await srv.start();
    const back = await untilItWorks(() => s.getMany([a.key]));
    // Its data went with it (no persistence in the tests): written again, read again.
    expect(await s.putMany([a, a])).to.deep.equal([true, false]);
    expect((await s.getMany([a.key]))[0]).to.not.equal(undefined);
    timings.push(`killed: IO after ${Math.round(first)} ms; works ${Math.round(back)} ms after the restarted server answers`);
  });

  it('a frozen server (SIGSTOP): IO within about timeoutMs, and the same store works at once after SIGCONT', async () => {
    const srv = await server();
    const s = await store(srv.url);
    const a = blob('a');
    await s.putMany([a]);
    srv.freeze();
    try {
      const [first] = await Promise.all([
        timedIo(() => s.getMany([a.key])),
        timedIo(() => s.putMany([blob('b')])),
        timedIo(() => s.listRoots()),
      ]);
      srv.thaw();
      const back = await untilItWorks(() => s.getMany([a.key]));
      expect((await s.getMany([a.key]))[0]).to.not.equal(undefined);
      timings.push(`frozen: IO after ${Math.round(first)} ms; works ${Math.round(back)} ms after SIGCONT`);
    } finally {
      srv.thaw();
    }
  });

  it('a mute server that accepts and never answers: connect and operations are IO; the store works once a real server is back', async () => {
    const srv = await server();
    const s = await store(srv.url);
    const a = blob('a');
    await s.putMany([a]);
    await srv.kill();
    const mute = await muteServer(srv.port);
    let first: number;
    try {
      [first] = await Promise.all([timedIo(() => s.getMany([a.key])), timedIo(() => s.putMany([a]))]);
      const e = await expectError(RedisBlobStore.connect({ url: srv.url, timeoutMs: TIMEOUT_MS }), 'IO');
      expect(e.message).to.contain(`127.0.0.1:${srv.port}`).and.contain(`no answer within ${TIMEOUT_MS} ms`);
    } finally {
      await mute.close();
    }
    await srv.start();
    const back = await untilItWorks(() => s.putMany([a]));
    timings.push(`mute: IO after ${Math.round(first)} ms; works ${Math.round(back)} ms after a real server answers`);
  });

  it('close() resolves at once on a dead or frozen server', async () => {
    const dead = await server();
    const s1 = await RedisBlobStore.connect({ url: dead.url, timeoutMs: 60_000 });
    await dead.kill();
    let started = performance.now();
    await s1.close();
    const deadMs = performance.now() - started;
    expect(deadMs).to.be.lessThan(1000);
    const frozen = await server();
    const s2 = await RedisBlobStore.connect({ url: frozen.url, timeoutMs: 60_000 });
    frozen.freeze();
    try {
      started = performance.now();
      await s2.close();
      expect(performance.now() - started).to.be.lessThan(1000);
    } finally {
      frozen.thaw();
    }
    timings.push(`close() on a killed server: ${Math.round(deadMs)} ms`);
  });

  it('bounds every operation on a client passed in, whatever its own retry and queue options', async () => {
    const srv = await server();
    const client = new Redis(srv.url);
    // The caller's client: its errors are the caller's to watch (here: the refused reconnections).
    client.on('error', () => undefined);
    try {
      const s = await RedisBlobStore.connect({ client, timeoutMs: TIMEOUT_MS });
      stores.push(s);
      const a = blob('a');
      await s.putMany([a]);
      srv.freeze();
      await timedIo(() => s.getMany([a.key]));
      srv.thaw();
      await untilItWorks(() => s.getMany([a.key]));
      await srv.kill();
      await timedIo(() => s.getMany([a.key]));
    } finally {
      srv.thaw();
      client.disconnect();
    }
  });

  it('a blob key holding another Redis type is CORRUPT naming the key, not NOT_FOUND or a dedup hit', async () => {
    const srv = await server();
    const s = await store(srv.url);
    const raw = new Redis(srv.url);
    try {
      const a = blob('a');
      const name = s.redisKeyOf(a.key);
      await raw.hset(name, 'not', 'a blob');
      const ops = [
        () => s.getMany([a.key]),
        () => s.hasMany([a.key]),
        () => s.putMany([a]),
        () => s.setRoot('r', a.key),
        async () => s.sweeps!.touch([a.key]),
      ];
      for (const op of ops) {
        const e = await expectError(op(), 'CORRUPT');
        expect(e.message).to.contain(name);
      }
      // A gc may still free it: not a blob record, so no data bytes.
      expect(await s.deleteMany([a.key])).to.equal(0);
      expect(await raw.exists(name)).to.equal(0);
    } finally {
      raw.disconnect();
    }
  });

  it('without ioredis installed, connect is IO saying to install it', async () => {
    const out = await runNode([fileURLToPath(new URL('../../fixtures/redis-without-ioredis.js', import.meta.url))]);
    const { code, message } = JSON.parse(out.trim()) as { code: string; message: string };
    expect(code).to.equal('IO');
    expect(message).to.contain('npm install ioredis');
  });

  it("a dead cluster master: IO within about timeoutMs where it is needed, the other masters' blobs stay readable, and it is used again once back", async () => {
    cluster = await startRedisCluster();
    // Three masters on one machine answer a batch more slowly than one server: a longer bound.
    const timeoutMs = Math.max(TIMEOUT_MS, 2000);
    const bound = 3 * timeoutMs + 1000;
    const s = await RedisBlobStore.connect({ cluster: cluster.urls, timeoutMs });
    stores.push(s);
    const blobs = Array.from({ length: 300 }, (_, i) => blob(`spread ${i}`));
    await s.putMany(blobs);
    const victim = cluster.nodes[1]!;
    const direct = new Redis(victim.url);
    const onVictim = new Set((await direct.keys(`${s.prefix}b:*`)).map((k) => k.slice(-32)));
    direct.disconnect();
    const dead = blobs.filter((b) => onVictim.has(b.key));
    const alive = blobs.filter((b) => !onVictim.has(b.key));
    expect(dead.length).to.be.greaterThan(0);
    await victim.kill();
    const first = await timedIo(() => s.getMany(dead.slice(0, 3).map((b) => b.key)), bound);
    const got = await s.getMany(alive.map((b) => b.key));
    expect(got.every((b) => b !== undefined)).to.equal(true);
    expect(await s.hasMany(alive.map((b) => b.key))).to.deep.equal(alive.map(() => true));
    // Listing every key needs every master.
    await timedIo(() => collect(s), bound);
    await victim.start();
    const back = await untilItWorks(() => s.getMany(dead.map((b) => b.key)));
    // Its data went with it (no persistence in the tests): written again (once it takes writes), read again.
    await untilItWorks(() => s.putMany(dead));
    expect((await s.getMany(blobs.map((b) => b.key))).every((b) => b !== undefined)).to.equal(true);
    expect((await collect(s)).length).to.equal(blobs.length);
    timings.push(`dead cluster master: IO after ${Math.round(first)} ms; works ${Math.round(back)} ms after it restarts`);
  });
});

import { expect } from 'chai';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { computeKey, type DataKey, PagableArc, PagableError, RedisPagableStorage } from '../../src/index.js';
import { encodeBlobRecord } from '../../src/blobstore/blob-record.js';
import { buildGraph } from '../fixtures/lmdb-graph.js';
import { loadSummary, type GraphSummary } from '../fixtures/redis-peer.js';
import { type RedisServer, startRedisServer } from '../fixtures/redis-server.js';
import { runNode } from '../support/node-process.js';
import { samplePackage, storageConformance, testingModels } from '../../src/testing/index.js';
import { Dep } from '../support/models.js';

/** The conformance kit's sample graph and its classes. */
const { Module, Package } = testingModels;
import { expectError } from '../support/expect-error.js';
import { allBlobsOf, isSchemaBlob, schemaBlobsOf } from '../support/schema-blobs.js';

const PEER = fileURLToPath(new URL('../fixtures/redis-peer.js', import.meta.url));

/** Runs the peer fixture; resolves with its stdout lines once it exits 0. */
async function runPeer(...args: string[]): Promise<Map<string, string>> {
  const out = await runNode([PEER, ...args]);
  const lines = new Map<string, string>();
  for (const l of out.split('\n')) {
    const sp = l.indexOf(' ');
    if (sp > 0) lines.set(l.slice(0, sp), l.slice(sp + 1));
  }
  return lines;
}

describe('redis storage', function () {
  this.timeout(60_000);
  let server: RedisServer;
  let raw: Redis;
  let n = 0;
  /** A prefix no other test uses, so tests never see each other's blobs. */
  const freshPrefix = (): string => `t${process.pid}-${++n}:`;
  const open: RedisPagableStorage[] = [];
  /** A storage on the test server, closed after the test. */
  async function connect(prefix: string, more: { verify?: boolean } = {}): Promise<RedisPagableStorage> {
    const s = await RedisPagableStorage.connect({ url: server.url, prefix, ...more });
    open.push(s);
    return s;
  }

  before(async () => {
    server = await startRedisServer();
    raw = new Redis(server.url);
  });
  afterEach(async () => {
    for (const s of open.splice(0)) await s.close();
  });
  after(async () => {
    raw?.disconnect();
    await server?.stop();
  });

  storageConformance({
    name: 'redis',
    syncFetch: false,
    create: (options) => RedisPagableStorage.connect({ ...options, url: server.url, prefix: freshPrefix() }),
  });

  describe('layout', () => {
    it('keeps blobs at <prefix>b:<hex key> as blob records and roots in the hash <prefix>roots', async () => {
      const prefix = freshPrefix();
      const s = await connect(prefix);
      const child = await s.storeData({ data: new Uint8Array([1]), arcs: [] });
      const key = await s.storeData({ data: new Uint8Array([2, 3]), arcs: [child] });
      expect(s.redisKeyOf(key)).to.equal(`${prefix}b:${key}`);
      const value = await raw.getBuffer(`${prefix}b:${key}`);
      expect([...value!]).to.deep.equal([...encodeBlobRecord({ data: new Uint8Array([2, 3]), arcs: [child] })]);
      await s.setRoot('main', key);
      expect(await raw.hgetall(`${prefix}roots`)).to.deep.equal({ main: key });
      // Any root name is just a hash field, __proto__ included.
      await s.setRoot('__proto__', child);
      expect(await s.listRoots()).to.deep.equal([
        { name: '__proto__', key: child },
        { name: 'main', key },
      ]);
      expect(await s.getRoot('__proto__')).to.equal(child);
      const keys: DataKey[] = [];
      for await (const k of s.keys()) keys.push(k);
      expect(keys.sort()).to.deep.equal([child, key].sort());
    });

    it('lists and collects only its own prefix, glob characters included', async () => {
      const a = await connect(`glob*[x]:${n}:`);
      const b = await connect(`glob-other:${n}:`);
      // Unescaped, a's SCAN pattern glob*[x]:N:b:* would match this prefix too.
      const lookalike = await connect(`globQx:${n}:`);
      const ka = await a.save(Dep.of('a'));
      const kb = await b.save(Dep.of('b'));
      await lookalike.save(Dep.of('c'));
      const inA: DataKey[] = [];
      for await (const k of a.keys()) inA.push(k);
      // A Dep blob comes with its two schema blobs (its set, Dep's class schema).
      const schema = await schemaBlobsOf(a, ka);
      expect(inA.sort()).to.deep.equal([ka, ...schema].sort());
      // Nothing rooted under a's prefix: gc there frees a's blobs and nobody else's.
      const report = await a.gc();
      expect(report.freedBlobs).to.equal(3);
      expect((await b.load(Dep, kb)).name).to.equal('b');
      let left = 0;
      for await (const _ of lookalike.keys()) left++;
      expect(left).to.equal(3);
    });
  });

  describe('sharing', () => {
    it('two clients on one prefix share blobs: one saves, the other loads and pins lazy children', async () => {
      const prefix = freshPrefix();
      const writer = await connect(prefix);
      const reader = await connect(prefix);
      const key = await writer.save(samplePackage(writer));
      const back = await reader.load(Package, key);
      expect(back.name).to.equal('web');
      expect(back.main).to.equal(back.modules[0]!.imports[0]);
      expect(back.entry!.isPagedOut).to.equal(true);
      const pin = await back.entry!.pin();
      expect(pin.value).to.be.instanceOf(Module);
      expect(pin.value.path).to.equal('src/index.ts');
      expect(pin.value.imports[0]).to.equal(back.modules[0]!.imports[1]);
      pin.release();
    });

    it('two clients storing the same graph at once write each blob exactly once between them', async () => {
      const prefix = freshPrefix();
      const a = await connect(prefix);
      const b = await connect(prefix);
      const [ka, kb] = await Promise.all([a.save(buildGraph(3, a)), b.save(buildGraph(3, b))]);
      expect(ka).to.equal(kb);
      const sa = a.stats();
      const sb = b.stats();
      let stored = 0;
      for await (const _ of a.keys()) stored++;
      expect(sa.stores - sa.dedupHits + (sb.stores - sb.dedupHits)).to.equal(stored);
      expect(sa.blobs).to.equal(stored);
      expect(sb.blobs).to.equal(stored);
    });

    it('a second process loads what this one saved, and this one loads what it saved', async () => {
      const prefix = freshPrefix();
      const s = await connect(prefix);
      const key = await s.save(buildGraph(7, s));
      const expected: GraphSummary = await loadSummary(await connect(prefix), key);
      expect(expected.entryWasPagedOut).to.equal(true);
      expect(expected.mainShared).to.equal(true);
      const loaded = await runPeer(server.url, prefix, 'load', key);
      expect(JSON.parse(loaded.get('summary')!)).to.deep.equal(expected);
      // The other process read blobs only: it stored nothing.
      expect(JSON.parse(loaded.get('stats')!)).to.include({ stores: 0 });

      const saved = await runPeer(server.url, prefix, 'save', '8');
      const key8 = saved.get('key') as DataKey;
      const fresh = await connect(prefix);
      const got = await loadSummary(fresh, key8);
      expect(got.name).to.equal('pkg-8');
      expect(got.entry.imports).to.have.length(10);
      // Graph 8 shares its common deps with graph 7 in Redis: the peer's stats count them as dedup hits.
      expect(JSON.parse(saved.get('stats')!).dedupHits).to.be.greaterThan(0);
    });
  });

  describe('stats', () => {
    it('count the blobs this client wrote or read, and dedup hits against what Redis already holds', async () => {
      const prefix = freshPrefix();
      const a = await connect(prefix);
      const key = await a.save(samplePackage(a));
      const sa = a.stats();
      expect(sa.dedupHits).to.equal(0);
      expect(sa.blobs).to.equal(sa.stores);
      expect(sa.bytes).to.be.greaterThan(0);

      // A fresh client knows nothing yet, whatever the database holds.
      const b = await connect(prefix);
      expect(b.stats()).to.deep.equal({ blobs: 0, bytes: 0, stores: 0, dedupHits: 0, fetches: 0 });
      // Loading reads every eager blob; the lazy entry's subtree is not read until pinned.
      const back = await b.load(Package, key);
      const afterLoad = b.stats();
      expect(afterLoad.fetches).to.equal(afterLoad.blobs);
      expect(afterLoad.blobs).to.be.greaterThan(0).and.lessThan(sa.blobs);
      const pin = await back.entry!.pin();
      pin.release();
      const afterPin = b.stats();
      // Everything a wrote but the schema blobs: this process has them cached since a wrote them.
      let schemaBytes = 0;
      const schemaKeys = new Set<DataKey>();
      for (const k of await allBlobsOf(a, key)) {
        const blob = await a.fetchData(k);
        if (isSchemaBlob(blob.data)) {
          schemaKeys.add(k);
          schemaBytes += blob.data.length;
        }
      }
      expect(afterPin.blobs).to.equal(sa.blobs - schemaKeys.size);
      expect(afterPin.bytes).to.equal(sa.bytes - schemaBytes);

      // Saving the same graph from b: every store is a dedup hit (a wrote them), nothing new known.
      const c = await connect(prefix);
      expect(await c.save(samplePackage(c))).to.equal(key);
      const sc = c.stats();
      expect(sc.stores).to.equal(sa.stores);
      expect(sc.dedupHits).to.equal(sc.stores);
      expect(sc.blobs).to.equal(sa.blobs);
      expect(sc.bytes).to.equal(sa.bytes);
      expect(sc.fetches).to.equal(0);

      // Another prefix is another store: nothing is a dedup hit there.
      const d = await connect(freshPrefix());
      await d.save(samplePackage(d));
      expect(d.stats().dedupHits).to.equal(0);
    });
  });

  describe('errors', () => {
    it('pinSync of a paged-out arc is IO saying to use pin(), and pin() works', async () => {
      const s = await connect(freshPrefix());
      const arc = PagableArc.new(Dep.of('remote'), s);
      arc.unpin();
      await s.pageOutPending();
      expect(arc.isPagedOut).to.equal(true);
      const e = await expectError(() => arc.pinSync(), 'IO');
      expect(e.message).to.contain('pin()');
      await expectError(() => s.fetchDataSync(arc.dataKey!), 'IO');
      const pin = await arc.pin();
      expect(pin.value.name).to.equal('remote');
      pin.release();
    });

    it('a value overwritten in Redis is CORRUPT naming the key, unless verify is off', async () => {
      const prefix = freshPrefix();
      const s = await connect(prefix);
      const key = await s.save(Dep.of('honest'));
      const other = await s.fetchData(await s.save(Dep.of('forged')));
      await raw.set(`${prefix}b:${key}`, Buffer.from(encodeBlobRecord(other)));
      const reader = await connect(prefix);
      const e = await expectError(reader.load(Dep, key), 'CORRUPT');
      expect(e.message).to.contain(key);
      expect(e.message).to.contain(computeKey(other));
      // verify() of the store lists it too.
      expect((await reader.verify()).corrupt).to.deep.equal([key]);
      // Opting out trades the check for speed: the forged value comes back.
      const trusting = await connect(prefix, { verify: false });
      expect((await trusting.load(Dep, key)).name).to.equal('forged');
    });

    it('a value that is not a blob record is CORRUPT naming the key', async () => {
      const prefix = freshPrefix();
      const s = await connect(prefix);
      const key = await s.save(Dep.of('x', '1', [Dep.of('y')]));
      await raw.set(`${prefix}b:${key}`, Buffer.from([0x05, 1, 2, 3]));
      const e = await expectError((await connect(prefix)).load(Dep, key), 'CORRUPT');
      expect(e.message).to.contain(key);
    });

    it('an unreachable server is IO naming the url, without its password', async () => {
      const started = Date.now();
      const e = await expectError(RedisPagableStorage.connect({ url: 'redis://:hunter2@127.0.0.1:1/0' }), 'IO');
      expect(e.message).to.contain('127.0.0.1:1');
      expect(e.message).not.to.contain('hunter2');
      expect(Date.now() - started).to.be.lessThan(10_000);
    });

    it('a database the server lacks is IO naming the url, not a silent fallback to database 0', async () => {
      const e = await expectError(RedisPagableStorage.connect({ url: `${server.url}/99` }), 'IO');
      expect(e.message).to.contain(`${server.url}/99`);
    });

    it('a malformed root in the hash is CORRUPT naming the root', async () => {
      const prefix = freshPrefix();
      const s = await connect(prefix);
      await raw.hset(`${prefix}roots`, 'bad', 'not-a-key');
      const e = await expectError(s.getRoot('bad'), 'CORRUPT');
      expect(e.message).to.contain('"bad"');
    });
  });

  describe('connections', () => {
    it('close() leaves a client passed in open and ends one it created', async () => {
      const mine = new Redis(server.url);
      try {
        const s = await RedisPagableStorage.connect({ client: mine, prefix: freshPrefix() });
        const key = await s.save(Dep.of('via-client'));
        await s.close();
        expect(mine.status).to.equal('ready');
        expect(await mine.exists(`${s.prefix}b:${key}`)).to.equal(1);
        await expectError(s.fetchData(key), 'STORAGE_CLOSED');
      } finally {
        mine.disconnect();
      }
      const owned = await RedisPagableStorage.connect({ url: server.url, prefix: freshPrefix() });
      await owned.close();
      // Its connection is gone: nothing keeps the process alive, fetches are STORAGE_CLOSED.
      await expectError(owned.fetchData('0123456789abcdef0123456789abcdef'), 'STORAGE_CLOSED');
    });

    it('connects a lazyConnect client passed in', async () => {
      const lazy = new Redis(server.url, { lazyConnect: true });
      try {
        const s = await RedisPagableStorage.connect({ client: lazy, prefix: freshPrefix() });
        expect((await s.load(Dep, await s.save(Dep.of('lazy')))).name).to.equal('lazy');
        await s.close();
      } finally {
        lazy.disconnect();
      }
    });

    it('works through a client with an ioredis keyPrefix', async () => {
      const prefixed = new Redis(server.url, { keyPrefix: `kp${n}:` });
      try {
        const s = await RedisPagableStorage.connect({ client: prefixed, prefix: 'p:' });
        const kept = await s.save(Dep.of('kept'));
        const dropped = await s.save(Dep.of('dropped'));
        await s.setRoot('main', kept);
        expect(await raw.exists(`kp${n}:p:b:${kept}`)).to.equal(1);
        const keys: DataKey[] = [];
        for await (const k of s.keys()) keys.push(k);
        // Both Dep blobs share their two schema blobs (a set, Dep's class schema).
        expect(keys.sort()).to.deep.equal([kept, dropped, ...(await schemaBlobsOf(s, kept))].sort());
        expect((await s.gc()).freedBlobs).to.equal(1);
        expect((await s.load(Dep, kept)).name).to.equal('kept');
        await s.close();
      } finally {
        prefixed.disconnect();
      }
    });

    it('refuses url and client together', async () => {
      const c = new Redis(server.url, { lazyConnect: true });
      await expectError(RedisPagableStorage.connect({ url: server.url, client: c }), 'IO');
      c.disconnect();
    });

    it('falls back to pipelined SET NX where the server refuses scripts', async () => {
      await raw.call('ACL', 'SETUSER', 'noscripts', 'on', '>secret', '~*', '+@all', '-@scripting');
      const prefix = freshPrefix();
      const url = `redis://noscripts:secret@127.0.0.1:${server.port}`;
      const a = await RedisPagableStorage.connect({ url, prefix });
      open.push(a);
      const key = await a.save(samplePackage(a));
      const b = await RedisPagableStorage.connect({ url, prefix });
      open.push(b);
      expect(await b.save(samplePackage(b))).to.equal(key);
      expect(a.stats().dedupHits).to.equal(0);
      expect(b.stats().dedupHits).to.equal(b.stats().stores);
      expect((await (await connect(prefix)).load(Package, key)).name).to.equal('web');
    });

    it('pages out and in a graph with many lazy arcs in few round trips', async () => {
      const s = await connect(freshPrefix());
      const arcs = Array.from({ length: 2_000 }, (_, i) => PagableArc.new(Dep.of(`d${i}`), s));
      for (const a of arcs) a.unpin();
      const report = await s.pageOutPending();
      expect(report.pagedOut).to.equal(2_000);
      const pins = await Promise.all(arcs.map((a) => a.pin()));
      expect(pins.map((p) => p.value.name)).to.deep.equal(arcs.map((_, i) => `d${i}`));
      for (const p of pins) p.release();
      expect(PagableError.is(await s.fetchData('0123456789abcdef0123456789abcdef').catch((e: unknown) => e), 'NOT_FOUND')).to.equal(true);
    });
  });
});

import { expect } from 'chai';
import { Cluster, Redis } from 'ioredis';
import { computeKey, type DataKey, type PagableData } from '../../../src/index.js';
import { encodeBlobRecord } from '../../../src/blobstore/blob-record.js';
import type { BlobEntry } from '../../../src/blobstore/interface.js';
import { RedisBlobStore, type RedisBlobStoreOptions } from '../../../src/blobstore/redis/redis-blob-store.js';
import { type RedisCluster, startRedisCluster } from '../../fixtures/redis-cluster.js';
import { type RedisProcess, startRedisProcess } from '../../fixtures/redis-process.js';
import { expectError } from '../../support/expect-error.js';

/** A blob of `text` with `arcs` children, keyed as the runtime keys it. */
function blob(text: string, arcs: DataKey[] = []): BlobEntry {
  const data: PagableData = { data: new TextEncoder().encode(text), arcs };
  return { key: computeKey(data), data };
}

const text = (b: PagableData | undefined): string | undefined => (b === undefined ? undefined : new TextDecoder().decode(b.data));

async function allKeys(s: RedisBlobStore): Promise<DataKey[]> {
  const out: DataKey[] = [];
  for await (const k of s.keys()) out.push(k);
  return out.sort();
}

/**
 * A minimal gc over a store's SweepGuard, as the paging runtime runs one: mark from the roots and
 * from what was recorded, then delete every unmarked key as one batch (all or nothing), retrying
 * after marking what was recorded meanwhile. The blobs freed.
 */
async function sweep(s: RedisBlobStore): Promise<number> {
  const guard = s.sweeps!;
  let seq = await guard.begin();
  try {
    const live = new Set<DataKey>();
    const mark = async (from: readonly DataKey[]): Promise<void> => {
      let frontier = [...new Set(from)].filter((k) => !live.has(k));
      while (frontier.length > 0) {
        for (const k of frontier) live.add(k);
        const next = new Set<DataKey>();
        for (const b of await s.getMany(frontier)) for (const c of b?.arcs ?? []) if (!live.has(c)) next.add(c);
        frontier = [...next];
      }
    };
    await mark((await s.listRoots()).map((r) => r.key));
    let candidates = (await allKeys(s)).filter((k) => !live.has(k));
    for (;;) {
      const t = await guard.touchedSince(seq);
      seq = t.seq;
      await mark(t.keys);
      candidates = candidates.filter((k) => !live.has(k));
      if (candidates.length === 0) return 0;
      if ((await guard.deleteIfUntouched(candidates, seq)) !== undefined) return candidates.length;
    }
  } finally {
    await guard.end();
  }
}

for (const mode of ['single server', '3-master cluster'] as const) {
  describe(`redis blob store on a ${mode}`, function () {
    this.timeout(60_000);
    const onCluster = mode === '3-master cluster';
    let server: RedisProcess | undefined;
    let cluster: RedisCluster | undefined;
    /** A plain client on the same server(s), to look behind the store's back. */
    let raw: Redis | Cluster;
    let n = 0;
    /** A prefix no other test uses, so tests never see each other's blobs. */
    const freshPrefix = (): string => `t${process.pid}-${++n}:`;
    const open: RedisBlobStore[] = [];
    const where = (): RedisBlobStoreOptions => (onCluster ? { cluster: cluster!.urls } : { url: server!.url });
    async function connect(prefix = freshPrefix(), more: RedisBlobStoreOptions = {}): Promise<RedisBlobStore> {
      const s = await RedisBlobStore.connect({ ...where(), prefix, timeoutMs: 3000, ...more });
      open.push(s);
      return s;
    }

    before(async () => {
      if (onCluster) {
        cluster = await startRedisCluster();
        raw = new Cluster(cluster.urls);
      } else {
        server = await startRedisProcess();
        raw = new Redis(server.url);
      }
    });
    afterEach(async () => {
      for (const s of open.splice(0)) await s.close();
    });
    after(async () => {
      raw?.disconnect();
      await server?.stop();
      await cluster?.stop();
    });

    describe('blobs', () => {
      it('writes a blob only where absent: true where this call wrote it, a key repeated in a batch written once', async () => {
        const s = await connect();
        const a = blob('a');
        const b = blob('b', [a.key]);
        expect(await s.putMany([a, b, a])).to.deep.equal([true, true, false]);
        expect(await s.putMany([b, a])).to.deep.equal([false, false]);
        // Never overwritten, whatever the second writer holds under the key.
        const forged: BlobEntry = { key: a.key, data: { data: new Uint8Array([9, 9]), arcs: [] } };
        expect(await s.putMany([forged])).to.deep.equal([false]);
        const [got] = await s.getMany([a.key]);
        expect(text(got)).to.equal('a');
        expect(await s.putMany([])).to.deep.equal([]);
      });

      it('reads batches in order, undefined where absent, and tells presence', async () => {
        const s = await connect();
        const blobs = Array.from({ length: 3000 }, (_, i) => blob(`blob ${i}`, i > 0 ? [blob(`blob ${i - 1}`).key] : []));
        expect((await s.putMany(blobs)).every(Boolean)).to.equal(true);
        const absent = blob('never stored').key;
        const asked = [absent, ...blobs.map((b) => b.key).reverse(), absent];
        const got = await s.getMany(asked);
        expect(got[0]).to.equal(undefined);
        expect(got[got.length - 1]).to.equal(undefined);
        expect(got.slice(1, -1).map(text)).to.deep.equal(blobs.map((_, i) => `blob ${i}`).reverse());
        expect(got[1]!.arcs).to.deep.equal([blob('blob 2998').key]);
        expect(await s.hasMany([blobs[5]!.key, absent, blobs[7]!.key])).to.deep.equal([true, false, true]);
        expect(await s.getMany([])).to.deep.equal([]);
        if (onCluster) {
          // Spread by their own keys: every master holds some of them.
          for (const node of cluster!.nodes) {
            const direct = new Redis(node.url);
            try {
              const [, found] = await direct.scan('0', 'MATCH', `${s.prefix}b:*`, 'COUNT', 10_000);
              expect(found.length, `blobs on ${node.url}`).to.be.greaterThan(0);
            } finally {
              direct.disconnect();
            }
          }
        }
      });

      it('keeps blobs at <prefix>b:<hex key> as blob records and roots in the hash <prefix>roots', async () => {
        const prefix = freshPrefix();
        const s = await connect(prefix);
        const child = blob('child');
        const parent = blob('parent', [child.key]);
        await s.putMany([child, parent]);
        expect(s.redisKeyOf(parent.key)).to.equal(`${prefix}b:${parent.key}`);
        const value = await raw.getBuffer(`${prefix}b:${parent.key}`);
        expect([...value!]).to.deep.equal([...encodeBlobRecord(parent.data)]);
        expect(await s.setRoot('main', parent.key)).to.equal(true);
        expect(await raw.hgetall(`${prefix}roots`)).to.deep.equal({ main: parent.key });
      });

      it('lists its own keys once each, and only those of its prefix (glob characters included)', async () => {
        const a = await connect(`glob*[x]:${n}:`);
        const b = await connect(`glob-other:${n}:`);
        // Unescaped, a's SCAN pattern glob*[x]:N:b:* would match this prefix too.
        const lookalike = await connect(`globQx:${n}:`);
        const inA = Array.from({ length: 50 }, (_, i) => blob(`a${i}`));
        await a.putMany(inA);
        await b.putMany([blob('b')]);
        await lookalike.putMany([blob('c')]);
        expect(await allKeys(a)).to.deep.equal(inA.map((x) => x.key).sort());
        expect(await allKeys(b)).to.deep.equal([blob('b').key]);
        // Same blob, other prefix: another store.
        expect(await b.hasMany([inA[0]!.key])).to.deep.equal([false]);
      });

      it('deletes blobs and counts the data bytes it freed; absent keys and malformed records count 0', async () => {
        const prefix = freshPrefix();
        const s = await connect(prefix);
        const x = blob('12345');
        const y = blob('678', [x.key]);
        const z = blob('gone');
        await s.putMany([x, y, z]);
        expect(await s.deleteMany([x.key, y.key, blob('absent').key])).to.equal(8);
        expect(await s.getMany([x.key, y.key, z.key]).then((r) => r.map(text))).to.deep.equal([undefined, undefined, 'gone']);
        await raw.set(`${prefix}b:${z.key}`, Buffer.from([0x05, 1, 2]));
        expect(await s.deleteMany([z.key])).to.equal(0);
        expect(await s.hasMany([z.key])).to.deep.equal([false]);
        expect(await s.deleteMany([])).to.equal(0);
      });
    });

    describe('roots', () => {
      it('names present blobs only, and reads, lists and deletes roots', async () => {
        const s = await connect();
        const a = blob('rooted');
        await s.putMany([a]);
        expect(await s.setRoot('main', blob('absent').key)).to.equal(false);
        expect(await s.getRoot('main')).to.equal(undefined);
        expect(await s.setRoot('main', a.key)).to.equal(true);
        // Any root name is just a hash field, __proto__ included.
        expect(await s.setRoot('__proto__', a.key)).to.equal(true);
        expect(await s.getRoot('main')).to.equal(a.key);
        expect((await s.listRoots()).sort((p, q) => p.name.localeCompare(q.name))).to.deep.equal([
          { name: '__proto__', key: a.key },
          { name: 'main', key: a.key },
        ]);
        expect(await s.deleteRoot('main')).to.equal(true);
        expect(await s.deleteRoot('main')).to.equal(false);
        expect(await s.listRoots()).to.deep.equal([{ name: '__proto__', key: a.key }]);
      });

      it('a malformed root in the hash is CORRUPT naming the root', async () => {
        const prefix = freshPrefix();
        const s = await connect(prefix);
        await raw.hset(`${prefix}roots`, 'bad', 'not-a-key');
        const e = await expectError(s.getRoot('bad'), 'CORRUPT');
        expect(e.message).to.contain('"bad"');
        await expectError(s.listRoots(), 'CORRUPT');
      });

      it('a roots key of another Redis type is CORRUPT naming it, for every root operation', async () => {
        const prefix = freshPrefix();
        const s = await connect(prefix);
        const a = blob('rooted');
        await s.putMany([a]);
        await raw.set(`${prefix}roots`, 'not a hash');
        const ops = [() => s.getRoot('main'), () => s.setRoot('main', a.key), () => s.deleteRoot('main'), () => s.listRoots()];
        for (const op of ops) {
          const e = await expectError(op(), 'CORRUPT');
          expect(e.message).to.contain(`${prefix}roots`);
        }
      });

      it('names are WTF-8 bytes: roots written as UTF-8 strings read the same, a field of other bytes is CORRUPT', async () => {
        const prefix = freshPrefix();
        const s = await connect(prefix);
        const a = blob('rooted');
        await s.putMany([a]);
        // As a store written before names were WTF-8 (ioredis writes a string as UTF-8) holds them.
        await raw.hset(`${prefix}roots`, 'ünïcode ✓ 😀', a.key);
        expect(await s.getRoot('ünïcode ✓ 😀')).to.equal(a.key);
        expect(await s.setRoot('\uD83D', a.key)).to.equal(true);
        expect((await s.listRoots()).map((r) => r.name).sort()).to.deep.equal(['ünïcode ✓ 😀', '\uD83D']);
        expect(await raw.hget(`${prefix}roots`, 'ünïcode ✓ 😀')).to.equal(a.key);
        expect(await raw.hexists(`${prefix}roots`, Buffer.from([0xed, 0xa0, 0xbd]))).to.equal(1);
        // A surrogate pair as two 3-byte sequences is not the WTF-8 of any name.
        await raw.hset(`${prefix}roots`, Buffer.from([0xed, 0xa0, 0xbd, 0xed, 0xb8, 0x80]), a.key);
        await expectError(s.listRoots(), 'CORRUPT');
      });
    });

    describe('sweeps', () => {
      it('records what another client writes, finds, touches or roots while a sweep is open, and deletes all of a batch or nothing', async () => {
        const prefix = freshPrefix();
        const gc = await connect(prefix);
        const other = await connect(prefix);
        const old = blob('old');
        const garbage = [blob('g1'), blob('g2')];
        await other.putMany([old, ...garbage]);
        const seq = await gc.sweeps!.begin();
        try {
          const fresh = blob('fresh');
          await other.putMany([fresh, old]);
          expect((await gc.sweeps!.touchedSince(seq)).keys.sort()).to.deep.equal([fresh.key, old.key].sort());
          // Something was recorded after seq: nothing of the batch goes.
          expect(await gc.sweeps!.deleteIfUntouched([...garbage.map((g) => g.key), old.key], seq)).to.equal(undefined);
          expect(await other.hasMany([old.key, ...garbage.map((g) => g.key)])).to.deep.equal([true, true, true]);

          const t = await gc.sweeps!.touchedSince(seq);
          expect(await other.sweeps!.touch([garbage[0]!.key, blob('absent').key])).to.deep.equal([true, false]);
          const t2 = await gc.sweeps!.touchedSince(t.seq);
          expect(t2.keys).to.deep.equal([garbage[0]!.key]);
          expect(await other.setRoot('r', old.key)).to.equal(true);
          const t3 = await gc.sweeps!.touchedSince(t2.seq);
          expect(t3.keys).to.deep.equal([old.key]);
          // Nothing since t3: the batch goes, and its data bytes are counted.
          expect(await gc.sweeps!.deleteIfUntouched([garbage[1]!.key], t3.seq)).to.equal(2);
          expect(await other.hasMany([garbage[1]!.key])).to.deep.equal([false]);
        } finally {
          await gc.sweeps!.end();
        }
        // Closed: writes are no longer recorded, and the next sweep starts from a clean slate.
        const after = blob('after');
        await other.putMany([after]);
        const seq2 = await gc.sweeps!.begin();
        try {
          expect((await gc.sweeps!.touchedSince(seq2)).keys).to.deep.equal([]);
        } finally {
          await gc.sweeps!.end();
        }
      });

      it('a sweep holds a lease, so a gc that dies does not leave writers recording for ever', async () => {
        const prefix = freshPrefix();
        const gc = await connect(prefix);
        await gc.sweeps!.begin();
        try {
          const ttl = await raw.pttl(`{${prefix}roots}:sweeps`);
          expect(ttl).to.be.greaterThan(0).and.at.most(30_000);
        } finally {
          await gc.sweeps!.end();
        }
        expect(await raw.exists(`{${prefix}roots}:sweeps`)).to.equal(0);
      });

      it('a gc sweeping again and again while another client saves and roots chains: every rooted chain stays whole', async () => {
        const prefix = freshPrefix();
        const gc = await connect(prefix);
        const writer = await connect(prefix);
        let done = false;
        let freed = 0;
        const acked: string[] = [];
        const writing = (async () => {
          try {
            for (let i = 0; i < 120; i++) {
              const leaf = blob(`leaf ${i}`);
              const mid = blob(`mid ${i}`, [leaf.key]);
              const top = blob(`top ${i}`, [mid.key, leaf.key]);
              await writer.putMany([leaf, blob(`garbage ${i}`)]);
              await writer.putMany([mid]);
              await writer.putMany([top]);
              if (await writer.setRoot(`r${i}`, top.key)) acked.push(`r${i}`);
            }
          } finally {
            done = true;
          }
        })();
        while (!done) freed += await sweep(gc);
        await writing;
        freed += await sweep(gc);
        expect(freed).to.be.greaterThan(0);
        expect(acked.length).to.be.greaterThan(0);
        const roots = await gc.listRoots();
        expect(roots.map((r) => r.name).sort()).to.deep.equal([...acked].sort());
        for (const r of roots) {
          const [top] = await gc.getMany([r.key]);
          const [mid, leaf] = await gc.getMany(top!.arcs);
          expect(text(mid), r.name).to.match(/^mid /);
          expect(text(leaf), r.name).to.match(/^leaf /);
          expect(await gc.getMany(mid!.arcs).then((x) => x.map(text))).to.deep.equal([text(leaf)]);
        }
        // Only what the roots reach is left.
        expect((await allKeys(gc)).length).to.equal(roots.length * 3);
      });
    });

    describe('connections', () => {
      it('uses a client passed in and leaves it open on close', async () => {
        const mine = onCluster ? new Cluster(cluster!.urls) : new Redis(server!.url);
        try {
          const s = await RedisBlobStore.connect({ client: mine, prefix: freshPrefix() });
          expect(s.isCluster).to.equal(onCluster);
          const a = blob('via client');
          await s.putMany([a]);
          await s.close();
          expect(mine.status).to.equal('ready');
          expect(await mine.exists(s.redisKeyOf(a.key))).to.equal(1);
          await expectError(s.getMany([a.key]), 'STORAGE_CLOSED');
        } finally {
          mine.disconnect();
        }
      });

      it('works through a client with an ioredis keyPrefix, sweeps included', async () => {
        const keyPrefix = `kp${n}:`;
        const prefixed = onCluster ? new Cluster(cluster!.urls, { keyPrefix }) : new Redis(server!.url, { keyPrefix });
        try {
          const s = await RedisBlobStore.connect({ client: prefixed, prefix: 'p:' });
          const kept = blob('kept');
          const dropped = blob('dropped');
          await s.putMany([kept, dropped]);
          expect(await s.setRoot('main', kept.key)).to.equal(true);
          expect(await raw.exists(`${keyPrefix}p:b:${kept.key}`)).to.equal(1);
          expect(await allKeys(s)).to.deep.equal([kept.key, dropped.key].sort());
          const seq = await s.sweeps!.begin();
          try {
            await s.putMany([kept]);
            expect((await s.sweeps!.touchedSince(seq)).keys).to.deep.equal([kept.key]);
          } finally {
            await s.sweeps!.end();
          }
          expect(await sweep(s)).to.equal(1);
          expect(await allKeys(s)).to.deep.equal([kept.key]);
          await s.close();
        } finally {
          prefixed.disconnect();
        }
      });

      it('ends a connection it made on close; then every operation is STORAGE_CLOSED', async () => {
        const s = await RedisBlobStore.connect({ ...where(), prefix: freshPrefix() });
        await s.close();
        expect(s.client.status).to.equal('end');
        await expectError(s.putMany([blob('x')]), 'STORAGE_CLOSED');
        await expectError(s.getRoot('x'), 'STORAGE_CLOSED');
        await expectError(allKeys(s), 'STORAGE_CLOSED');
      });
    });

    if (onCluster) {
      it("a blob a dead gc set aside is still read, seen absent by writers, and put back by the next gc; a live sweep's is left alone", async () => {
        const prefix = freshPrefix();
        const s = await connect(prefix);
        const dead = blob('set aside by a dead gc');
        const live = blob('set aside by a live gc');
        await s.putMany([dead, live]);
        const aside = `{${prefix}roots}:aside`;
        const setAside = async (b: BlobEntry, token: string): Promise<void> => {
          await raw.hset(aside, b.key, `${token}:${Date.now()}`);
          await raw.rename(`${prefix}b:${b.key}`, `{${prefix}b:${b.key}}:gone`);
        };
        await raw.zadd(`{${prefix}roots}:sweeps`, Date.now() + 60_000, 'live-token');
        await setAside(dead, 'dead-token');
        await setAside(live, 'live-token');
        expect((await s.getMany([dead.key, live.key])).map(text)).to.deep.equal([text(dead.data), text(live.data)]);
        expect(await s.hasMany([dead.key, live.key])).to.deep.equal([false, false]);
        await s.sweeps!.begin();
        await s.sweeps!.end();
        expect(await s.hasMany([dead.key, live.key])).to.deep.equal([true, false]);
        // The live sweep's registration stays for it to act on.
        expect(await raw.hkeys(aside)).to.include(live.key);
      });

      it('reads a blob that a gc puts back while the read is looking for it (missed neither as blob nor as tombstone)', async () => {
        const prefix = freshPrefix();
        const s = await connect(prefix);
        const b = blob('put back mid-read');
        await s.putMany([b]);
        // A gc has set the blob aside: the read's MGET answers nil...
        await raw.rename(`${prefix}b:${b.key}`, `{${prefix}b:${b.key}}:gone`);
        const client = s.client as Cluster;
        const mget = client.mgetBuffer.bind(client);
        let restored = false;
        client.mgetBuffer = (async (...names: string[]) => {
          const got = await mget(...names);
          if (!restored) {
            // ...and before the read looks further, the gc finds its batch touched and puts it back.
            restored = true;
            await raw.rename(`{${prefix}b:${b.key}}:gone`, `${prefix}b:${b.key}`);
          }
          return got;
        }) as typeof client.mgetBuffer;
        expect((await s.getMany([b.key])).map(text)).to.deep.equal([text(b.data)]);
        expect(restored).to.equal(true);
      });

      it('reads and writes on while a slot moves to another master (ASK, then MOVED)', async () => {
        const prefix = freshPrefix();
        const s = await connect(prefix);
        const slotOf = (await import('cluster-key-slot')).default;
        // Blobs of one slot, and others around them.
        const slot = slotOf(`${prefix}b:${blob('probe').key}`);
        const inSlot: BlobEntry[] = [];
        const others: BlobEntry[] = [];
        for (let i = 0; inSlot.length < 10; i++) {
          const b = blob(`resharded ${i}`);
          if (slotOf(`${prefix}b:${b.key}`) === slot) inSlot.push(b);
          else if (others.length < 100) others.push(b);
        }
        const [old, fresh] = [inSlot.slice(0, 6), inSlot.slice(6)];
        await s.putMany([...old, ...others]);
        const ids = await Promise.all(cluster!.nodes.map(async (_, i) => (await cluster!.cli(['cluster', 'myid'], i)).trim()));
        const owner = (await cluster!.cli(['cluster', 'nodes']))
          .split('\n')
          .find((line) =>
            line
              .split(' ')
              .slice(8)
              .some((range) => {
                const [lo, hi] = range.split('-').map(Number);
                return slot >= lo! && slot <= (hi ?? lo)!;
              }),
          )!
          .split(' ')[0]!;
        const src = ids.indexOf(owner);
        const dst = (src + 1) % ids.length;
        const migrate = async (count: number): Promise<void> => {
          const keys = (await cluster!.cli(['cluster', 'getkeysinslot', String(slot), String(count)], src)).split('\n').filter(Boolean);
          if (keys.length > 0)
            await cluster!.cli(['migrate', '127.0.0.1', String(cluster!.nodes[dst]!.port), '', '0', '5000', 'KEYS', ...keys], src);
        };
        await cluster!.cli(['cluster', 'setslot', String(slot), 'importing', ids[src]!], dst);
        await cluster!.cli(['cluster', 'setslot', String(slot), 'migrating', ids[dst]!], src);
        await migrate(3);
        // Half the slot on each node: multi-key commands get TRYAGAIN, single keys follow ASK.
        expect((await s.getMany(old.map((b) => b.key))).map(text)).to.deep.equal(old.map((b) => text(b.data)));
        expect(await s.hasMany(old.map((b) => b.key))).to.deep.equal(old.map(() => true));
        expect(await s.putMany([fresh[0]!, old[0]!, old[5]!])).to.deep.equal([true, false, false]);
        expect((await s.getMany(others.map((b) => b.key))).every((b) => b !== undefined)).to.equal(true);
        await migrate(100);
        for (let i = 0; i < ids.length; i++) await cluster!.cli(['cluster', 'setslot', String(slot), 'node', ids[dst]!], i);
        // Moved for good: MOVED, and the slot table is refreshed.
        expect(await s.putMany(fresh)).to.deep.equal([false, true, true, true]);
        expect((await s.getMany(inSlot.map((b) => b.key))).map(text)).to.deep.equal(inSlot.map((b) => text(b.data)));
        expect(await allKeys(s)).to.deep.equal([...inSlot, ...others].map((b) => b.key).sort());
      });
    } else {
      it('refuses what it cannot connect to: IO naming the url without its password, and no silent fallback to database 0', async () => {
        const e = await expectError(RedisBlobStore.connect({ url: 'redis://:hunter2@127.0.0.1:1/0' }), 'IO');
        expect(e.message).to.contain('127.0.0.1:1').and.contain('ECONNREFUSED').and.not.contain('hunter2');
        const db = await expectError(RedisBlobStore.connect({ url: `${server!.url}/99` }), 'IO');
        expect(db.message).to.contain(`${server!.url}/99`);
        await expectError(RedisBlobStore.connect({ url: server!.url, client: raw as Redis }), 'IO');
        await expectError(RedisBlobStore.connect({ url: server!.url, timeoutMs: -1 }), 'INVALID_ARGUMENT');
      });

      it('falls back to pipelined SET NX where the server refuses scripts, and offers no sweeps there', async () => {
        await raw.call('ACL', 'SETUSER', 'noscripts', 'on', '>secret', '~*', '+@all', '-@scripting');
        const prefix = freshPrefix();
        const url = `redis://noscripts:secret@127.0.0.1:${server!.port}`;
        const s = await RedisBlobStore.connect({ url, prefix });
        open.push(s);
        expect(s.sweeps).to.equal(undefined);
        const a = blob('a');
        const b = blob('b', [a.key]);
        expect(await s.putMany([a, b, a])).to.deep.equal([true, true, false]);
        expect(await s.hasMany([a.key, blob('x').key])).to.deep.equal([true, false]);
        expect(await s.setRoot('main', b.key)).to.equal(true);
        expect(await s.setRoot('none', blob('x').key)).to.equal(false);
        expect(await s.setRoot('\uD800', a.key)).to.equal(true);
        expect(await s.setRoot('\uDFFF', b.key)).to.equal(true);
        expect(await s.getRoot('\uD800')).to.equal(a.key);
        expect((await s.listRoots()).length).to.equal(3);
        expect(await s.deleteMany([a.key])).to.equal(1);
        expect(await (await connect(prefix)).getMany([b.key]).then((r) => r.map(text))).to.deep.equal(['b']);
      });
    }
  });
}

import { expect } from 'chai';
import { RedisPagableStorage } from '../../../src/index.js';
import { RedisBlobStore } from '../../../src/blobstore/redis/redis-blob-store.js';
import { type RedisServer, startRedisServer } from '../../fixtures/redis-server.js';
import { Page } from '../../support/documents.js';
import { pagable } from '../../support/cli-run.js';
import { expectError } from '../../support/expect-error.js';

/*
 * A Redis server whose maxmemory-policy evicts any key (allkeys-lru, allkeys-lfu, allkeys-random)
 * drops blobs of its choosing once it is full: a graph saved there is lost without a word. Such a
 * server is refused at connect, unless `allowEviction: true` says it is used as a cache. The
 * volatile-* policies never evict a blob (blobs have no TTL: a full server fails the write, IO).
 */
describe('Redis servers that evict keys', function () {
  this.timeout(60_000);
  const servers: RedisServer[] = [];
  const start = async (...args: string[]): Promise<RedisServer> => {
    const s = await startRedisServer(args);
    servers.push(s);
    return s;
  };
  after(async () => {
    await Promise.all(servers.map((s) => s.stop()));
  });

  it('allkeys-* policies are refused at connect, naming the server, the policy and the way out', async () => {
    for (const policy of ['allkeys-lru', 'allkeys-lfu', 'allkeys-random']) {
      const s = await start('--maxmemory', '2mb', '--maxmemory-policy', policy);
      const e = await expectError(RedisPagableStorage.connect({ url: s.url }), 'INVALID_ARGUMENT');
      expect(e.message).to.include(s.url).and.to.include(policy).and.to.include('allowEviction');
      await expectError(RedisBlobStore.connect({ url: s.url }), 'INVALID_ARGUMENT');
    }
  });

  it('a server refused by default is used as a cache with allowEviction: what it evicts reads as NOT_FOUND', async () => {
    const s = await start('--maxmemory', '2mb', '--maxmemory-policy', 'allkeys-lru');
    const storage = await RedisPagableStorage.connect({ url: s.url, prefix: 'cache:', allowEviction: true });
    try {
      const keys: string[] = [];
      for (let i = 0; i < 300; i++) keys.push(await storage.save(Object.assign(new Page(), { id: i, text: `page ${i} `.repeat(2000) })));
      // 300 pages of ~16 KB do not fit in 2 MB: the first ones were evicted.
      await expectError(storage.load(Page, keys[0]!), 'NOT_FOUND');
      expect((await storage.load(Page, keys[299]!)).id).to.equal(299);
    } finally {
      await storage.close();
    }
  });

  it('noeviction and the volatile-* policies connect, and a full server fails the write that does not fit with IO', async () => {
    for (const policy of ['noeviction', 'volatile-lru', 'volatile-ttl']) {
      const s = await start('--maxmemory', '2mb', '--maxmemory-policy', policy);
      const storage = await RedisPagableStorage.connect({ url: s.url });
      try {
        const keys: string[] = [];
        let failed: unknown;
        for (let i = 0; i < 300 && failed === undefined; i++) {
          try {
            keys.push(await storage.save(Object.assign(new Page(), { id: i, text: `page ${i} `.repeat(2000) })));
          } catch (e) {
            failed = e;
          }
        }
        expect(failed, policy).to.not.equal(undefined);
        await expectError(Promise.reject(failed), 'IO');
        for (let i = 0; i < keys.length; i++) expect((await storage.load(Page, keys[i]!)).id).to.equal(i);
      } finally {
        await storage.close();
      }
    }
  });

  it('the pagable command inspects such a server (it stores no graph)', async () => {
    const s = await start('--maxmemory', '2mb', '--maxmemory-policy', 'allkeys-lru');
    const storage = await RedisPagableStorage.connect({ url: s.url, allowEviction: true });
    const key = await storage.save(Object.assign(new Page(), { id: 7, text: 'seven' }));
    await storage.close();
    const r = await pagable('ls', s.url);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.include(key);
  });

  it('a server that does not let clients read its configuration (CONFIG renamed away) is not checked', async () => {
    const s = await start('--maxmemory', '2mb', '--maxmemory-policy', 'allkeys-lru', '--rename-command', 'CONFIG', '');
    const storage = await RedisPagableStorage.connect({ url: s.url });
    await storage.close();
  });
});

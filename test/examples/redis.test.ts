import { expect } from 'chai';
import { Redis } from 'ioredis';
import { type RedisCluster, startRedisCluster } from '../fixtures/redis-cluster.js';
import { type RedisServer, startRedisServer } from '../fixtures/redis-server.js';
import { runExample } from '../support/node-process.js';

/** Runs the compiled tutorial against `url` as a user would; resolves with its stdout. */
function runTutorial(url: string): Promise<string> {
  return runExample('04-shared-redis.js', [], { env: { ...process.env, PAGABLE_REDIS_URL: url } });
}

describe('examples on Redis', function () {
  this.timeout(60_000);
  let server: RedisServer;
  before(async () => {
    server = await startRedisServer();
  });
  after(async () => {
    await server?.stop();
  });

  it('04-shared-redis: two storages on one Redis share a graph, then tidy up', async () => {
    const out = await runTutorial(server.url);
    // 4 data blobs and 7 schema blobs (the writer's schema travels with the data: a schema set per
    // combination of classes a blob uses, a class schema per class).
    expect(out).to.match(/^worker A saved [0-9a-f]{32} as latest-build; 11 blobs written$/m);
    expect(out).to.contain('worker B loaded commit a1b2c3d with targets app, lib');
    expect(out).to.contain('toolchain restored shared: true');
    expect(out).to.contain('logs paged out until pinned: true');
    expect(out).to.contain('pinSync: IO, use pin()');
    expect(out).to.contain('app log: 500 lines, last: app: step 499 ok');
    expect(out).to.contain('B re-save: same key true, new blobs written 0');
    expect(out).to.contain('gc freed 11 blobs');
    expect(out.trim().endsWith('ok')).to.equal(true);
    // It leaves nothing behind in the database.
    const raw = new Redis(server.url);
    try {
      expect(await raw.dbsize()).to.equal(0);
    } finally {
      raw.disconnect();
    }
  });

  it('07-redis-cluster: a dataset spread over every master, loaded by another client, collected', async function () {
    this.timeout(120_000);
    let cluster: RedisCluster | undefined;
    try {
      cluster = await startRedisCluster(3);
      const nodes = cluster.urls.map((u) => u.slice('redis://'.length)).join(',');
      const out = await runExample('07-redis-cluster.js', [], { env: { ...process.env, PAGABLE_REDIS_CLUSTER: nodes } });
      expect(out).to.contain('saved 2005 blobs to a cluster: true'); // + 2 schema sets, 2 class schemas
      expect(out).to.contain('masters holding blobs: 3 of 3');
      expect(out).to.contain('loaded 2000 chunks, chunk 1999 intact: true');
      expect(out).to.contain('gc freed 2005 blobs');
      expect(out.trim().endsWith('ok')).to.equal(true);
    } finally {
      await cluster?.stop();
    }
  });

  it('09-tiered-cache: an LMDB cache in front of Redis fills on read, then serves alone', async () => {
    const out = await runExample('09-tiered-cache.js', [], { env: { ...process.env, PAGABLE_REDIS_URL: server.url } });
    expect(out).to.contain('CI saved 55 blobs to Redis'); // 51 + 2 schema sets, 2 class schemas
    expect(out).to.contain('developer loaded 50 artifacts through the tiers');
    // 51: the data blobs. The 4 schema blobs are known to this process already (CI saved them in it):
    // a page-in reads a schema set only the first time a process meets it.
    expect(out).to.contain('loaded again from the disk cache alone: 50 artifacts, 51 blobs on disk');
    expect(out).to.contain('gc freed 55 blobs from Redis');
    expect(out.trim().endsWith('ok')).to.equal(true);
  });
});

import { expect } from 'chai';
import { Redis } from 'ioredis';
import { type RedisServer, startRedisServer } from './fixtures/redis-server.js';
import { runExample } from './support/node-process.js';

/** Runs the compiled tutorial against `url` as a user would; resolves with its stdout. */
function runTutorial(url: string): Promise<string> {
  return runExample('04-shared-redis.js', [], { env: { ...process.env, PAGABLE_REDIS_URL: url } });
}

describe('examples on Redis', function () {
  this.timeout(60_000);
  let server: RedisServer;
  before(async () => { server = await startRedisServer(); });
  after(async () => { await server?.stop(); });

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
});

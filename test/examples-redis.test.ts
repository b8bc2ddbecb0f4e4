import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { type RedisServer, startRedisServer } from './fixtures/redis-server.js';

const EXAMPLE = fileURLToPath(new URL('../examples/04-shared-redis.js', import.meta.url));

/** Runs the compiled tutorial against `url` as a user would; resolves with its stdout. */
function runExample(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [EXAMPLE], {
      env: { ...process.env, PAGABLE_REDIS_URL: url }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`04-shared-redis exited ${code}\n${out}\n${err}`))));
  });
}

describe('examples on Redis', function () {
  this.timeout(60_000);
  let server: RedisServer;
  before(async () => { server = await startRedisServer(); });
  after(async () => { await server?.stop(); });

  it('04-shared-redis: two storages on one Redis share a graph, then tidy up', async () => {
    const out = await runExample(server.url);
    expect(out).to.match(/^worker A saved [0-9a-f]{32} as latest-build; 4 blobs written$/m);
    expect(out).to.contain('worker B loaded commit a1b2c3d with targets app, lib');
    expect(out).to.contain('toolchain restored shared: true');
    expect(out).to.contain('logs paged out until pinned: true');
    expect(out).to.contain('pinSync: IO, use pin()');
    expect(out).to.contain('app log: 500 lines, last: app: step 499 ok');
    expect(out).to.contain('B re-save: same key true, new blobs written 0');
    expect(out).to.contain('gc freed 4 blobs');
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

/*
 * Many writers on one store: 4 processes x 2 storage handles each saving, loading, setting and
 * deleting roots and running gc against one store, for a fixed number of operations. Afterwards
 * every root a worker set and did not delete loads with the content it saved, and verify passes.
 * PAGABLE_STRESS=N runs N operations per worker (default 60).
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { digest, Node, openSpec } from '../fixtures/many-writers-worker.js';
import { runNode } from '../support/node-process.js';
import { type RedisCluster, startRedisCluster } from '../fixtures/redis-cluster.js';
import { type RedisServer, startRedisServer } from '../fixtures/redis-server.js';

const WORKER = fileURLToPath(new URL('../fixtures/many-writers-worker.js', import.meta.url));
const OPS = Number(process.env.PAGABLE_STRESS ?? 60);

/** Runs 4 workers on `spec` at once; checks every kept root afterwards. */
export async function manyWriters(spec: string): Promise<{ roots: number; checked: number }> {
  const outs = await Promise.all(
    [0, 1, 2, 3].map((w) => runNode([WORKER, spec, String(w), String(OPS), String(1000 + w)], { timeout: 300_000 })),
  );
  const kept = new Map<string, { key: string; digest: string }>();
  for (const out of outs) {
    expect(out.trim().endsWith('done')).to.equal(true);
    for (const line of out.split('\n')) {
      const [kind, name, key, d] = line.split(' ');
      if (kind === 'root') kept.set(name!, { key: key!, digest: d! });
      if (kind === 'deleted') kept.delete(name!);
    }
  }
  const s = await openSpec(spec);
  try {
    const roots = new Map((await s.listRoots()).map((r) => [r.name, r.key]));
    for (const [name, r] of kept) {
      expect(roots.get(name), `root ${name}`).to.equal(r.key);
      expect(digest(await s.load(Node, r.key)), `content of root ${name}`).to.equal(r.digest);
    }
    const v = await s.verify();
    expect(v.corrupt).to.deep.equal([]);
    return { roots: kept.size, checked: v.checked };
  } finally {
    await s.close();
  }
}

describe('many writers', function () {
  this.timeout(600_000);
  const dirs: string[] = [];
  let server: RedisServer | undefined;
  let cluster: RedisCluster | undefined;
  before(async () => {
    [server, cluster] = await Promise.all([startRedisServer(), startRedisCluster(3)]);
  });
  after(async () => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    await Promise.all([server?.stop(), cluster?.stop()]);
  });

  it('LMDB: 4 processes x 2 handles saving, rooting and collecting garbage lose no kept root', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pagable-writers-'));
    dirs.push(dir);
    const r = await manyWriters(dir);
    console.log(`      LMDB: ${r.roots} roots kept and loaded, ${r.checked} blobs verified`);
  });

  it('Redis: the same against one server', async () => {
    const r = await manyWriters(`redis://127.0.0.1:${server!.port}/writers${process.pid}:`);
    console.log(`      Redis: ${r.roots} roots kept and loaded, ${r.checked} blobs verified`);
  });

  it('Redis Cluster: the same against 3 masters', async () => {
    const hosts = cluster!.urls.map((u) => u.replace(/^redis:\/\//, '')).join(',');
    const r = await manyWriters(`redis-cluster://${hosts}/writers${process.pid}:`);
    console.log(`      Redis Cluster: ${r.roots} roots kept and loaded, ${r.checked} blobs verified`);
  });
});

/*
 * The pagable command on every store it accepts and on damaged ones: a Redis server, a Redis
 * Cluster, malformed records, a zeroed data file, graphs cut by limits.
 */
import { expect } from 'chai';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open as openEnv } from 'lmdb';
import { type DataKey, LmdbPagableStorage, RedisPagableStorage } from '../../src/index.js';
import { buildGraph } from '../fixtures/lmdb-graph.js';
import { type RedisCluster, startRedisCluster } from '../fixtures/redis-cluster.js';
import { type RedisServer, startRedisServer } from '../fixtures/redis-server.js';
import { type Run, runCli } from '../support/cli-run.js';
import { Dep } from '../support/models.js';

/** Runs the built CLI asynchronously (the tests' own servers keep answering). */
const cli = (...args: string[]): Promise<Run> => runCli(args);

describe('pagable CLI: stores and damage', function () {
  this.timeout(180_000);
  const dirs: string[] = [];
  const fresh = (): string => {
    const d = mkdtempSync(join(tmpdir(), 'pagable-cli2-'));
    dirs.push(d);
    return d;
  };
  let server: RedisServer;
  let cluster: RedisCluster;
  before(async () => {
    [server, cluster] = await Promise.all([startRedisServer(), startRedisCluster(3)]);
  });
  after(async () => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    await Promise.all([server?.stop(), cluster?.stop()]);
  });

  for (const kind of ['redis', 'redis cluster'] as const) {
    it(`works on a ${kind} store: stats, roots, ls, show, graph, verify, gc`, async () => {
      const spec = kind === 'redis' ? server.url : `redis://${cluster.urls.map((u) => u.slice('redis://'.length)).join(',')}`;
      const prefix = `cli${process.pid}${kind === 'redis' ? 's' : 'c'}:`;
      const s =
        kind === 'redis'
          ? await RedisPagableStorage.connect({ url: server.url, prefix })
          : await RedisPagableStorage.connect({ cluster: cluster.urls, prefix });
      const main = await s.save(buildGraph(0, s));
      await s.setRoot('main', main);
      const orphan = await s.save(Dep.of('orphan'));
      await s.close();

      const stats = await cli('stats', spec, '--prefix', prefix, '--json');
      expect(stats.code, stats.stderr).to.equal(0);
      const st = JSON.parse(stats.stdout) as { blobs: number; roots: number };
      expect(st.roots).to.equal(1);
      expect(st.blobs).to.be.greaterThan(3);
      const ls = await cli('ls', spec, '--prefix', prefix, '--json');
      expect((JSON.parse(ls.stdout) as unknown[]).length).to.equal(st.blobs);
      expect((await cli('roots', spec, '--prefix', prefix)).stdout).to.contain(`${main}  main`);
      const show = await cli('show', spec, 'main', '--prefix', prefix);
      expect(show.code, show.stderr).to.equal(0);
      expect(show.stdout).to.contain(main);
      const byPrefix = await cli('show', spec, main.slice(0, 10), '--prefix', prefix, '--json');
      expect(JSON.parse(byPrefix.stdout)).to.include({ key: main, verified: true });
      const graph = await cli('graph', spec, 'main', '--prefix', prefix, '--format', 'mermaid');
      expect(graph.code, graph.stderr).to.equal(0);
      expect(graph.stdout).to.match(/^flowchart TD/);
      expect((await cli('verify', spec, '--prefix', prefix)).stdout).to.contain('every one matches its key');
      const gc = await cli('gc', spec, '--prefix', prefix, '--json');
      expect(gc.code, gc.stderr).to.equal(0);
      expect(JSON.parse(gc.stdout)).to.include({ freedBlobs: 1 });
      expect((await cli('show', spec, orphan, '--prefix', prefix)).code).to.equal(2);
    });
  }

  it('a Redis server that does not answer is a one-line IO error within --timeout', async () => {
    const t0 = Date.now();
    const r = await cli('stats', 'redis://127.0.0.1:1', '--timeout', '1000');
    expect(r.code).to.equal(1);
    expect(r.stderr.trim().split('\n')).to.have.length(1);
    expect(r.stderr).to.contain('127.0.0.1:1');
    expect(Date.now() - t0).to.be.below(30_000);
  });

  it('graph --depth / --max-nodes cut the drawing and say so; mermaid stays under its edge limit', async () => {
    const store = join(fresh(), 'store');
    const s = await LmdbPagableStorage.open(store);
    let head: Dep | undefined;
    for (let i = 0; i < 600; i++) head = Dep.of(`n${i}`, '1', head === undefined ? [] : [head, Dep.of(`leaf${i}`)]);
    const key = await s.save(head!);
    await s.close();
    const deep = await cli('graph', store, key, '--depth', '2', '--json');
    const g = JSON.parse(deep.stdout) as { nodes: unknown[]; cut: string | null };
    // Two levels below the top: 2 Deps, then 2 more, plus the schema set the Deps share and its
    // class schema (the writer's schema is a child blob like any other).
    expect(g.nodes).to.have.length(7);
    expect(g.cut).to.contain('depth 2');
    expect(deep.stderr).to.contain('cut at depth 2');
    const few = JSON.parse((await cli('graph', store, key, '--max-nodes', '10', '--json')).stdout) as { nodes: unknown[]; cut: string };
    expect(few.nodes).to.have.length(10);
    expect(few.cut).to.contain('10 blobs');
    const mermaid = await cli('graph', store, key, '--format', 'mermaid');
    const arrows = mermaid.stdout.split('\n').filter((l) => l.includes('-->')).length;
    expect(arrows).to.be.at.most(500);
    expect(mermaid.stdout).to.contain('%% cut at');
  });

  it('ls and stats report malformed records and go on; ls --json stays valid JSON', async () => {
    const store = join(fresh(), 'store');
    const s = await LmdbPagableStorage.open(store);
    const keys: DataKey[] = [];
    for (let i = 0; i < 5; i++) keys.push(await s.save(Dep.of(`d${i}`)));
    await s.close();
    const env = openEnv({ path: store, maxDbs: 8 });
    const raw = env.openDB<Uint8Array, Uint8Array>('blobs', { keyEncoding: 'binary', encoding: 'binary' });
    await raw.put(Buffer.from(keys[2]!, 'hex'), new Uint8Array([9, 1, 2]));
    await env.close();
    const ls = await cli('ls', store, '--json');
    expect(ls.code).to.equal(1);
    const rows = JSON.parse(ls.stdout) as Array<{ key: string; malformed?: string }>;
    // 5 Deps, their schema set and Dep's class schema.
    expect(rows).to.have.length(7);
    expect(rows.find((r) => r.key === keys[2])!.malformed).to.match(/truncated|malformed/);
    const stats = await cli('stats', store);
    expect(stats.code).to.equal(1);
    expect(stats.stdout).to.match(/malformed\s+1 record/);
    const verify = await cli('verify', store);
    expect(verify.code).to.equal(1);
    expect(verify.stdout).to.contain(`corrupt ${keys[2]}`);
  });

  it('a zeroed or truncated data.mdb is a one-line CORRUPT message and exit 1 for every command, never a crash', async () => {
    const store = join(fresh(), 'store');
    const s = await LmdbPagableStorage.open(store);
    await s.setRoot('x', await s.save(Dep.of('x')));
    await s.close();
    const file = join(store, 'data.mdb');
    const size = statSync(file).size;
    writeFileSync(file, new Uint8Array(size));
    for (const cmd of [['stats'], ['ls'], ['verify'], ['roots'], ['show', 'x'], ['gc']]) {
      const r = await cli(cmd[0]!, store, ...cmd.slice(1));
      expect(r.signal, `${cmd[0]}: ${r.stderr}`).to.equal(null);
      expect(r.code, `${cmd[0]}: ${r.stderr}`).to.equal(1);
      expect(r.stderr.trim().split('\n'), r.stderr).to.have.length(1);
      expect(r.stderr).to.match(/^pagable: .*(corrupt|damaged|CORRUPT|not a meta page|magic)/i);
    }
  });

  it('read-only commands never create anything in a directory that is not a store', async () => {
    const d = fresh();
    for (const cmd of ['stats', 'ls', 'verify', 'roots']) {
      const r = await cli(cmd, d);
      expect(r.code, r.stderr).to.equal(2);
      expect(readdirSync(d)).to.deep.equal([]);
    }
    expect(existsSync(join(d, 'lock.mdb'))).to.equal(false);
  });
});

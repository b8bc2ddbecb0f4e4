/*
 * `pagable explore` against other web pages and other machines, over real HTTP: a state-changing
 * request needs proof that it comes from the explorer's own page (a page elsewhere can make the
 * user's browser POST, but not with a custom header or our Origin), the Host check holds however
 * loopback is spelled (else DNS rebinding lets a page elsewhere read the store), and binding
 * anything but loopback says on stderr that the store is readable from the network.
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { request } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { InMemoryPagableStorage, LmdbPagableStorage } from '../../src/index.js';
import { exploreSourceOf } from '../../src/explore/source.js';
import { type ExploreServer, startExploreServer } from '../../src/explore/server.js';
import { CLI } from '../support/cli-run.js';
import { Dep } from '../support/models.js';

/** A raw request to `url` with exactly `headers` (fetch sets Host and Origin itself); the status. */
function send(url: string, method: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The explorer's own client's proof header (src/explore/web/api.ts sends it). */
const PROOF = { 'x-pagable-explore': '1' };

describe('pagable explore: requests from elsewhere', function () {
  this.timeout(60_000);
  let storage: InMemoryPagableStorage;
  const servers: ExploreServer[] = [];

  before(async () => {
    storage = new InMemoryPagableStorage();
    await storage.setRoot('main', await storage.save(Dep.of('x', '1', [Dep.of('y')])));
  });
  after(async () => {
    for (const s of servers) await s.close();
    await storage.close();
  });

  async function serve(host?: string): Promise<ExploreServer> {
    const s = await startExploreServer(exploreSourceOf(storage), { port: 0, ...(host !== undefined ? { host } : {}) });
    servers.push(s);
    await s.explorer.scanned();
    return s;
  }

  it('POST needs our Origin and the page\'s header: a foreign, missing or "null" Origin, or no header, is 403', async () => {
    const s = await serve();
    const url = new URL('/api/rescan', s.url).toString();
    const host = new URL(s.url).host;
    const own = `http://${host}`;
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const refused: Array<Record<string, string>> = [
      { host, origin: 'http://evil.example', ...PROOF },
      { host, origin: 'http://evil.example', ...form },
      { host, origin: 'null', ...PROOF },
      { host, origin: `http://localhost:${new URL(s.url).port}0`, ...PROOF },
      { host, ...PROOF },
      { host, origin: own },
      { host, origin: own, ...form },
      { host },
    ];
    for (const headers of refused) expect(await send(url, 'POST', headers), JSON.stringify(headers)).to.equal(403);
    expect(await send(url, 'POST', { host, origin: own, ...PROOF })).to.equal(200);
    // Reads stay plain GETs, from the page or a terminal.
    expect(await send(new URL('/api/summary', s.url).toString(), 'GET', { host })).to.equal(200);
  });

  const loopbacks = ['127.0.0.1', '127.1', '127.0.0.2', '2130706433', 'localhost', '::1', '[::1]', '::ffff:127.0.0.1'];
  for (const spelling of loopbacks) {
    it(`bound to ${spelling}: a request naming another Host is refused (DNS rebinding), loopback names are served`, async () => {
      const s = await serve(spelling);
      const url = new URL('/api/summary', s.url).toString();
      const port = new URL(s.url).port;
      for (const host of [`evil.example:${port}`, `evil.example`, `127.0.0.1.evil.example:${port}`, `localhost:${Number(port) + 1}`]) {
        expect(await send(url, 'GET', { host }), `Host ${host}`).to.equal(421);
      }
      for (const host of [
        `localhost:${port}`,
        `127.0.0.1:${port}`,
        `127.1:${port}`,
        `[::1]:${port}`,
        `[::ffff:7f00:1]:${port}`,
        new URL(s.url).host,
      ]) {
        expect(await send(url, 'GET', { host }), `Host ${host}`).to.equal(200);
      }
    });
  }

  /** Runs `pagable explore` on a store bound to `host`; its first stdout line and what it wrote on stderr by then. */
  async function cliExplore(host: string): Promise<{ stdout: string; stderr: string }> {
    const dir = mkdtempSync(join(tmpdir(), 'pagable-explore-host-'));
    const s = await LmdbPagableStorage.open(dir);
    await s.setRoot('main', await s.save(Dep.of('x')));
    await s.close();
    const child = spawn(process.execPath, [CLI, 'explore', dir, '--host', host, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (b: Buffer) => {
          stdout += b.toString();
          if (stdout.includes('\n')) resolve();
        });
        child.on('exit', (code) => reject(new Error(`explore exited ${code}: ${stderr}`)));
      });
    } finally {
      child.removeAllListeners('exit');
      const exited = new Promise((r) => child.on('exit', r));
      child.kill('SIGINT');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    }
    return { stdout, stderr };
  }

  const lan = Object.values(networkInterfaces())
    .flat()
    .find((i) => i !== undefined && !i.internal && i.family === 'IPv4')?.address;
  for (const host of ['0.0.0.0', '::', ...(lan !== undefined ? [lan] : [])]) {
    it(`--host ${host} warns on stderr that the store is readable from the network`, async () => {
      const r = await cliExplore(host);
      expect(r.stderr).to.match(/warning: .*not loopback.*network/i);
    });
  }

  it('--host on loopback (127.1, ::1) gives no warning', async () => {
    for (const host of ['127.1', '::1']) expect((await cliExplore(host)).stderr, host).to.equal('pagable explore: stopped\n');
  });
});

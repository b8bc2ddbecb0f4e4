/*
 * A store directory whose data.mdb or lock.mdb is not a regular file: a device (/dev/zero,
 * /dev/urandom), a FIFO, a socket, a directory, a dangling symlink, or an empty data.mdb beside a
 * lock.mdb. LMDB maps what it is given (a device crashed the process with SIGSEGV) or blocks on it
 * (a FIFO blocked the event loop for ever): each must be a PagableError at once. Opens run in
 * child processes, so a crash or a hang fails the test instead of killing or stalling mocha.
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { type Server, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LmdbPagableStorage } from '../../../src/index.js';
import { expectOneLineError, runCli } from '../../support/cli-run.js';
import { expectError } from '../../support/expect-error.js';
import { probe } from '../../support/lmdb-probe.js';
import { Dep } from '../../support/models.js';

/** A child that has not ended by then is blocked (the bug this guards against), not slow. */
const HANG = 30_000;

describe('LMDB stores whose files are not regular files', function () {
  this.timeout(180_000);
  let root: string;
  let n = 0;
  const servers: Server[] = [];

  before(() => {
    root = mkdtempSync(join(tmpdir(), 'pagable-lmdb-special-'));
  });
  after(async () => {
    for (const s of servers) await new Promise((r) => s.close(r));
    rmSync(root, { recursive: true, force: true });
  });

  /** A saved store (data.mdb and lock.mdb), then `change` applied to its directory. */
  async function store(change: (dir: string) => void | Promise<void>): Promise<string> {
    const dir = join(root, `s${n++}`);
    const s = await LmdbPagableStorage.open(dir);
    await s.setRoot('x', await s.save(Dep.of('x')));
    await s.close();
    await change(dir);
    return dir;
  }

  /** Replaces `name` in `dir` with what `make` puts at its path. */
  const replace =
    (name: string, make: (path: string) => void | Promise<void>) =>
    async (dir: string): Promise<void> => {
      rmSync(join(dir, name), { force: true });
      await make(join(dir, name));
    };
  const symlinkTo = (target: string) => (path: string) => symlinkSync(target, path);
  const fifo = (path: string): void => void execFileSync('mkfifo', [path]);
  const directory = (path: string): void => mkdirSync(path);
  const socket = (path: string): Promise<void> =>
    new Promise((resolve) => {
      const s = createServer();
      servers.push(s);
      s.listen(path, resolve);
    });

  /** Each case: its name, how the store is made, and what the error says. */
  const cases: Array<[string, (dir: string) => void | Promise<void>, RegExp]> = [
    ['data.mdb -> /dev/zero', replace('data.mdb', symlinkTo('/dev/zero')), /data\.mdb is a character device/],
    ['data.mdb -> /dev/urandom', replace('data.mdb', symlinkTo('/dev/urandom')), /data\.mdb is a character device/],
    ['data.mdb a FIFO', replace('data.mdb', fifo), /data\.mdb is a FIFO/],
    ['data.mdb a socket', replace('data.mdb', socket), /data\.mdb is a socket/],
    ['data.mdb a directory', replace('data.mdb', directory), /data\.mdb is a directory/],
    ['data.mdb -> a directory', replace('data.mdb', symlinkTo('/tmp')), /data\.mdb is a directory/],
    ['data.mdb a dangling symlink', replace('data.mdb', symlinkTo('/nonexistent/pagable')), /data\.mdb is a symbolic link to nothing/],
    ['lock.mdb -> /dev/zero', replace('lock.mdb', symlinkTo('/dev/zero')), /lock\.mdb is a character device/],
    ['lock.mdb a FIFO', replace('lock.mdb', fifo), /lock\.mdb is a FIFO/],
    ['lock.mdb a directory', replace('lock.mdb', directory), /lock\.mdb is a directory/],
  ];

  it('open is INVALID_ARGUMENT naming the file and what it is, read-write and read-only, never a crash or a hang', async () => {
    const dirs = await Promise.all(cases.map(([, change]) => store(change)));
    const results = await probe(
      dirs.flatMap((path) => [{ path }, { path, options: { readOnly: true } }]),
      HANG,
    );
    results.forEach((r, i) => {
      const [name, , message] = cases[i >> 1]!;
      expect(r, name).to.deep.include({ ok: false, code: 'INVALID_ARGUMENT' });
      expect(r.message, name)
        .to.match(message)
        .and.contain(dirs[i >> 1]!);
    });
  });

  it('a store path that is a FIFO or a device is INVALID_ARGUMENT', async () => {
    const f = join(root, 'fifo-store');
    fifo(f);
    const z = join(root, 'zero-store');
    symlinkSync('/dev/zero', z);
    const results = await probe([{ path: f }, { path: z }, { path: z, options: { readOnly: true } }], HANG);
    for (const r of results) expect(r, r.path).to.deep.include({ ok: false, code: 'INVALID_ARGUMENT' });
    expect(results[0]!.message).to.contain('is not a directory');
  });

  it('a zero-byte data.mdb beside a lock.mdb is CORRUPT (the store was truncated), not an empty store', async () => {
    const dir = await store((d) => writeFileSync(join(d, 'data.mdb'), ''));
    const results = await probe([{ path: dir }, { path: dir, options: { readOnly: true } }], HANG);
    for (const r of results) {
      expect(r).to.deep.include({ ok: false, code: 'CORRUPT' });
      expect(r.message).to.contain(join(dir, 'data.mdb')).and.match(/empty/);
    }
    await expectError(LmdbPagableStorage.open(dir), 'CORRUPT');
  });

  it('a data.mdb symlinked to a regular file elsewhere still opens', async () => {
    const dir = await store(async (d) => {
      const elsewhere = join(root, `moved-${n++}.mdb`);
      execFileSync('mv', [join(d, 'data.mdb'), elsewhere]);
      symlinkSync(elsewhere, join(d, 'data.mdb'));
    });
    const [r] = await probe([{ path: dir }], HANG);
    expect(r).to.deep.include({ ok: true, corrupt: 0 });
    expect(r!.blobs).to.be.above(0);
  });

  it('pagable stats on each is a one-line message and exit 1, never a crash or a hang', async () => {
    const dirs = await Promise.all(cases.map(([, change]) => store(change)));
    dirs.push(await store((d) => writeFileSync(join(d, 'data.mdb'), '')));
    for (const [i, dir] of dirs.entries()) {
      const r = await runCli(['stats', dir], HANG);
      expect(r.signal, `${cases[i]?.[0] ?? 'empty data.mdb'}: ${r.stderr}`).to.equal(null);
      expectOneLineError(r, 1, dir);
    }
  });
});

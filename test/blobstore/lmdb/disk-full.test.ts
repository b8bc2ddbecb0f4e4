/*
 * An LMDB store on a file system that fills up. A write that does not fit fails as an IO
 * PagableError naming the store and LMDB's own reason; what was saved before stays readable; the
 * store still closes and opens (its lock file needs no room: env-lock.ts); no promise lmdb-js
 * rejects on the failed commit goes unhandled (Node ends a process on an unhandled rejection);
 * and creating a store there is IO, not a crash (creation-room.ts).
 * The small file system is a tmpfs mounted for the test: root only, skipped otherwise.
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnNode } from '../../support/node-process.js';

const FIXTURE = fileURLToPath(new URL('../../fixtures/lmdb-disk-full.js', import.meta.url));

interface Failure {
  pagable: boolean;
  code?: string;
  message: string;
  cause?: string;
}
interface Report {
  saved: number;
  saveFailure?: Failure;
  readAfterFailure: number;
  flushFailure?: Failure;
  closeFailure?: Failure;
  openFailure?: Failure;
  syncFailure?: Failure;
  readAfterReopen: number;
  gcOnFullDisk: Failure | 'ok';
  freed: number;
  rootReadable: boolean;
  savedAfterGc: boolean;
  drainFailure?: Failure;
  reports: string[];
  arcs: number;
  arcsReadable: number;
}

describe('an LMDB store whose file system fills up', function () {
  this.timeout(120_000);
  let mnt: string;
  let mounted = false;

  before(function () {
    mnt = mkdtempSync(join(tmpdir(), 'pagable-disk-full-'));
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=3m', 'tmpfs', mnt], { stdio: 'pipe' });
      mounted = true;
    } catch {
      this.skip(); // Not root (or no tmpfs): nothing to fill.
    }
  });

  after(() => {
    if (mounted) execFileSync('umount', [mnt]);
    rmSync(mnt, { recursive: true, force: true });
  });

  /** A 256 KB file on the small file system: the room the user frees in the middle of the run. */
  const ballast = (): string => {
    const f = join(mnt, 'ballast');
    writeFileSync(f, new Uint8Array(256 * 1024));
    return f;
  };

  /** The fixture's one run (the its below read it in order: it leaves the file system full). */
  let run: Promise<Report> | undefined;
  const filled = (): Promise<Report> =>
    (run ??= spawnNode([FIXTURE, join(mnt, 'store'), ballast()], { timeout: 100_000 }).then((r) => {
      expect(r.code, `the process ended ${r.code ?? r.signal}:\n${r.stdout}\n${r.stderr}`).to.equal(0);
      return JSON.parse(r.stdout.trim().split('\n').pop()!) as Report;
    }));

  it('fails the write that does not fit loudly, loses nothing saved before, and still closes and reopens', async () => {
    const report = await filled();
    expect(report.saved).to.be.greaterThan(10);
    expect(report.saveFailure, 'a save failed').to.not.equal(undefined);
    const f = report.saveFailure!;
    expect(f.pagable && f.code === 'IO', f.message).to.equal(true);
    expect(f.message).to.include(join(mnt, 'store'));
    // LMDB's reason, not lmdb-js's "Commit failed (see commitError for details)".
    expect(f.message).to.not.include('see commitError');
    expect(report.readAfterFailure).to.equal(report.saved);
    expect(report.flushFailure, report.flushFailure?.message).to.equal(undefined);
    expect(report.closeFailure, report.closeFailure?.message).to.equal(undefined);
    expect(report.openFailure, report.openFailure?.message).to.equal(undefined);
    expect(report.syncFailure?.pagable && report.syncFailure.code === 'IO', JSON.stringify(report.syncFailure)).to.equal(true);
    expect(report.readAfterReopen).to.equal(report.saved);
  });

  it('collects garbage on the full disk or fails with IO, and once room is freed collects and saves; automatic page-outs that fill it again fail their drain with IO, every arc still readable', async () => {
    const report = await filled();
    const gc = report.gcOnFullDisk;
    expect(gc === 'ok' || (gc.pagable && gc.code === 'IO'), JSON.stringify(gc)).to.equal(true);
    // Every saved document but the rooted one is garbage (and any blob the synchronous writes stored).
    expect(report.freed).to.be.at.least(report.saved - 1);
    expect(report.rootReadable).to.equal(true);
    expect(report.savedAfterGc).to.equal(true);
    expect(report.drainFailure?.pagable && report.drainFailure.code === 'IO', JSON.stringify(report.drainFailure)).to.equal(true);
    expect(report.reports).to.include('IO');
    expect(report.arcsReadable).to.equal(report.arcs);
  });

  it('creating a store on the full file system is IO naming it, and leaves no half-made store (LMDB alone dies of SIGBUS)', async () => {
    await filled();
    const dir = join(mnt, 'new');
    const r = await spawnNode([FIXTURE, 'create', dir], { timeout: 100_000 });
    expect(r.code, `the process ended ${r.code ?? r.signal}:\n${r.stdout}\n${r.stderr}`).to.equal(0);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as { created: boolean; failure?: Failure };
    expect(out.created).to.equal(false);
    expect(out.failure?.pagable && out.failure.code === 'IO', JSON.stringify(out.failure)).to.equal(true);
    expect(out.failure!.message).to.include(dir);
    expect(existsSync(join(dir, 'data.mdb')) || existsSync(join(dir, 'lock.mdb'))).to.equal(false);
  });
});

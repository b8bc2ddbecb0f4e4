/*
 * An LMDB store on a file system that fills up. A write that does not fit fails as an IO
 * PagableError naming the store and LMDB's own reason; what was saved before stays readable; the
 * store still closes and opens (its lock file needs no room: env-lock.ts); and no promise lmdb-js
 * rejects on the failed commit goes unhandled (Node ends a process on an unhandled rejection).
 * The small file system is a tmpfs mounted for the test: root only, skipped otherwise.
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
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
  closeFailure?: Failure;
  openFailure?: Failure;
  syncFailure?: Failure;
  readAfterReopen: number;
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

  it('fails the write that does not fit loudly, loses nothing saved before, and still closes and reopens', async () => {
    const r = await spawnNode([FIXTURE, join(mnt, 'store')], { timeout: 100_000 });
    expect(r.code, `the process ended ${r.code ?? r.signal}:\n${r.stdout}\n${r.stderr}`).to.equal(0);
    const report = JSON.parse(r.stdout.trim().split('\n').pop()!) as Report;
    expect(report.saved).to.be.greaterThan(10);
    expect(report.saveFailure, 'a save failed').to.not.equal(undefined);
    const f = report.saveFailure!;
    expect(f.pagable && f.code === 'IO', f.message).to.equal(true);
    expect(f.message).to.include(join(mnt, 'store'));
    // LMDB's reason, not lmdb-js's "Commit failed (see commitError for details)".
    expect(f.message).to.not.include('see commitError');
    expect(report.readAfterFailure).to.equal(report.saved);
    expect(report.closeFailure, report.closeFailure?.message).to.equal(undefined);
    expect(report.openFailure, report.openFailure?.message).to.equal(undefined);
    expect(report.syncFailure?.pagable && report.syncFailure.code === 'IO', JSON.stringify(report.syncFailure)).to.equal(true);
    expect(report.readAfterReopen).to.equal(report.saved);
  });
});

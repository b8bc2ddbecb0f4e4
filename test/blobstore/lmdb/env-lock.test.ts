/*
 * Processes opening and closing one LMDB store at the same time. lmdb-js fails an open that meets
 * another process's close (EINVAL, "No transaction to renew", and that process cannot open the
 * store again), and breaks concurrent creations ("mdb_page_touch no parent"): the store's opens
 * and closes take a lock across processes (src/blobstore/lmdb/env-lock.ts). Without it this test
 * fails most runs (each `it` alone about half of them: the collisions are a matter of timing).
 * PAGABLE_STRESS=N runs N cycles per process on an existing store (default 200).
 */
import { expect } from 'chai';
import { existsSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LmdbBlobStore } from '../../../src/index.js';
import { runNode } from '../../support/node-process.js';

const WORKER = fileURLToPath(new URL('../../fixtures/lmdb-open-close.js', import.meta.url));
const CYCLES = Number(process.env.PAGABLE_STRESS ?? 200);
const PROCESSES = 6;

/** Runs PROCESSES workers on `dir` at once; the failures they report. */
async function openCloseAtOnce(dir: string, cycles: number): Promise<Array<{ failed: number; first?: string }>> {
  const at = Date.now() + 300;
  const outs = await Promise.all(
    Array.from({ length: PROCESSES }, (_, k) => runNode([WORKER, dir, String(cycles), String(at), String(k)], { timeout: 120_000 })),
  );
  return outs.map((o) => JSON.parse(o.trim().split('\n').pop()!) as { failed: number; first?: string });
}

/** An open of `dir` started 100 ms ago, and whether it has resolved since. */
async function openAfter100ms(dir: string): Promise<{ opening: Promise<LmdbBlobStore>; opened: () => boolean }> {
  let done = false;
  const opening = LmdbBlobStore.open(dir).then((s) => {
    done = true;
    return s;
  });
  await new Promise((r) => setTimeout(r, 100));
  return { opening, opened: () => done };
}

describe('LMDB store: opens and closes across processes', function () {
  this.timeout(300_000);
  const dirs: string[] = [];
  const fresh = (): string => {
    const d = mkdtempSync(join(tmpdir(), 'pagable-envlock-'));
    dirs.push(d);
    return d;
  };
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  /** A new directory holding a store, closed. */
  const existing = async (): Promise<string> => {
    const d = fresh();
    await (await LmdbBlobStore.open(d)).close();
    return d;
  };

  it('processes opening and closing an existing store at once all succeed, and the store is intact', async () => {
    const dir = fresh();
    const s = await LmdbBlobStore.open(dir);
    await s.putMany([{ key: '0'.repeat(32), data: { data: new Uint8Array([1, 2, 3]), arcs: [] } }]);
    await s.close();
    const results = await openCloseAtOnce(dir, CYCLES);
    expect(results.filter((r) => r.failed > 0)).to.deep.equal([]);
    const again = await LmdbBlobStore.open(dir);
    try {
      expect(Array.from(again.getSync('0'.repeat(32))!.data)).to.deep.equal([1, 2, 3]);
    } finally {
      await again.close();
    }
    expect(readdirSync(dir).sort(), 'no lock file left').to.deep.equal(['data.mdb', 'lock.mdb']);
  });

  it('processes creating one store at once all succeed', async () => {
    for (let trial = 0; trial < 5; trial++) {
      const dir = join(fresh(), 'store');
      const results = await openCloseAtOnce(dir, 20);
      expect(
        results.filter((r) => r.failed > 0),
        `trial ${trial}`,
      ).to.deep.equal([]);
    }
  });

  it('a lock left by a dead process is taken over', async () => {
    const dir = await existing();
    // A pid that is not running: the lock of a process that crashed while it opened the store.
    const dead = await runNode(['-e', 'console.log(process.pid)']);
    writeFileSync(join(dir, 'pagable-env.lock'), dead.trim());
    const s = await LmdbBlobStore.open(dir);
    await s.close();
    expect(existsSync(join(dir, 'pagable-env.lock'))).to.equal(false);
  });

  it('an empty lock (its owner died before writing its pid) is taken over once it is 5 s old, not before', async () => {
    const dir = await existing();
    const lock = join(dir, 'pagable-env.lock');
    writeFileSync(lock, '');
    const open = await openAfter100ms(dir);
    expect(open.opened(), 'opened past a fresh empty lock').to.equal(false);
    const old = new Date(Date.now() - 6_000);
    utimesSync(lock, old, old);
    const s = await open.opening;
    await s.close();
    expect(existsSync(lock)).to.equal(false);
  });

  it('an open waits while a live process holds the lock, then proceeds', async () => {
    const dir = await existing();
    writeFileSync(join(dir, 'pagable-env.lock'), String(process.pid));
    const open = await openAfter100ms(dir);
    expect(open.opened(), 'opened while the lock was held').to.equal(false);
    rmSync(join(dir, 'pagable-env.lock'));
    const s = await open.opening;
    await s.close();
    expect(open.opened()).to.equal(true);
  });

  it('an open that creates the store makes its directories, and leaves no lock file behind', async () => {
    const dir = join(fresh(), 'a', 'b');
    const s = await LmdbBlobStore.open(dir);
    expect(readdirSync(dir).sort(), 'while open').to.deep.equal(['data.mdb', 'lock.mdb']);
    await s.close();
    expect(readdirSync(dir).sort(), 'once closed').to.deep.equal(['data.mdb', 'lock.mdb']);
  });

  it('a process that opens and closes one store many times, some at once, never waits on itself', async () => {
    const dir = fresh();
    const stores = await Promise.all(Array.from({ length: 8 }, () => LmdbBlobStore.open(dir)));
    await Promise.all(stores.map((s) => s.close()));
    for (let i = 0; i < 20; i++) await (await LmdbBlobStore.open(dir)).close();
    expect(readdirSync(dir).sort()).to.deep.equal(['data.mdb', 'lock.mdb']);
  });
});

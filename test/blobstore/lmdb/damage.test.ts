/*
 * Damaged LMDB files and bad options are PagableErrors, never a crashed process. Every case runs in
 * a child process (test/fixtures/lmdb-store-probe.ts), so a segfault fails the test instead of
 * killing mocha. PAGABLE_FUZZ=N runs N random bit-flip cases per campaign instead of 32.
 */
import { expect } from 'chai';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open as openEnv } from 'lmdb';
import { computeKey, type DataKey, type PagableData } from '../../../src/index.js';
import { LmdbBlobStore } from '../../../src/blobstore/lmdb/lmdb-blob-store.js';
import { type ProbeCase, probe } from '../../support/lmdb-probe.js';

const FUZZ = Number(process.env.PAGABLE_FUZZ ?? 32);

let root: string;
let base: string;
/** Page size and the offsets of the newest and the stale meta (the MDB_meta, after the page header). */
let newest: number;
let stale: number;
let blobCount: number;

before(async function () {
  this.timeout(60_000);
  root = mkdtempSync(join(tmpdir(), 'pagable-lmdb-damage-'));
  base = join(root, 'base');
  const s = await LmdbBlobStore.open(base);
  // Small and overflow-sized blobs, children, deletions (free lists), roots, a sweep's tables.
  let seed = 11;
  const rnd = (): number => (seed = (seed * 16807) % 2147483647) / 2147483647;
  const keys: DataKey[] = [];
  for (let round = 0; round < 4; round++) {
    const batch = [];
    for (let i = 0; i < 250; i++) {
      const data = new Uint8Array(rnd() < 0.05 ? 5000 + Math.floor(rnd() * 9000) : Math.floor(rnd() * 300));
      data[0] = round;
      data[1] = i;
      const blob: PagableData = { data, arcs: keys.length > 0 && i % 3 === 0 ? [keys[Math.floor(rnd() * keys.length)]!] : [] };
      batch.push({ key: computeKey(blob), data: blob });
    }
    await s.putMany(batch);
    keys.push(...batch.map((b) => b.key));
    await s.deleteMany(keys.filter((_, i) => i % 7 === round));
    await s.setRoot(`root ${round}`, batch[0]!.key);
  }
  await s.sweeps.begin();
  await s.sweeps.end();
  blobCount = s.count().blobs;
  await s.close();
  // About 1 MB: each case copies it.
  expect(statSync(join(base, 'data.mdb')).size).to.be.lessThan(2 ** 21);
  rmSync(join(base, 'lock.mdb'), { force: true });
  const head = readFileSync(join(base, 'data.mdb')).subarray(0, 8192);
  const ps = head.readUInt32LE(24 + 24);
  const txn = (off: number): number => Number(head.readBigUInt64LE(off + 128));
  [newest, stale] = txn(24) > txn(ps + 24) ? [24, ps + 24] : [ps + 24, 24];
});

after(function () {
  // Deleting a store directory can take long on a disk busy with other work: not a test's timeout.
  this.timeout(300_000);
  rmSync(root, { recursive: true, force: true });
});

let copies = 0;
const caseDirs: string[] = [];
afterEach(() => {
  for (const d of caseDirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A copy of the base store with its data.mdb changed by `damage` (removed after the test). */
function damaged(damage: (b: Buffer) => Buffer): string {
  const dir = join(root, `case-${copies++}`);
  caseDirs.push(dir);
  cpSync(base, dir, { recursive: true });
  const file = join(dir, 'data.mdb');
  writeFileSync(file, damage(readFileSync(file)));
  return dir;
}

function flip(offset: number, bit: number): (b: Buffer) => Buffer {
  return (b) => {
    b[offset]! ^= 1 << bit;
    return b;
  };
}

/** Deterministic bit flips at random offsets in [from, to). */
function randomFlips(seed: number, count: number, from: (b: Buffer) => number, to: (b: Buffer) => number): (b: Buffer) => Buffer {
  let s = seed;
  const rnd = (): number => (s = (s * 16807) % 2147483647) / 2147483647;
  return (b) => {
    for (let i = 0; i < count; i++) {
      const off = from(b) + Math.floor(rnd() * (to(b) - from(b)));
      b[off]! ^= 1 << Math.floor(rnd() * 8);
    }
    return b;
  };
}

/** Random bytes (deterministic) of the same length. */
function randomBytesLike(b: Buffer): Buffer {
  let s = 3;
  for (let i = 0; i < b.length; i++) b[i] = Math.floor(((s = (s * 16807) % 2147483647) / 2147483647) * 256);
  return b;
}

describe('damaged LMDB stores', function () {
  this.timeout(120_000);

  it('the undamaged base opens and reads in a child', async () => {
    const [r] = await probe([{ path: base }]);
    expect(r).to.deep.include({ ok: true, blobs: blobCount, corrupt: 0 });
  });

  it('zeroed, garbage and truncated files are CORRUPT naming the file and the damage', async () => {
    const cases: Array<[string, (b: Buffer) => Buffer, RegExp]> = [
      ['zeroed', (b) => Buffer.alloc(b.length), /page 0 is not a meta page/],
      ['garbage', randomBytesLike, /page 0/],
      ['100 bytes', (b) => b.subarray(0, 100), /less than one LMDB meta page/],
      ['inside the meta pages', (b) => b.subarray(0, 4096 + 100), /truncated inside its meta pages/],
      ['half', (b) => b.subarray(0, (b.length >> 13) << 12), /truncated/],
    ];
    const dirs = cases.map(([, d]) => damaged(d));
    const results = await probe(dirs.map((path) => ({ path })));
    results.forEach((r, i) => {
      expect(r, cases[i]![0]).to.deep.include({ ok: false, code: 'CORRUPT' });
      expect(r.message, cases[i]![0]).to.contain(join(dirs[i]!, 'data.mdb')).and.match(cases[i]![2]);
    });
  });

  it('the last page cut off: CORRUPT when a page in use is lost, fine when it was free', async () => {
    const [r] = await probe([{ path: damaged((b) => b.subarray(0, b.length - 4096)) }]);
    if (r!.ok) expect(r!.blobs).to.equal(blobCount);
    else expect(r!.code).to.equal('CORRUPT');
  });

  it('an empty data.mdb without a lock.mdb is a new store when writable, NOT_FOUND when read-only', async () => {
    // (Beside a lock.mdb it is CORRUPT: test/blobstore/lmdb-special-files.test.ts.)
    const alone = (): string => {
      const dir = damaged(() => Buffer.alloc(0));
      rmSync(join(dir, 'lock.mdb'), { force: true });
      return dir;
    };
    const [w, ro] = await probe([{ path: alone() }, { path: alone(), options: { readOnly: true } }]);
    expect(w).to.deep.include({ ok: true, blobs: 0 });
    expect(ro).to.deep.include({ ok: false, code: 'NOT_FOUND' });
  });

  it('a flipped bit in either meta page is CORRUPT', async () => {
    // Offsets within an MDB_meta (see src/blobstore/lmdb/file-check.ts); -6 is the page header's flags.
    const fields: Array<[string, number, number]> = [
      ['page flags', -6, 3],
      ['magic', 0, 3],
      ['version', 4, 2],
      ['page size', 25, 4],
      ['map size', 23, 6],
      ['free db flags', 28, 3],
      ['main db root (high)', 72 + 44, 5],
      ['last page (high)', 123, 1],
      ['txnid (high)', 133, 0],
    ];
    const cases: Array<[string, string]> = [];
    for (const [page, at] of [
      ['newest', newest],
      ['stale', stale],
    ] as const) {
      for (const [name, off, bit] of fields) cases.push([`${page} ${name}`, damaged(flip(at + off, bit))]);
    }
    // In the newest meta, what the snapshot's trees hang on.
    for (const [name, off, bit] of [
      ['main db root', 72 + 40, 5],
      ['free db root', 24 + 40, 4],
      ['main db depth', 72 + 6, 4],
      ['last page', 120, 6],
    ] as const) {
      cases.push([`newest ${name}`, damaged(flip(newest + off, bit))]);
    }
    const results = await probe(cases.map(([, path]) => ({ path })));
    results.forEach((r, i) => {
      expect(r, cases[i]![0]).to.deep.include({ ok: false, code: 'CORRUPT' });
      expect(r.message, cases[i]![0]).to.contain('data.mdb is damaged');
    });
  });

  it(`random flips in the meta pages (${FUZZ} cases): a value or CORRUPT, never a crash`, async () => {
    const cases = Array.from({ length: FUZZ }, (_, i) => ({
      path: damaged(
        randomFlips(
          1000 + i,
          1 + (i % 3),
          () => 0,
          () => 8192,
        ),
      ),
    }));
    for (const r of await probe(cases)) {
      if (!r.ok) expect(r.code, r.message).to.equal('CORRUPT');
    }
  });

  it(`random flips in data pages (${FUZZ} cases, read-write and read-only): a value or CORRUPT, never a crash`, async () => {
    const cases: ProbeCase[] = [];
    for (let i = 0; i < FUZZ; i++) {
      const path = damaged(
        randomFlips(
          2000 + i,
          [1, 4, 16, 64][i % 4]!,
          () => 8192,
          (b) => b.length,
        ),
      );
      cases.push({ path, options: i % 2 === 0 ? {} : { readOnly: true } });
    }
    let corrupt = 0;
    for (const r of await probe(cases)) {
      if (r.ok) continue;
      expect(r.code, r.message).to.equal('CORRUPT');
      corrupt++;
    }
    expect(corrupt).to.be.greaterThan(0);
  });

  it(`without countAtOpen, opening a store with flipped data pages never crashes (${FUZZ} cases)`, async () => {
    // Its blob pages are only checked by count(): a read of a damaged one may still crash LMDB.
    const cases = Array.from({ length: FUZZ }, (_, i) => ({
      path: damaged(
        randomFlips(
          3000 + i,
          [4, 16, 64][i % 3]!,
          () => 8192,
          (b) => b.length,
        ),
      ),
      options: { countAtOpen: false },
      openOnly: true,
    }));
    for (const r of await probe(cases)) {
      if (!r.ok) expect(r.code, r.message).to.equal('CORRUPT');
    }
  });

  it('mapSize -1, 1e30, NaN, 1.5 and beyond the address space are INVALID_ARGUMENT', async () => {
    const sizes: unknown[] = [-1, 1e30, 'NaN', 1.5, 2 ** 47, 2 ** 53];
    const results = await probe(sizes.map((mapSize) => ({ path: join(root, 'unused'), options: { mapSize } })));
    results.forEach((r, i) => expect(r, String(sizes[i])).to.deep.include({ ok: false, code: 'INVALID_ARGUMENT' }));
  });

  it('read-only opens create nothing in a directory that is not a store', async () => {
    const plain = join(root, 'plain');
    mkdirSync(plain);
    writeFileSync(join(plain, 'notes.txt'), 'hello');
    // An LMDB environment, but not a pagable store.
    const other = join(root, 'other-env');
    const env = openEnv({ path: other, noSubdir: false, maxDbs: 2 });
    await env.openDB('something', {}).put('k', 'v');
    await env.close();
    rmSync(join(other, 'lock.mdb'), { force: true });
    const results = await probe([
      { path: plain, options: { readOnly: true } },
      { path: other, options: { readOnly: true } },
    ]);
    for (const r of results) expect(r).to.deep.include({ ok: false, code: 'NOT_FOUND' });
    expect(readdirSync(plain)).to.deep.equal(['notes.txt']);
    expect(readdirSync(other)).to.deep.equal(['data.mdb']);
  });

  it("read-write opens refuse another program's LMDB environment, leaving its data as it was; a creation cut short opens", async () => {
    // Another program's data: keys in the main database, one with a database named as one of the store's.
    const main = join(root, 'app-main');
    const env = openEnv({ path: main, noSubdir: false, maxDbs: 4 });
    await env.put('hello', 'world');
    await env.close();
    const named = join(root, 'app-named');
    const env2 = openEnv({ path: named, noSubdir: false, maxDbs: 4 });
    await env2.openDB('blobs', {}).put('k', 'v');
    await env2.put('settings', { a: 1 });
    await env2.close();
    // Only databases of a store, no blobs yet: what a creation stopped after its first database leaves.
    const cut = join(root, 'cut-short');
    const env3 = openEnv({ path: cut, noSubdir: false, maxDbs: 8 });
    await env3.openDB('meta', { keyEncoding: 'binary', encoding: 'binary' }).put(Buffer.from('m'), Buffer.from('v'));
    await env3.close();
    const before = [main, named].map((d) => readFileSync(join(d, 'data.mdb')));
    const results = await probe([
      { path: main, options: {} },
      { path: named, options: {} },
      { path: cut, options: {} },
    ]);
    expect(results[0]).to.deep.include({ ok: false, code: 'INVALID_ARGUMENT' });
    expect(results[0]!.message).to.contain(main).and.contain('not a pagable store').and.contain('"hello"');
    expect(results[1]).to.deep.include({ ok: false, code: 'INVALID_ARGUMENT' });
    expect(results[1]!.message).to.contain('no roots database');
    expect(results[2]).to.deep.include({ ok: true });
    [main, named].forEach((d, i) => expect(readFileSync(join(d, 'data.mdb')).equals(before[i]!), d).to.equal(true));
    const again = openEnv({ path: main, noSubdir: false, maxDbs: 4, readOnly: true });
    expect([...again.getKeys()]).to.deep.equal(['hello']);
    await again.close();
  });
});

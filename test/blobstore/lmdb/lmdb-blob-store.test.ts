import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { open as openEnv } from 'lmdb';
import { computeKey, type DataKey, LmdbPagableStorage, type PagableData } from '../../../src/index.js';
import type { BlobEntry } from '../../../src/blobstore/interface.js';
import { encodeBlobRecord } from '../../../src/blobstore/blob-record.js';
import { LmdbBlobStore } from '../../../src/blobstore/lmdb/lmdb-blob-store.js';
import { blobStoreConformance } from '../../../src/testing/index.js';
import { batchOf } from '../../support/blob-batches.js';
import { expectError } from '../../support/expect-error.js';
import { runNode } from '../../support/node-process.js';

const SWEEP_WRITER = fileURLToPath(new URL('../../fixtures/lmdb-sweep-writer.js', import.meta.url));
const WITHOUT_LMDB = fileURLToPath(new URL('../../fixtures/without-lmdb.js', import.meta.url));

const dirs: string[] = [];
function freshDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'pagable-lmdb-store-'));
  dirs.push(d);
  return d;
}
after(function () {
  // Deleting a store directory can take long on a disk busy with other work: not a test's timeout.
  this.timeout(300_000);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function blob(text: string, arcs: DataKey[] = []): BlobEntry {
  const data: PagableData = { data: new TextEncoder().encode(text), arcs };
  return { key: computeKey(data), data };
}

function text(b: PagableData | undefined): string | undefined {
  return b === undefined ? undefined : new TextDecoder().decode(b.data);
}

/** Writes raw records into the blobs table, as a damaged or foreign store would hold them. */
async function putRaw(path: string, key: Uint8Array, value: Uint8Array, db = 'blobs'): Promise<void> {
  const env = openEnv({ path, noSubdir: false, maxDbs: 8 });
  await env.openDB<Uint8Array, Uint8Array>(db, { keyEncoding: 'binary', encoding: 'binary' }).put(key, value);
  await env.close();
}

/**
 * A gc over a SweepGuard, as the paging runtime runs one: mark from roots and touched keys,
 * delete the rest parents first in batches that succeed only if nothing was touched meanwhile.
 */
async function sweepGc(s: LmdbBlobStore, batch = 8): Promise<{ deleted: number; conflicts: number }> {
  const g = s.sweeps;
  let seq = await g.begin();
  try {
    const marked = new Set<DataKey>();
    const mark = (keys: Iterable<DataKey>): void => {
      const stack = [...keys];
      while (stack.length > 0) {
        const k = stack.pop()!;
        if (marked.has(k)) continue;
        marked.add(k);
        const b = s.getSync(k);
        if (b !== undefined) stack.push(...b.arcs);
      }
    };
    const t = await g.touchedSince(seq);
    seq = t.seq;
    mark([...s.listRoots().map((r) => r.key), ...t.keys]);
    const unmarked = [...s.keys()].filter((k) => !marked.has(k));
    // Parents first: a blob with children before the leaves (the graphs here are two deep).
    unmarked.sort((a, b) => (s.getSync(b)?.arcs.length ?? 0) - (s.getSync(a)?.arcs.length ?? 0));
    let deleted = 0;
    let conflicts = 0;
    for (let i = 0; i < unmarked.length; i += batch) {
      let keys = unmarked.slice(i, i + batch);
      for (;;) {
        keys = keys.filter((k) => !marked.has(k));
        const r = await g.deleteIfUntouched(keys, seq);
        if (r !== undefined) {
          deleted += keys.length;
          break;
        }
        conflicts++;
        const again = await g.touchedSince(seq);
        seq = again.seq;
        mark(again.keys);
      }
    }
    return { deleted, conflicts };
  } finally {
    await g.end();
  }
}

blobStoreConformance({ name: 'lmdb', create: () => LmdbBlobStore.open(freshDir()) });

describe('LmdbBlobStore', function () {
  this.timeout(60_000);

  it('puts, gets, has, lists and deletes blobs, with byte counts', async () => {
    const s = await LmdbBlobStore.open(freshDir());
    const a = blob('alpha');
    const b = blob('beta', [a.key]);
    expect(await s.putMany([a, b])).to.deep.equal([true, true]);
    expect(text(s.getSync(a.key))).to.equal('alpha');
    expect(s.getMany([b.key, blob('nope').key]).map((x) => x?.arcs)).to.deep.equal([[a.key], undefined]);
    expect(s.hasMany([a.key, blob('nope').key])).to.deep.equal([true, false]);
    expect([...s.keys()].sort()).to.deep.equal([a.key, b.key].sort());
    expect(s.count()).to.deep.equal({ blobs: 2, bytes: 9 });
    expect(await s.deleteMany([a.key, blob('nope').key])).to.equal(5);
    expect(s.count()).to.deep.equal({ blobs: 1, bytes: 4 });
    expect(s.getSync(a.key)).to.equal(undefined);
    expect(s.blobCount()).to.equal(1);
    await s.close();
  });

  it('never overwrites, and writes a key repeated in one batch once', async () => {
    const s = await LmdbBlobStore.open(freshDir());
    const a = blob('first');
    expect(await s.putMany([a, a, a])).to.deep.equal([true, false, false]);
    // Keys are trusted: other data under a stored key leaves the stored blob alone.
    expect(await s.putMany([{ key: a.key, data: { data: new Uint8Array([9]), arcs: [] } }])).to.deep.equal([false]);
    expect(text(s.getSync(a.key))).to.equal('first');
    expect(s.count()).to.deep.equal({ blobs: 1, bytes: 5 });
    await s.close();
  });

  it('reads its own writes before they commit', async () => {
    const s = await LmdbBlobStore.open(freshDir());
    const a = blob('in flight');
    const p = s.putMany([a]);
    expect(text(s.getSync(a.key))).to.equal('in flight');
    expect(s.hasMany([a.key])).to.deep.equal([true]);
    await p;
    await s.close();
  });

  it('sets a root only while its blob is present, in one transaction with the check', async () => {
    const s = await LmdbBlobStore.open(freshDir());
    const a = blob('rooted');
    expect(await s.setRoot('r', a.key)).to.equal(false);
    expect(s.getRoot('r')).to.equal(undefined);
    await s.putMany([a]);
    expect(await s.setRoot('r', a.key)).to.equal(true);
    expect(s.getRoot('r')).to.equal(a.key);
    // Racing a delete: whichever commits first decides, and the answer says which.
    for (let i = 0; i < 20; i++) {
      const b = blob(`race ${i}`);
      await s.putMany([b]);
      const [set] = await Promise.all(
        i % 2 === 0 ? [s.setRoot(`x${i}`, b.key), s.deleteMany([b.key])] : [s.deleteMany([b.key]).then(() => s.setRoot(`x${i}`, b.key))],
      );
      expect(set).to.equal(i % 2 === 0);
      expect(s.getRoot(`x${i}`)).to.equal(set ? b.key : undefined);
    }
    const long = 'n'.repeat(3000);
    expect(await s.setRoot(long, a.key)).to.equal(true);
    expect(s.listRoots().map((r) => r.name)).to.include.members(['r', long]);
    expect(await s.deleteRoot('r')).to.equal(true);
    expect(await s.deleteRoot('r')).to.equal(false);
    await expectError(s.setRoot('', a.key), 'INVALID_ARGUMENT');
    await expectError(s.setRoot('y', 'not a key'), 'INVALID_ARGUMENT');
    await s.close();
  });

  it('counts at open, on demand without countAtOpen, and keeps the count across reopening', async () => {
    const dir = freshDir();
    let s = await LmdbBlobStore.open(dir);
    await s.putMany([blob('one'), blob('two', [blob('one').key]), blob('three')]);
    await s.close();
    s = await LmdbBlobStore.open(dir);
    expect(s.count()).to.deep.equal({ blobs: 3, bytes: 11 });
    expect(text(s.getSync(blob('three').key))).to.equal('three');
    await s.close();
    s = await LmdbBlobStore.open(dir, { countAtOpen: false });
    await s.putMany([blob('four')]);
    expect(s.count()).to.deep.equal({ blobs: 4, bytes: 15 });
    await s.close();
  });

  it('opens stores written by LmdbPagableStorage, and old stores without the sweep tables', async () => {
    const dir = freshDir();
    const old = await LmdbPagableStorage.open(dir);
    const k = await old.storeData({ data: new Uint8Array([1, 2, 3]), arcs: [] });
    await old.setRoot('kept', k);
    await old.close();
    const ro = await LmdbBlobStore.open(dir, { readOnly: true });
    expect(ro.count()).to.deep.equal({ blobs: 1, bytes: 3 });
    expect(ro.getRoot('kept')).to.equal(k);
    expect(await ro.sweeps.touch([k])).to.deep.equal([true]);
    await ro.close();
    const s = await LmdbBlobStore.open(dir);
    const seq = await s.sweeps.begin();
    await s.putMany([blob('new')]);
    expect((await s.sweeps.touchedSince(seq)).keys).to.deep.equal([blob('new').key]);
    await s.sweeps.end();
    await s.close();
    // ...and the old class still opens it.
    const again = await LmdbPagableStorage.open(dir);
    expect((await again.fetchData(k)).data).to.deep.equal(new Uint8Array([1, 2, 3]));
    await again.close();
  });

  it('read-only: reads work, writes fail saying so, and a missing store is NOT_FOUND creating nothing', async () => {
    const dir = freshDir();
    const w = await LmdbBlobStore.open(dir);
    await w.putMany([blob('x')]);
    await w.close();
    const s = await LmdbBlobStore.open(dir, { readOnly: true });
    expect(text(s.getSync(blob('x').key))).to.equal('x');
    for (const write of [
      () => s.putMany([blob('y')]),
      () => s.deleteMany([blob('x').key]),
      () => s.setRoot('r', blob('x').key),
      async () => s.sweeps.begin(),
    ]) {
      const e = await expectError(write(), 'IO');
      expect(e.message).to.match(/opened read-only/);
    }
    await s.close();
    const empty = freshDir();
    await expectError(LmdbBlobStore.open(empty, { readOnly: true }), 'NOT_FOUND');
    expect(readdirSync(empty)).to.deep.equal([]);
    const missing = join(empty, 'nothing-here');
    await expectError(LmdbBlobStore.open(missing, { create: false }), 'NOT_FOUND');
    expect(existsSync(missing)).to.equal(false);
  });

  it('a key in the blobs table that is not 16 bytes is CORRUPT; a malformed record is CORRUPT naming its key', async () => {
    const dir = freshDir();
    const s0 = await LmdbBlobStore.open(dir);
    await s0.putMany([blob('fine')]);
    await s0.close();
    const badKey = blob('bad').key;
    await putRaw(dir, Buffer.from(badKey, 'hex'), new Uint8Array([0x85]));
    const s = await LmdbBlobStore.open(dir);
    expect(s.count().blobs).to.equal(2);
    const e = await expectError(() => s.getSync(badKey), 'CORRUPT');
    expect(e.message).to.contain(badKey);
    const listed = [...s.listBlobs()];
    expect(listed.find((b) => b.key === badKey)?.malformed?.code).to.equal('CORRUPT');
    expect(listed.find((b) => b.key === blob('fine').key)).to.deep.equal({ key: blob('fine').key, bytes: 4, children: 0 });
    // gc frees a malformed record like any other garbage.
    expect(await s.deleteMany([badKey])).to.equal(0);
    expect(s.hasMany([badKey])).to.deep.equal([false]);
    await s.close();
    await putRaw(dir, new Uint8Array([1, 2, 3]), encodeBlobRecord({ data: new Uint8Array(1), arcs: [] }));
    const t = await LmdbBlobStore.open(dir);
    await expectError(() => [...t.keys()], 'CORRUPT');
    await expectError(() => [...t.listBlobs()], 'CORRUPT');
    await expectError(() => t.keysWithPrefix(''), 'CORRUPT');
    // deleteMany deletes exactly the key it is given, and refuses what is not a key.
    await expectError(t.deleteMany(['010203']), 'INVALID_ARGUMENT');
    await t.close();
  });

  it('root names are WTF-8: records written as UTF-8 read the same; a name of other bytes is CORRUPT', async () => {
    const dir = freshDir();
    const s0 = await LmdbBlobStore.open(dir);
    const a = blob('rooted');
    await s0.putMany([a]);
    await s0.close();
    // As a store written before names were WTF-8 holds them (TextEncoder's UTF-8).
    const record = (name: Uint8Array): Uint8Array => Buffer.concat([Buffer.from(a.key, 'hex'), name]);
    const old = new TextEncoder().encode('ünïcode ✓ 😀');
    await putRaw(dir, old, record(old), 'roots');
    const s = await LmdbBlobStore.open(dir);
    expect(s.getRoot('ünïcode ✓ 😀')).to.equal(a.key);
    expect(await s.setRoot('\uD83D', a.key)).to.equal(true);
    expect(s.listRoots().map((r) => r.name)).to.deep.equal(['ünïcode ✓ 😀', '\uD83D']);
    await s.close();
    // A surrogate pair as two 3-byte sequences is not the WTF-8 of any name.
    const split = new Uint8Array([0xed, 0xa0, 0xbd, 0xed, 0xb8, 0x80]);
    await putRaw(dir, split, record(split), 'roots');
    const t = await LmdbBlobStore.open(dir);
    await expectError(() => t.listRoots(), 'CORRUPT');
    await t.close();
  });

  it('after close, calls are STORAGE_CLOSED and nothing crashes', async () => {
    const s = await LmdbBlobStore.open(freshDir());
    const a = blob('a');
    await s.putMany([a]);
    await s.close();
    await s.close();
    await expectError(() => s.getSync(a.key), 'STORAGE_CLOSED');
    await expectError(() => s.hasMany([a.key]), 'STORAGE_CLOSED');
    await expectError(() => [...s.keys()], 'STORAGE_CLOSED');
    await expectError(s.putMany([a]), 'STORAGE_CLOSED');
    await expectError(() => s.getRoot('r'), 'STORAGE_CLOSED');
    await expectError(() => s.count(), 'STORAGE_CLOSED');
    await expectError(async () => s.sweeps.begin(), 'STORAGE_CLOSED');
  });

  it('rejects bad options with INVALID_ARGUMENT', async () => {
    for (const mapSize of [-1, 0, 1.5, NaN, 1e30, 2 ** 53]) {
      await expectError(LmdbBlobStore.open(freshDir(), { mapSize }), 'INVALID_ARGUMENT');
    }
    await expectError(LmdbBlobStore.open(''), 'INVALID_ARGUMENT');
    await expectError(LmdbBlobStore.open(freshDir(), { sweepLeaseMs: -5 }), 'INVALID_ARGUMENT');
  });
});

describe('LmdbBlobStore sweeps', function () {
  this.timeout(120_000);

  it('records what any handle writes, touches or roots while a sweep is open, and deletes only if untouched', async () => {
    const dir = freshDir();
    const gc = await LmdbBlobStore.open(dir);
    const writer = await LmdbBlobStore.open(dir);
    const old = blob('old');
    await writer.putMany([old]);
    const seq = await gc.sweeps.begin();
    expect((await gc.sweeps.touchedSince(seq)).keys).to.deep.equal([]);
    const fresh = blob('fresh');
    await writer.putMany([fresh, old]);
    const t = await gc.sweeps.touchedSince(seq);
    expect(t.keys.sort()).to.deep.equal([fresh.key, old.key].sort());
    expect(t.seq).to.be.greaterThan(seq);
    // A stale sequence deletes nothing; the current one deletes all of the batch.
    expect(await gc.sweeps.deleteIfUntouched([old.key], seq)).to.equal(undefined);
    expect(writer.hasMany([old.key])).to.deep.equal([true]);
    expect(await writer.sweeps.touch([old.key, blob('absent').key])).to.deep.equal([true, false]);
    const t2 = await gc.sweeps.touchedSince(t.seq);
    expect(t2.keys).to.deep.equal([old.key]);
    await writer.setRoot('named', fresh.key);
    const t3 = await gc.sweeps.touchedSince(t2.seq);
    expect(t3.keys).to.deep.equal([fresh.key]);
    expect(await gc.sweeps.deleteIfUntouched([old.key, fresh.key], t3.seq)).to.equal(8);
    expect(writer.hasMany([old.key, fresh.key])).to.deep.equal([false, false]);
    await gc.sweeps.end();
    // No sweep open: nothing recorded, and the next sweep starts clean.
    await writer.putMany([old]);
    const seq2 = await gc.sweeps.begin();
    expect(seq2).to.equal(t3.seq);
    expect((await gc.sweeps.touchedSince(seq2)).keys).to.deep.equal([]);
    await gc.sweeps.end();
    await gc.close();
    await writer.close();
  });

  for (const write of ['putMany', 'putBatch'] as const) {
    it(`while a sweep is open, a write (${write}) whose child is gone fails instead of storing a dangling parent`, async () => {
      const s = await LmdbBlobStore.open(freshDir());
      const put = async (blobs: BlobEntry[]): Promise<unknown> =>
        write === 'putMany' ? s.putMany(blobs) : s.putBatch(batchOf(blobs), false);
      const child = blob('child');
      await s.putMany([child]);
      const seq = await s.sweeps.begin();
      expect(await s.sweeps.deleteIfUntouched([child.key], seq)).to.equal(5);
      const parent = blob('parent', [child.key]);
      const other = blob('other');
      const e = await expectError(put([other, parent]), 'NOT_FOUND');
      expect(e.message).to.contain(child.key).and.contain(parent.key);
      expect(s.hasMany([parent.key, other.key])).to.deep.equal([false, false]);
      // With the child in the same batch it is fine, and the gc sees every key of it as touched.
      await put([parent, child]);
      expect(s.hasMany([parent.key, child.key])).to.deep.equal([true, true]);
      expect((await s.sweeps.touchedSince(seq)).keys.sort()).to.deep.equal([parent.key, child.key].sort());
      await s.sweeps.end();
      await s.close();
    });
  }

  it('a sweep whose gc stopped calling expires: writers stop recording and the gc cannot delete', async () => {
    const dir = freshDir();
    const gc = await LmdbBlobStore.open(dir, { sweepLeaseMs: 30 });
    const writer = await LmdbBlobStore.open(dir);
    const a = blob('a');
    await writer.putMany([a]);
    const seq = await gc.sweeps.begin();
    await new Promise((r) => setTimeout(r, 60));
    await writer.putMany([blob('b')]);
    const e = await expectError(async () => gc.sweeps.deleteIfUntouched([a.key], seq), 'IO');
    expect(e.message).to.match(/lost its lease \(its last guard call was \d+ ms ago, past its 30 ms lease; the marker lists 0 open sweep/);
    expect(writer.hasMany([a.key])).to.deep.equal([true]);
    await gc.sweeps.end();
    await gc.close();
    await writer.close();
  });

  it('a sweep dropped from the marker before its lease ran out says so, and deletes nothing', async () => {
    const dir = freshDir();
    const gc = await LmdbBlobStore.open(dir);
    const a = blob('a');
    await gc.putMany([a]);
    const seq = await gc.sweeps.begin();
    // What no pagable writer does: the marker rewritten without the open sweep (sequence 7).
    const marker = Buffer.alloc(8);
    marker.writeDoubleLE(7, 0);
    await putRaw(dir, Buffer.from('sweep'), marker, 'meta');
    const e = await expectError(async () => gc.sweeps.deleteIfUntouched([a.key], seq), 'IO');
    expect(e.message).to.match(/lost its lease \(its lease was renewed \d+ ms ago \(of 600000\), yet the marker no longer lists it/);
    expect(e.message).to.contain('the marker lists 0 open sweep(s) at sequence 7');
    expect(gc.hasMany([a.key])).to.deep.equal([true]);
    await gc.sweeps.end();
    const after = await expectError(async () => gc.sweeps.touchedSince(seq), 'IO');
    expect(after.message).to.contain('end() ran on this handle');
    await gc.close();
  });

  it('gc in two handles of one process never deletes what the other handle acknowledged and rooted', async () => {
    const dir = freshDir();
    const gc = await LmdbBlobStore.open(dir);
    const writer = await LmdbBlobStore.open(dir);
    const acked: Array<[string, DataKey]> = [];
    let done = false;
    const writing = (async () => {
      for (let i = 0; i < 150; i++) {
        const leaves = [blob(`shared ${i % 3}`), blob(`own ${i}`)];
        const parent = blob(
          `p ${i}`,
          leaves.map((l) => l.key),
        );
        for (;;) {
          await writer.putMany([...leaves, parent, blob(`garbage ${i}`)]);
          if (await writer.setRoot(`g${i}`, parent.key)) break;
        }
        acked.push([`g${i}`, parent.key]);
      }
      done = true;
    })();
    let conflicts = 0;
    while (!done) conflicts += (await sweepGc(gc, 4)).conflicts;
    await writing;
    await sweepGc(gc);
    // Deletes did meet the writer's records (and lost): the race was run.
    expect(conflicts).to.be.greaterThan(0);
    for (const [name, key] of acked) {
      expect(gc.getRoot(name)).to.equal(key);
      const p = gc.getSync(key)!;
      expect(gc.hasMany(p.arcs), name).to.deep.equal(p.arcs.map(() => true));
    }
    expect(gc.count().blobs).to.equal(150 + 150 + 3);
    await gc.close();
    await writer.close();
  });

  it('gc here never deletes what a writer process acknowledged and rooted', async () => {
    const dir = freshDir();
    const gc = await LmdbBlobStore.open(dir);
    const graphs = 80;
    const child = spawn(process.execPath, [SWEEP_WRITER, dir, String(graphs)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    let running = true;
    void exited.then(() => (running = false));
    let conflicts = 0;
    while (running) conflicts += (await sweepGc(gc, 4)).conflicts;
    expect(await exited, err).to.equal(0);
    const acked = out
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => l.split(' ') as [string, DataKey]);
    expect(acked).to.have.length(graphs);
    // Deletes did meet the writer's records (and lost): the race was run.
    expect(conflicts).to.be.greaterThan(0);
    await sweepGc(gc);
    // What is left is exactly the rooted graphs: parents, their own leaves, the 4 shared ones.
    expect(gc.count().blobs).to.equal(graphs * 4 + 4);
    for (const [i, key] of acked) {
      expect(gc.getRoot(`graph-${i}`)).to.equal(key);
      const p = gc.getSync(key);
      expect(p, `graph ${i}`).to.not.equal(undefined);
      expect(gc.hasMany(p!.arcs), `graph ${i}`).to.deep.equal([true, true, true, true]);
    }
    await gc.close();
  });

  it('putMany throughput with and without an open sweep (10k-blob batches; PAGABLE_BENCH=1 prints it)', async () => {
    const s = await LmdbBlobStore.open(freshDir(), { noSync: true });
    const rounds = process.env.PAGABLE_BENCH === '1' ? 6 : 1;
    const batch = (tag: string): BlobEntry[] => Array.from({ length: 10_000 }, (_, i) => blob(`${tag} ${i} ${'x'.repeat(100)}`));
    const times = { closed: [] as number[], open: [] as number[] };
    for (let r = 0; r < rounds; r++) {
      for (const mode of ['closed', 'open'] as const) {
        const b = batch(`${mode} ${r}`);
        if (mode === 'open') await s.sweeps.begin();
        const t0 = performance.now();
        const written = await s.putMany(b);
        times[mode].push(performance.now() - t0);
        if (mode === 'open') await s.sweeps.end();
        expect(written.every((w) => w)).to.equal(true);
      }
    }
    if (process.env.PAGABLE_BENCH === '1') {
      const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
      console.log(`      putMany 10k: no sweep ${median(times.closed).toFixed(1)} ms, sweep open ${median(times.open).toFixed(1)} ms`);
    }
    await s.close();
  });
});

describe('LmdbBlobStore across processes', function () {
  this.timeout(60_000);

  it('without the optional peer dependency lmdb, open() is IO saying to install it', async () => {
    const out = await runNode([WITHOUT_LMDB, freshDir()]);
    expect(out).to.match(/^IO .*npm install lmdb/);
  });

  it('sees a blob another process committed after this handle last read', async () => {
    const dir = freshDir();
    const s = await LmdbBlobStore.open(dir);
    // The writer's graph 0: its parent over four leaves.
    const leaves = ['shared 0', 'leaf 0.0', 'leaf 0.1', 'leaf 0.2'].map((t) => blob(t).key);
    const parent = blob('graph 0', leaves);
    expect(s.getSync(parent.key)).to.equal(undefined);
    expect(s.hasMany(leaves)).to.deep.equal([false, false, false, false]);
    await runNode([SWEEP_WRITER, dir, '1']);
    expect(text(s.getSync(parent.key))).to.equal('graph 0');
    expect(s.hasMany(leaves)).to.deep.equal([true, true, true, true]);
    expect(s.getRoot('graph-0')).to.equal(parent.key);
    await s.close();
  });
});

import { expect } from 'chai';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { open as openEnv } from 'lmdb';
import { computeKey, type DataKey, InMemoryPagableStorage, LmdbPagableStorage, PagableArc, PagableError } from '../../src/index.js';
import { blobRecordDataLength, decodeBlobRecord, encodeBlobRecord } from '../../src/blobstore/blob-record.js';
import { buildGraph } from '../fixtures/lmdb-graph.js';
import { storageConformance } from '../support/storage-conformance.js';
import { Dep, Module, Package } from '../support/models.js';
import { expectError } from '../support/expect-error.js';
import { runNode } from '../support/node-process.js';

const WRITER = fileURLToPath(new URL('../fixtures/lmdb-writer.js', import.meta.url));

const dirs: string[] = [];
function freshDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'pagable-lmdb-'));
  dirs.push(d);
  return d;
}
after(function () {
  // Deleting a store directory can take long on a disk busy with other work: not a test's timeout.
  this.timeout(300_000);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Runs the writer fixture; resolves with its "<i> <key>" lines once it exits. */
function runWriter(path: string, ...args: string[]): Promise<Array<[number, DataKey]>> {
  return runNode([WRITER, path, ...args]).then(parseLines);
}

/** Parses the writer's "<i> <key>" lines. */
function parseLines(out: string): Array<[number, DataKey]> {
  return out
    .split('\n')
    .filter((l) => /^\d+ [0-9a-f]{32}$/.test(l))
    .map((l) => {
      const [i, k] = l.split(' ');
      return [Number(i), k as DataKey];
    });
}

storageConformance({
  name: 'lmdb',
  syncFetch: true,
  create: (options) => LmdbPagableStorage.open(freshDir(), options),
});

describe('blob records', () => {
  it('round trip blobs with and without children', () => {
    const k1 = computeKey({ data: new Uint8Array([1]), arcs: [] });
    const k2 = computeKey({ data: new Uint8Array([2]), arcs: [] });
    for (const arcs of [[], [k1], [k1, k2, k1], Array.from({ length: 200 }, () => k2)]) {
      const blob = { data: new Uint8Array([9, 8, 7, 6]), arcs };
      const rec = encodeBlobRecord(blob);
      const back = decodeBlobRecord(rec, 'r');
      expect(back.arcs).to.deep.equal(arcs);
      expect([...back.data]).to.deep.equal([9, 8, 7, 6]);
      expect(Object.getPrototypeOf(back.data)).to.equal(Uint8Array.prototype);
      expect(blobRecordDataLength(rec, 'r')).to.equal(4);
    }
    // 200 children need a two-byte count.
    expect(encodeBlobRecord({ data: new Uint8Array(0), arcs: Array.from({ length: 200 }, () => k1) }).length).to.equal(2 + 3200);
  });

  it('reject malformed records with CORRUPT naming where', () => {
    const bad = [
      new Uint8Array([]), // no count
      new Uint8Array([0x80]), // truncated count
      new Uint8Array([0x80, 0x80, 0x80, 0x80, 0x80, 0x01]), // count too long
      new Uint8Array([0x81, 0x00]), // non-minimal count
      new Uint8Array([2, ...new Uint8Array(20)]), // two keys need 32 bytes
      new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x0f]), // absurd count
    ];
    for (const rec of bad) {
      try {
        decodeBlobRecord(rec, 'blob abc');
        expect.fail(`accepted ${[...rec].join(',')}`);
      } catch (e) {
        expect(e).to.be.instanceOf(PagableError);
        expect((e as PagableError).code).to.equal('CORRUPT');
        expect((e as Error).message).to.contain('blob abc');
      }
    }
  });
});

describe('LmdbPagableStorage', function () {
  this.timeout(120_000);

  it('opening a missing store with create: false is NOT_FOUND and creates nothing', async () => {
    const path = join(freshDir(), 'nope');
    await expectError(LmdbPagableStorage.open(path, { create: false }), 'NOT_FOUND');
    expect(existsSync(path)).to.equal(false);
  });

  it('reads its own writes before they are committed', async () => {
    const s = await LmdbPagableStorage.open(freshDir());
    const d = { data: new Uint8Array([4, 2]), arcs: [] };
    const p = s.storeData(d);
    const key = computeKey(d);
    expect([...s.fetchDataSync(key).data]).to.deep.equal([4, 2]);
    expect(await p).to.equal(key);
    expect([...s.fetchDataSync(key).data]).to.deep.equal([4, 2]);
    await s.close();
  });

  it('a graph saved by another process loads here', async () => {
    const path = freshDir();
    const [[i, key]] = (await runWriter(path, 'once')) as [[number, DataKey]];
    expect(i).to.equal(0);
    const s = await LmdbPagableStorage.open(path);
    const back = await s.load(Package, key);
    expect(back.name).to.equal('pkg-0');
    expect(back.modules).to.have.length(10);
    expect(back.modules[0]!.imports[2]).to.equal(back.main);
    const entry = back.entry!.pinSync();
    expect(entry.value).to.be.instanceOf(Module);
    expect(entry.value.imports).to.have.length(10);
    entry.release();
    // The same graph built here has the same key: content addressing across processes.
    const mem = new InMemoryPagableStorage();
    expect(await mem.save(buildGraph(0, mem))).to.equal(key);
    expect((await s.verify()).corrupt).to.deep.equal([]);
    await s.close();
  });

  it('deduplicates across reopenings and counts the store at open', async () => {
    const path = freshDir();
    let s = await LmdbPagableStorage.open(path);
    const k1 = await s.save(buildGraph(1, s));
    const first = s.stats();
    await s.close();

    s = await LmdbPagableStorage.open(path);
    const reopened = s.stats();
    expect(reopened.blobs).to.equal(first.blobs);
    expect(reopened.bytes).to.equal(first.bytes);
    expect(reopened.stores).to.equal(0);
    expect(s.blobCount()).to.equal(first.blobs);
    const k2 = await s.save(buildGraph(1, s));
    expect(k2).to.equal(k1);
    const again = s.stats();
    expect(again.blobs).to.equal(first.blobs);
    expect(again.bytes).to.equal(first.bytes);
    expect(again.dedupHits).to.equal(again.stores);
    // Graph 2 shares tslib and common with graph 1: only its own blobs are new.
    await s.save(buildGraph(2, s));
    const third = s.stats();
    expect(third.dedupHits - again.dedupHits).to.be.greaterThan(0);
    await s.close();

    s = await LmdbPagableStorage.open(path);
    expect(s.stats().blobs).to.equal(third.blobs);
    expect(s.stats().bytes).to.equal(third.bytes);
    let listed = 0;
    let bytes = 0;
    for await (const b of s.listBlobs()) {
      listed++;
      bytes += b.bytes;
    }
    expect(listed).to.equal(third.blobs);
    expect(bytes).to.equal(third.bytes);
    expect(s.keysWithPrefix(k1.slice(0, 6))).to.deep.equal([k1]);
    await s.close();
  });

  it('two handles on one path in one process: closing one leaves the other working', async () => {
    const path = freshDir();
    const a = await LmdbPagableStorage.open(path);
    const b = await LmdbPagableStorage.open(path);
    const key = await a.save(Dep.of('both'));
    expect((await b.load(Dep, key)).name).to.equal('both');
    await a.close();
    const k2 = await b.save(Dep.of('still'));
    expect((await b.load(Dep, k2)).name).to.equal('still');
    await b.close();
  });

  it('opens read-only for inspection; writes then fail with a PagableError', async () => {
    const path = freshDir();
    const w = await LmdbPagableStorage.open(path);
    const key = await w.save(Dep.of('ro'));
    await w.close();
    const r = await LmdbPagableStorage.open(path, { readOnly: true, create: false });
    expect((await r.load(Dep, key)).name).to.equal('ro');
    await expectError(r.save(Dep.of('write')), 'IO');
    await r.close();
  });

  it('detects a blob corrupted on disk: CORRUPT on load, listed by verify', async () => {
    const path = freshDir();
    let s = await LmdbPagableStorage.open(path);
    const dep = Dep.of('victim', '1.0.0', [Dep.of('child')]);
    const key = await s.save(dep);
    const childKey = (await s.fetchData(key)).arcs[0]!;
    await s.close();

    // Flip one byte of the child's data through a raw LMDB handle.
    const env = openEnv({ path, maxDbs: 4 });
    const raw = env.openDB<Uint8Array, Uint8Array>('blobs', { keyEncoding: 'binary', encoding: 'binary' });
    const rec = Buffer.from(raw.getBinary(Buffer.from(childKey, 'hex'))!);
    rec[rec.length - 1] ^= 0x01;
    await raw.put(Buffer.from(childKey, 'hex'), rec);
    await env.close();

    s = await LmdbPagableStorage.open(path);
    const e = await expectError(s.load(Dep, key), 'CORRUPT');
    expect(e.message).to.contain(childKey);
    expect(() => s.fetchDataSync(childKey)).to.throw(PagableError, childKey);
    const report = await s.verify();
    // The two Dep blobs, and their schema blobs (a set and Dep's class schema).
    expect(report.checked).to.equal(4);
    expect(report.corrupt).to.deep.equal([childKey]);
    await s.close();

    // With verify off the bytes are trusted, and the base verify still finds the mismatch.
    s = await LmdbPagableStorage.open(path, { verify: false });
    expect(s.fetchDataSync(childKey).data).to.be.instanceOf(Uint8Array);
    expect((await s.verify()).corrupt).to.deep.equal([childKey]);
    await s.close();
  });

  it('a blob changed on disk that still decodes is CORRUPT on load and pin, naming its key and what it hashes to', async () => {
    const path = freshDir();
    let s = await LmdbPagableStorage.open(path);
    const key = await s.save(Dep.of('parent', '1.0.0', [Dep.of('child-name')]));
    const childKey = (await s.fetchData(key)).arcs[0]!;
    await s.close();
    // 'child-name' becomes 'Child-name': a well-formed blob of other content under the old key.
    const env = openEnv({ path, maxDbs: 4 });
    const raw = env.openDB<Uint8Array, Uint8Array>('blobs', { keyEncoding: 'binary', encoding: 'binary' });
    const rec = Buffer.from(raw.getBinary(Buffer.from(childKey, 'hex'))!);
    const at = rec.indexOf('child-name');
    expect(at).to.be.greaterThan(0);
    rec[at] = 'C'.charCodeAt(0);
    await raw.put(Buffer.from(childKey, 'hex'), rec);
    await env.close();

    s = await LmdbPagableStorage.open(path, { countAtOpen: false });
    const e = await expectError(s.load(Dep, key), 'CORRUPT');
    expect(e.message).to.contain(childKey).and.to.contain('hashes to');
    await s.close();
    // Unverified, the changed content is what comes back.
    s = await LmdbPagableStorage.open(path, { verify: false });
    expect((await s.load(Dep, key)).deps[0]!.name).to.equal('Child-name');
    await s.close();
  });

  it('a malformed record is CORRUPT naming the key', async () => {
    const path = freshDir();
    let s = await LmdbPagableStorage.open(path);
    const key = await s.save(Dep.of('short'));
    await s.close();
    const env = openEnv({ path, maxDbs: 4 });
    const raw = env.openDB<Uint8Array, Uint8Array>('blobs', { keyEncoding: 'binary', encoding: 'binary' });
    await raw.put(Buffer.from(key, 'hex'), new Uint8Array([5, 1, 2]));
    await env.close();
    s = await LmdbPagableStorage.open(path, { countAtOpen: false });
    const e = await expectError(s.load(Dep, key), 'CORRUPT');
    expect(e.message).to.contain(key);
    expect((await s.verify()).corrupt).to.deep.equal([key]);
    await s.close();
    // Counting at open walks every page: a malformed record does not make the whole store
    // unopenable (stats and ls report malformed records and go on); it stays CORRUPT when
    // read and is listed by verify.
    s = await LmdbPagableStorage.open(path);
    await expectError(s.load(Dep, key), 'CORRUPT');
    expect((await s.verify()).corrupt).to.deep.equal([key]);
    expect([...s.listBlobs()].find((b) => b.key === key)?.malformed?.code).to.equal('CORRUPT');
    await s.close();
  });

  it('roots survive reopening; gc keeps what they reach and frees the rest', async () => {
    const path = freshDir();
    let s = await LmdbPagableStorage.open(path);
    const kept = await s.save(buildGraph(3, s));
    const dropped = await s.save(Dep.of('orphan', '0', [Dep.of('orphan-child')]));
    await s.setRoot('release/3', kept);
    // A name too long for an LMDB key (3 bytes a character) still works.
    const longName = '€'.repeat(1000);
    await s.setRoot(longName, kept);
    await s.close();

    s = await LmdbPagableStorage.open(path);
    expect(await s.getRoot('release/3')).to.equal(kept);
    expect(await s.getRoot(longName)).to.equal(kept);
    expect((await s.listRoots()).map((r) => r.name)).to.deep.equal(['release/3', longName]);
    const before = s.stats();
    // A progress callback: without one, the base's gc() reports keptBlobs as -freedBlobs (told the lead).
    const report = await s.gc(() => undefined);
    expect(report.freedBlobs).to.equal(2);
    expect(report.keptBlobs).to.equal(before.blobs - 2);
    expect(s.stats().blobs).to.equal(before.blobs - 2);
    await expectError(s.fetchData(dropped), 'NOT_FOUND');
    expect((await s.load(Package, kept)).name).to.equal('pkg-3');
    await s.close();

    s = await LmdbPagableStorage.open(path);
    expect(s.stats().blobs).to.equal(before.blobs - 2);
    expect(s.stats().bytes).to.equal(before.bytes - report.freedBytes);
    expect(await s.deleteRoot(longName)).to.equal(true);
    expect(await s.deleteRoot('release/3')).to.equal(true);
    expect((await s.gc(() => undefined)).keptBlobs).to.equal(0);
    expect(s.stats()).to.include({ blobs: 0, bytes: 0 });
    await s.close();
  });

  it('gc keeps a blob stored and an arc paged out while it runs', async () => {
    const path = freshDir();
    const s = await LmdbPagableStorage.open(path);
    const kept = await s.save(buildGraph(4, s));
    await s.setRoot('main', kept);
    // Garbage, so that the sweep has work to do.
    for (let i = 0; i < 20; i++) await s.save(buildGraph(100 + i, s));
    const arc = PagableArc.new(Dep.of('during-gc', '1', [Dep.of('below')]), s);
    arc.unpin();
    const gc = s.gc();
    const stored = await s.storeData({ data: new Uint8Array([1, 2, 3, 4]), arcs: [] });
    await s.pageOutPending();
    const report = await gc;
    expect(report.freedBlobs).to.be.greaterThan(0);
    expect([...(await s.fetchData(stored)).data]).to.deep.equal([1, 2, 3, 4]);
    const pin = await arc.pin();
    expect(pin.value.deps[0]!.name).to.equal('below');
    pin.release();
    await s.close();
  });

  it('a process killed mid-saves leaves every resolved save intact and a store that verifies', async () => {
    const path = freshDir();
    const child: ChildProcess = spawn(process.execPath, [WRITER, path, 'loop', '100000'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
    await new Promise<void>((resolve, reject) => {
      child.on('error', reject);
      child.stdout!.on('data', (b: Buffer) => {
        out += b.toString();
        // Kill at a moment no test chooses: after a few dozen saves, mid-way through the next.
        if (out.split('\n').length > 40) resolve();
      });
      child.on('close', () => reject(new Error('the writer stopped by itself')));
    });
    child.kill('SIGKILL');
    await exited;
    // Only complete lines: the last one may have been cut by the kill.
    const lines = out
      .split('\n')
      .slice(0, -1)
      .map((l) => l.split(' ') as [string, DataKey]);
    expect(lines.length).to.be.at.least(40);

    const s = await LmdbPagableStorage.open(path);
    for (const [i, key] of lines) {
      const back = await s.load(Package, key);
      expect(back.name).to.equal(`pkg-${i}`);
      const entry = await back.entry!.pin();
      expect(entry.value.size).to.equal(Number(i));
      entry.release();
    }
    const report = await s.verify();
    expect(report.corrupt).to.deep.equal([]);
    expect(report.checked).to.equal(s.stats().blobs);
    await s.close();
  });

  it('after close, fetches are STORAGE_CLOSED', async () => {
    const s = await LmdbPagableStorage.open(freshDir());
    const key = await s.save(Dep.of('x'));
    await s.close();
    await expectError(s.fetchData(key), 'STORAGE_CLOSED');
    expect(() => s.fetchDataSync(key)).to.throw(PagableError);
    expect(() => s.blobCount()).to.throw(PagableError);
  });
});

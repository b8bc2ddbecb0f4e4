/*
 * Another process opening and closing a store (a CLI command run against a live store) while
 * this one writes: every write this process was told is committed must stay there.
 *
 * Off unless PAGABLE_LMDB_RACE=1: it fails today. lmdb-js alone shows it (a process writing and
 * reading back a key in turn, another opening and closing the environment 400 times): about one
 * write in 300 read back as the value before it, and stayed so, with lmdb-js's default
 * overlappingSync; with overlappingSync off, fewer, and once a commit failed with "MDB_BAD_TXN:
 * mdb_page_touch no parent". Found through a gc sweep that lost its lease (lmdb-blob-store.test.ts).
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LmdbBlobStore } from '../../../src/blobstore/lmdb/lmdb-blob-store.js';
import { computeKey, type DataKey, type PagableData } from '../../../src/index.js';

const OPEN_CLOSE = fileURLToPath(new URL('../../fixtures/lmdb-open-close-loop.js', import.meta.url));

describe('LMDB: another process opening and closing the store while this one writes', function () {
  this.timeout(120_000);
  before(function () {
    if (process.env.PAGABLE_LMDB_RACE !== '1') this.skip();
  });

  it('loses no committed write', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pagable-open-race-'));
    const s = await LmdbBlobStore.open(dir);
    const child = spawn(process.execPath, [OPEN_CLOSE, dir, '400'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    let running = true;
    void exited.then(() => (running = false));
    const acked: DataKey[] = [];
    const vanished: number[] = [];
    for (let i = 0; running; i++) {
      const data: PagableData = { data: new TextEncoder().encode(`blob ${i}`), arcs: [] };
      const key = computeKey(data);
      await s.putMany([{ key, data }]);
      acked.push(key);
      if (!s.hasMany([key])[0]) vanished.push(i);
    }
    expect(await exited, err).to.equal(0);
    const missing = s.hasMany(acked).filter((present) => !present).length;
    await s.close();
    expect({ vanished: vanished.length, missing }, `of ${acked.length} writes`).to.deep.equal({ vanished: 0, missing: 0 });
  });
});

/**
 * Tutorial 8: your own backend in under 60 lines.
 *
 * A backend is raw blob I/O only: a `BlobStore`. Extend `BaseBlobStore` and implement one blob at a
 * time (put-if-absent, get, has, delete, keys, roots); `new PagableStorageBase(store)` then pages
 * through it with everything else (arcs, save/load, gc, verify) exactly as the built-in storages do,
 * and `pagable/testing` has the suites to prove it (test/examples/custom-backend.test.ts runs
 * both on this store). This one keeps each blob in a file named by its key, and the named roots
 * in one JSON file.
 *
 * Run: npm run example -- 08
 */
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  BaseBlobStore, type BlobEntry, type DataKey, Field, Pagable, type PagableData, PagableStorageBase, type RootEntry, Shared,
} from 'pagable';

/** Blobs as files `<dir>/blobs/<key>`: the data, then a JSON line of child keys. */
export class DirectoryBlobStore extends BaseBlobStore {
  readonly name: string;
  constructor(readonly dir: string) {
    super();
    this.name = `directory ${dir}`;
    mkdirSync(join(dir, 'blobs'), { recursive: true });
  }
  #file(key: DataKey): string { return join(this.dir, 'blobs', key); }
  #roots(): Record<string, DataKey> {
    try { return JSON.parse(readFileSync(join(this.dir, 'roots.json'), 'utf8')) as Record<string, DataKey>; } catch { return {}; }
  }
  #saveRoots(r: Record<string, DataKey>): void { writeFileSync(join(this.dir, 'roots.json'), JSON.stringify(r)); }

  put({ key, data }: BlobEntry): boolean {
    const body = Buffer.concat([Buffer.from(JSON.stringify(data.arcs) + '\n'), data.data]);
    // 'wx' fails if the file exists: put-if-absent in one step, even against other processes.
    try { writeFileSync(this.#file(key), body, { flag: 'wx' }); return true; } catch { return false; }
  }
  get(key: DataKey): PagableData | undefined {
    let b: Buffer;
    try { b = readFileSync(this.#file(key)); } catch { return undefined; }
    const nl = b.indexOf(10);
    return { arcs: JSON.parse(b.subarray(0, nl).toString()) as DataKey[], data: new Uint8Array(b.subarray(nl + 1)) };
  }
  getSync(key: DataKey): PagableData | undefined { return this.get(key); }
  has(key: DataKey): boolean { try { statSync(this.#file(key)); return true; } catch { return false; } }
  delete(key: DataKey): number {
    const blob = this.get(key);
    if (blob === undefined) return 0;
    unlinkSync(this.#file(key));
    return blob.data.length;
  }
  keys(): DataKey[] { return readdirSync(join(this.dir, 'blobs')); }
  getRoot(name: string): DataKey | undefined { return this.#roots()[name]; }
  setRoot(name: string, key: DataKey): boolean {
    if (!this.has(key)) return false;
    this.#saveRoots({ ...this.#roots(), [name]: key });
    return true;
  }
  deleteRoot(name: string): boolean {
    const r = this.#roots();
    if (!(name in r)) return false;
    delete r[name];
    this.#saveRoots(r);
    return true;
  }
  listRoots(): RootEntry[] { return Object.entries(this.#roots()).map(([name, key]) => ({ name, key })); }
}

// ---- using it ------------------------------------------------------------------------------------

@Pagable() class Note { @Field() text!: string; @Shared(() => Note) replyTo?: Note; }

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'pagable-dir-store-'));
  try {
    const storage = new PagableStorageBase(new DirectoryBlobStore(dir));
    const first = Object.assign(new Note(), { text: 'hello' });
    const key = await storage.save(Object.assign(new Note(), { text: 'hi back', replyTo: first }));
    await storage.setRoot('thread', key);
    console.log(`files written: ${readdirSync(join(dir, 'blobs')).length}`);
    const back = await storage.load(Note, (await storage.getRoot('thread'))!);
    console.log(`loaded: "${back.text}" replying to "${back.replyTo!.text}", a Note: ${back instanceof Note}`);
    console.log(`verify: ${(await storage.verify()).corrupt.length} corrupt`);
    await storage.close();
    console.log('ok');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// Run as a program (not when the tests import the store).
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}

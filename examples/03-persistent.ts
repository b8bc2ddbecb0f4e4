/**
 * Tutorial 3: persist graphs on disk with LMDB, reopen them in a later run, name what to keep
 * with roots, and collect the rest.
 *
 * Run: npm run example -- 03 [DIR]   (with DIR, the store is kept there to look at with `pagable`)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Field, Lazy, LmdbPagableStorage, Pagable, PagableArc, Shared, TypeTag } from 'pagable';

@Pagable()
class Asset {
  @Field() path!: string;
  @Field() bytes!: Uint8Array;
}

// Tagged, so a blob of it says what it is (and `pagable show` can name it).
@TypeTag('persistent.Snapshot') @Pagable()
class Snapshot {
  @Field() label!: string;
  @Field() createdAt!: Date;
  // The logo is one object referenced twice: stored once, restored shared.
  @Shared(() => Asset) logo!: Asset;
  @Shared(() => [Asset]) assets!: Asset[];
  // Big and rarely needed: paged in only when pinned.
  @Lazy(() => Asset) archive!: PagableArc<Asset> | undefined;
}

function asset(path: string, size: number): Asset {
  return Object.assign(new Asset(), { path, bytes: new Uint8Array(size).fill(path.length) });
}

async function main(): Promise<void> {
  // Give a directory to keep the store and look at it afterwards; without one, a temporary store.
  const keep = process.argv[2];
  const dir = keep ?? mkdtempSync(join(tmpdir(), 'pagable-tutorial-'));
  try {
    // 1. Open (and create) a store: a directory holding one LMDB file.
    let storage = await LmdbPagableStorage.open(dir);
    const logo = asset('logo.svg', 2_000);
    const snapshot = (label: string): Snapshot => Object.assign(new Snapshot(), {
      label,
      createdAt: new Date('2024-05-01T00:00:00Z'),
      logo,
      assets: [logo, asset(`${label}.css`, 500)],
      archive: PagableArc.new(asset(`${label}.tar`, 50_000), storage),
    });

    // 2. save() resolves once the blobs are committed: the key survives a crash from here on.
    const v1 = await storage.save(snapshot('v1'));
    const v2 = await storage.save(snapshot('v2'));
    // Name what to keep. A root is just a name for a key.
    await storage.setRoot('current', v2);
    console.log('saved v1', v1, 'and v2', v2);
    console.log('blobs:', storage.stats().blobs, '(the shared logo is stored once)');
    await storage.close();

    // 3. A later run: reopen and load by key or by root name. Stats cover the whole store.
    storage = await LmdbPagableStorage.open(dir);
    console.log('reopened with', storage.stats().blobs, 'blobs');
    const current = await storage.load(Snapshot, (await storage.getRoot('current'))!);
    console.log('current:', current.label, current.createdAt.toISOString());
    console.log('logo restored shared:', current.logo === current.assets[0]);
    console.log('archive paged out:', current.archive!.isPagedOut);
    // LMDB reads are synchronous, so pinSync works as well as pin().
    const archive = current.archive!.pinSync();
    console.log('archive:', archive.value.path, archive.value.bytes.length, 'bytes');
    archive.release();

    // 4. gc removes what no root reaches: v1's own blobs go, the logo stays (v2 uses it).
    const report = await storage.gc();
    console.log('gc freed', report.freedBlobs, 'blobs,', report.freedBytes, 'bytes');
    const gone = await storage.load(Snapshot, v1).catch((e: Error) => e.message);
    console.log('v1 after gc:', typeof gone === 'string' ? 'gone' : 'still there');
    console.log('every blob verifies:', (await storage.verify()).corrupt.length === 0);
    await storage.close();
    if (keep !== undefined) {
      console.log(`the store is in ${keep}: npm run pagable -- stats ${keep}, npm run pagable -- show ${keep} current`);
    } else {
      console.log('run with a directory (npm run example -- 03 ./my-store) to keep the store and inspect it with pagable');
    }
    console.log('ok');
  } finally {
    if (keep === undefined) rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});

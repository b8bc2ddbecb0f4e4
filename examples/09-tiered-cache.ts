/**
 * Tutorial 9: a local disk cache in front of a shared store.
 *
 * Build caches put a disk cache before a remote cache; pagable composes stores the same way.
 * `tiered(near, far)` is a BlobStore: reads try the near store (here LMDB on this machine) and
 * fill it from the far one (here Redis, shared by every machine); writes go through to both;
 * roots and gc live in the far store. Blobs are immutable and named by their content, so a near
 * copy is never stale. `new PagableStorageBase(store)` pages through any BlobStore.
 *
 * Run: PAGABLE_REDIS_URL=redis://127.0.0.1:6379 npm run example -- 09   (needs a Redis server there)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  Field, LmdbBlobStore, Pagable, PagableStorageBase, RedisBlobStore, RedisPagableStorage, Shared, tiered, verifying,
} from 'pagable';

@Pagable()
class Artifact {
  @Field() path!: string;
  @Field() bytes!: Uint8Array;
}

@Pagable()
class BuildOutput {
  @Field() target!: string;
  @Shared(() => [Artifact]) artifacts!: Artifact[];
}

async function main(): Promise<void> {
  const url = process.env['PAGABLE_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
  const prefix = `pagable-tutorial-09:${process.pid}:`;
  const cacheDir = mkdtempSync(join(tmpdir(), 'pagable-near-'));
  try {
    // 1. A CI machine saves a build output to the shared store only.
    const ci = await RedisPagableStorage.connect({ url, prefix, timeoutMs: 2000 }).catch((e: unknown) => {
      console.error(`No Redis answers at ${url} (${e instanceof Error ? e.message : String(e)}).`);
      console.error('Start one (redis-server) or point PAGABLE_REDIS_URL at one, then run this tutorial again.');
      process.exit(2);
    });
    const output = Object.assign(new BuildOutput(), {
      target: '//app:bin',
      artifacts: Array.from({ length: 50 }, (_, i) => Object.assign(new Artifact(), { path: `out/${i}.o`, bytes: new Uint8Array(4096).fill(i) })),
    });
    const key = await ci.save(output);
    await ci.setRoot('app', key);
    console.log(`CI saved ${ci.stats().stores} blobs to Redis`);

    // 2. A developer machine: LMDB in front of the same Redis. The first load reads Redis and
    // fills the disk cache.
    const dev = new PagableStorageBase(verifying(tiered(
      await LmdbBlobStore.open(cacheDir),
      await RedisBlobStore.connect({ url, prefix }),
    )));
    const first = await dev.load(BuildOutput, (await dev.getRoot('app'))!);
    console.log(`developer loaded ${first.artifacts.length} artifacts through the tiers`);
    await dev.close();

    // 3. The disk cache alone now holds the graph's data: later loads need no network at all.
    // (Schema blobs are read once per process: here CI's save made them known already.)
    const offline = await PagableStorageBase.create(await LmdbBlobStore.open(cacheDir, { readOnly: true }));
    const again = await offline.load(BuildOutput, key);
    console.log(`loaded again from the disk cache alone: ${again.artifacts.length} artifacts, ${offline.stats().blobs} blobs on disk`);
    await offline.close();

    // 4. Tidy up the shared store: gc runs where the roots live (the far store).
    await ci.deleteRoot('app');
    console.log(`gc freed ${(await ci.gc()).freedBlobs} blobs from Redis`);
    await ci.close();
  } finally {
    rmSync(cacheDir, { recursive: true, force: true });
  }
  console.log('ok');
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});

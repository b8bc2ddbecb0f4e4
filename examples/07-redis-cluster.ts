/**
 * Tutorial 7: outgrow one machine — a store spread over a Redis Cluster.
 *
 * `RedisPagableStorage.connect({ cluster: [...startup nodes] })` spreads blobs over every master by
 * their own keys (no hash tag pins a store to one slot), so the store grows with the cluster.
 * Reads and writes of a level of children go out as one batch per hash slot, all at once: a
 * page-in of a wide level is still one round trip. Every operation is bounded by `timeoutMs`: a
 * dead master is an IO error within about that long, and the other masters' blobs stay readable.
 *
 * Run against any cluster (a local one: see the README, "Redis Cluster"):
 *   npm run build:all && PAGABLE_REDIS_CLUSTER=127.0.0.1:7000,127.0.0.1:7001,127.0.0.1:7002 \
 *     node build/examples/07-redis-cluster.js
 */
import { Field, Pagable, RedisPagableStorage, Shared, TypeTag } from 'pagable';

@TypeTag('example07.Chunk') @Pagable()
class Chunk {
  @Field() index!: number;
  @Field() text!: string;
}

@TypeTag('example07.Dataset') @Pagable()
class Dataset {
  @Field() name!: string;
  @Shared(() => [Chunk]) chunks!: Chunk[];
}

async function main(): Promise<void> {
  const nodes = process.env['PAGABLE_REDIS_CLUSTER'];
  if (nodes === undefined || nodes === '') {
    console.error('Set PAGABLE_REDIS_CLUSTER to the startup nodes of a Redis Cluster, e.g. 127.0.0.1:7000,127.0.0.1:7001');
    process.exit(2);
  }
  const cluster = nodes.split(',').map((hp) => `redis://${hp.trim()}`);
  const prefix = `pagable-tutorial-07:${process.pid}:`;
  const storage = await RedisPagableStorage.connect({ cluster, prefix, timeoutMs: 5000 });
  try {
    // 1. A dataset of 2,000 chunks: each its own blob, spread over the masters by key.
    const data = Object.assign(new Dataset(), {
      name: 'corpus',
      chunks: Array.from({ length: 2000 }, (_, i) => Object.assign(new Chunk(), { index: i, text: `chunk ${i} `.repeat(20) })),
    });
    const key = await storage.save(data);
    await storage.setRoot('corpus', key);
    console.log(`saved ${storage.stats().stores} blobs to a cluster: ${storage.isCluster}`);

    // 2. Where they went: every master holds a share (counted with DBSIZE on each master).
    const client = storage.redisStore.client as import('ioredis').Cluster;
    const sizes = await Promise.all(client.nodes('master').map((n) => n.dbsize()));
    console.log(`masters holding blobs: ${sizes.filter((n) => n > 0).length} of ${sizes.length}`);

    // 3. Another client loads it: the 2,000 children come in as one batched level.
    const reader = await RedisPagableStorage.connect({ cluster, prefix });
    const back = await reader.load(Dataset, (await reader.getRoot('corpus'))!);
    console.log(`loaded ${back.chunks.length} chunks, chunk 1999 intact: ${back.chunks[1999]!.text === data.chunks[1999]!.text}`);
    await reader.close();

    // 4. Tidy up: without the root, gc (which scans every master) frees it all.
    await storage.deleteRoot('corpus');
    const report = await storage.gc();
    console.log(`gc freed ${report.freedBlobs} blobs`);
  } finally {
    await storage.close();
  }
  console.log('ok');
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});

/*
 * The shipped conformance suites, unchanged, on a real 3-master Redis Cluster started on free
 * ports (blobs spread over every master by their own keys), and on a single server through the
 * raw store.
 */
import { RedisBlobStore, RedisPagableStorage } from '../../../src/index.js';
import { blobStoreConformance, storageConformance } from '../../../src/testing/index.js';
import { type RedisCluster, startRedisCluster } from '../../fixtures/redis-cluster.js';
import { type RedisServer, startRedisServer } from '../../fixtures/redis-server.js';

describe('redis cluster: conformance', function () {
  this.timeout(120_000);
  let cluster: RedisCluster;
  let server: RedisServer;
  let n = 0;
  const prefix = (): string => `c${process.pid}-${++n}:`;
  before(async () => {
    [cluster, server] = await Promise.all([startRedisCluster(3), startRedisServer()]);
  });
  after(async () => {
    await Promise.all([cluster?.stop(), server?.stop()]);
  });

  blobStoreConformance({ name: 'redis (single server)', create: () => RedisBlobStore.connect({ url: server.url, prefix: prefix() }) });
  blobStoreConformance({ name: 'redis cluster', create: () => RedisBlobStore.connect({ cluster: cluster.urls, prefix: prefix() }) });
  storageConformance({
    name: 'redis cluster',
    syncFetch: false,
    create: (options) => RedisPagableStorage.connect({ ...options, cluster: cluster.urls, prefix: prefix() }),
  });
});

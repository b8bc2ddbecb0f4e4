/**
 * Tutorial 4: share one graph between processes (or machines) through Redis. One worker saves a
 * build result; another, with its own connection, finds it by root name and loads it, paging in
 * the big part only when it needs it. Here both are in one process for brevity; each could as
 * well be its own process on its own machine.
 *
 * Run: PAGABLE_REDIS_URL=redis://127.0.0.1:6379 npm run example -- 04   (needs a Redis server there)
 */
import { Field, Lazy, Pagable, PagableArc, PagableError, RedisPagableStorage, Shared, TypeTag } from 'pagable';

@Pagable()
class Toolchain {
  @Field() compiler!: string;
  @Field() flags!: string[];
}

// Tagged: blobs say what they are, so any worker can load them through a base class.
@TypeTag('shared-redis.Target') @Pagable()
class Target {
  @Field() name!: string;
  // One toolchain object used by every target: stored once, restored shared.
  @Shared(() => Toolchain) toolchain!: Toolchain;
  // The build log is big and rarely read: paged in only when pinned.
  @Lazy(() => BuildLog) log!: PagableArc<BuildLog>;
}

@Pagable()
class BuildLog {
  @Field() lines!: string[];
}

@TypeTag('shared-redis.BuildResult') @Pagable()
class BuildResult {
  @Field() commit!: string;
  @Field(() => [Target]) targets!: Target[];
}

async function main(): Promise<void> {
  const url = process.env['PAGABLE_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
  // Everything this run writes lives under one prefix, so it shares a database with anything else.
  const prefix = `pagable-tutorial-04:${process.pid}:`;

  // 1. Worker A connects and saves a build result. save() resolves once Redis holds every blob.
  const workerA = await RedisPagableStorage.connect({ url, prefix, timeoutMs: 2000 }).catch((e: unknown) => {
    console.error(`No Redis answers at ${url} (${e instanceof Error ? e.message : String(e)}).`);
    console.error('Start one (redis-server) or point PAGABLE_REDIS_URL at one, then run this tutorial again.');
    process.exit(2);
  });
  const gcc = Object.assign(new Toolchain(), { compiler: 'gcc-13', flags: ['-O2', '-g'] });
  const target = (name: string): Target => Object.assign(new Target(), {
    name,
    toolchain: gcc,
    log: PagableArc.new(Object.assign(new BuildLog(), { lines: Array.from({ length: 500 }, (_, i) => `${name}: step ${i} ok`) }), workerA),
  });
  const result = Object.assign(new BuildResult(), { commit: 'a1b2c3d', targets: [target('app'), target('lib')] });
  const key = await workerA.save(result);
  // A root is a name other workers can look up (and that gc keeps).
  await workerA.setRoot('latest-build', key);
  console.log('worker A saved', key, 'as latest-build;', workerA.stats().stores, 'blobs written');

  // 2. Worker B: another connection (in real life, another process or machine) on the same prefix.
  const workerB = await RedisPagableStorage.connect({ url, prefix });
  const latest = await workerB.getRoot('latest-build');
  const loaded = await workerB.load(BuildResult, latest!);
  console.log('worker B loaded commit', loaded.commit, 'with targets', loaded.targets.map((t) => t.name).join(', '));
  console.log('toolchain restored shared:', loaded.targets[0]!.toolchain === loaded.targets[1]!.toolchain);
  console.log('logs paged out until pinned:', loaded.targets.every((t) => t.log.isPagedOut));

  // 3. Redis is read over the network, so only pin() pages in; pinSync() says so.
  try {
    loaded.targets[0]!.log.pinSync();
  } catch (e) {
    console.log('pinSync:', PagableError.is(e, 'IO') ? 'IO, use pin()' : String(e));
  }
  const log = await loaded.targets[0]!.log.pin();
  console.log('app log:', log.value.lines.length, 'lines, last:', log.value.lines.at(-1));
  log.release();

  // 4. B saving the same result writes nothing: every blob is already there (content addressing).
  const again = await workerB.save(result);
  const sb = workerB.stats();
  console.log(`B re-save: same key ${again === key}, new blobs written ${sb.stores - sb.dedupHits}`);

  // 5. Tidy up: without the root, gc frees everything this tutorial stored.
  await workerA.deleteRoot('latest-build');
  const report = await workerA.gc();
  console.log('gc freed', report.freedBlobs, 'blobs');
  await workerB.close();
  await workerA.close();
  console.log('ok');
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});

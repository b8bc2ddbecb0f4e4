/**
 * `pagable explore` on a small store and a large one (not a test): the scan, the treemap
 * endpoint's response time, other endpoints, and the page's load time in headless Chromium.
 *
 *   node build/bench/explore.js [--blobs 1000000] [--small 2000] [--dir DIR] [--keep] [--store PATH]...
 *
 * --store measures an existing store as well (the demo's: npm start, then --store .pagable-demo).
 * Each store is generated once into DIR (default a temp dir) by saving commits of file trees
 * through pagable (so the blobs are what the library writes): 10 branches of lazily linked
 * commits, each a tree of files and shared vendored files, a few commits left unrooted.
 * With --keep, stores are kept and reused on the next run.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Field, Lazy, LmdbPagableStorage, Pagable, PagableArc, Shared, TypeTag } from '../src/index.js';
import { type ExploreServer, startExploreServer } from '../src/explore/server.js';
import { exploreSourceOf } from '../src/explore/source.js';

@TypeTag('bench.File')
@Pagable()
class File {
  @Field() path!: string;
  @Field() mode!: number;
  @Field() content!: string;
}

@Pagable()
class Meta {
  @Field() author!: string;
  @Field() when!: Date;
}

@TypeTag('bench.Tree')
@Pagable()
class Tree {
  @Field() name!: string;
  @Shared(() => [File]) files!: File[];
  @Shared(() => [Tree]) subtrees!: Tree[];
}

@TypeTag('bench.Commit')
@Pagable()
class Commit {
  @Field() message!: string;
  @Shared(() => Meta) meta!: Meta;
  @Shared(() => Tree) tree!: Tree;
  @Lazy(() => Commit) parent!: PagableArc<Commit> | undefined;
}

const BRANCHES = 10;
const FILES_PER_DIR = 24;
const DIRS = 8;

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Writes about `target` blobs: commits of ~200 new blobs each, round-robin over the branches. */
async function generate(dir: string, target: number): Promise<void> {
  const s = await LmdbPagableStorage.open(dir, { noSync: true });
  const rand = rng(7);
  // Vendored files every tree shares: content dedup across commits.
  const vendored = Array.from({ length: 40 }, (_, i) =>
    Object.assign(new File(), { path: `vendor/lib-${i}.js`, mode: 0o644, content: `/* lib ${i} */ ${'x'.repeat(200)}` }),
  );
  const heads: Array<PagableArc<Commit> | undefined> = new Array(BRANCHES).fill(undefined);
  let blobs = 0;
  let n = 0;
  const t0 = performance.now();
  while (blobs < target) {
    const b = n % BRANCHES;
    const dirs = Array.from({ length: DIRS }, (_, d) =>
      Object.assign(new Tree(), {
        name: `src/d${d}`,
        files: Array.from({ length: FILES_PER_DIR }, (_, f) =>
          Object.assign(new File(), {
            path: `src/d${d}/f${f}.ts`,
            mode: 0o644,
            // Most files change in every commit; some keep their content (dedup with earlier commits).
            content: rand() < 0.3 ? `export const f${f} = ${d};` : `// ${n}.${d}.${f} ${'y'.repeat(20 + Math.floor(rand() * 120))}`,
          }),
        ),
        subtrees: [],
      }),
    );
    const root = Object.assign(new Tree(), { name: '', files: vendored.slice(0, 10 + (n % 30)), subtrees: dirs });
    const commit = Object.assign(new Commit(), {
      message: `commit ${n} on branch ${b}`,
      meta: Object.assign(new Meta(), { author: `dev${n % 17}@example.com`, when: new Date(Date.UTC(2025, 0, 1) + n * 60_000) }),
      tree: root,
      parent: heads[b],
    });
    const before = s.stats().blobs;
    const arc = PagableArc.new(commit, s);
    const key = await s.save(arc);
    arc.unpin();
    blobs += s.stats().blobs - before;
    // One commit in 40 is left unrooted (a dropped branch tip): gc would free it.
    if (n % 40 !== 39) heads[b] = arc;
    else void key;
    n++;
    if (n % 500 === 0)
      process.stderr.write(`  generated ${blobs} blobs (${n} commits) in ${((performance.now() - t0) / 1000).toFixed(0)} s\n`);
  }
  for (let b = 0; b < BRANCHES; b++) if (heads[b] !== undefined) await s.setRoot(`branch-${b}`, heads[b]!.dataKey!);
  await s.flush();
  await s.close();
}

async function timeMs<T>(f: () => Promise<T>): Promise<[number, T]> {
  const t = performance.now();
  const r = await f();
  return [performance.now() - t, r];
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** The first request's time (computed) and the median of the rest (cached where the server caches). */
async function endpoint(base: string, path: string, runs = 7): Promise<{ first: number; ms: number; bytes: number }> {
  const times: number[] = [];
  let bytes = 0;
  for (let i = 0; i < runs; i++) {
    const [ms, body] = await timeMs(async () => {
      const r = await fetch(new URL(path, base));
      if (!r.ok) throw new Error(`${path}: HTTP ${r.status}`);
      return r.text();
    });
    times.push(ms);
    bytes = body.length;
  }
  return { first: times[0]!, ms: median(times.slice(1)), bytes };
}

const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Milliseconds from navigation to the page's `data-ready` (scan followed, treemap and first root drawn). */
async function pageLoad(url: string, runs: number): Promise<number[] | undefined> {
  if (!existsSync('/usr/bin/chromium')) return undefined;
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: FLAGS });
  try {
    const out: number[] = [];
    for (let i = 0; i < runs; i++) {
      const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
      const t = performance.now();
      await page.goto(url);
      await page.waitForSelector('body[data-ready="true"]', { timeout: 600_000 });
      await page.waitForSelector('#graph svg');
      out.push(performance.now() - t);
      await page.close();
    }
    return out;
  } finally {
    await browser.close();
  }
}

async function measure(name: string, dir: string): Promise<void> {
  const storage = await LmdbPagableStorage.open(dir, { create: false, readOnly: true, verify: false, countAtOpen: false });
  let server: ExploreServer | undefined;
  try {
    const rssBefore = process.memoryUsage().rss;
    const [startMs, srv] = await timeMs(() => startExploreServer(exploreSourceOf(storage), { port: 0 }));
    server = srv;
    // While the scan runs: does the server still answer at once?
    const during: number[] = [];
    let scanning = true;
    const probe = (async () => {
      while (scanning) {
        const [ms] = await timeMs(() => fetch(new URL('/api/progress', srv.url)).then((r) => r.text()));
        during.push(ms);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    const progress = await srv.explorer.scanned();
    scanning = false;
    await probe;
    const summary = await srv.explorer.summary();
    const t = summary.totals!;
    const rssAfter = process.memoryUsage().rss;
    const byClass = await endpoint(srv.url, '/api/treemap?by=class');
    const byRoot = await endpoint(srv.url, '/api/treemap?by=root');
    const root = (await srv.explorer.roots())[0];
    const blob = root === undefined ? undefined : await endpoint(srv.url, `/api/blob/${root.key}`);
    const graph = root === undefined ? undefined : await endpoint(srv.url, `/api/graph/${root.key}?down=2&up=1&nodes=60`);
    const search = await endpoint(srv.url, '/api/search?q=bench.file');
    const prefix = await endpoint(srv.url, `/api/search?q=${(root?.key ?? 'ab').slice(0, 5)}`);
    const loads = await pageLoad(srv.url, 3);
    const f = (ms: number): string => `${ms < 10 ? ms.toFixed(1) : ms.toFixed(0)} ms`;
    console.log(
      `\n${name}: ${t.blobs.toLocaleString('en-US')} blobs, ${(t.bytes / 1048576).toFixed(1)} MiB stored, ${((summary.fileBytes ?? 0) / 1048576).toFixed(0)} MiB on disk, ${summary.roots} roots, ${t.labels} classes`,
    );
    console.log(`  server start           ${f(startMs)} (listening; the scan runs in the background)`);
    console.log(
      `  scan (index+verify+gc) ${f(progress.ms ?? 0)}  (${Math.round(t.blobs / ((progress.ms ?? 1) / 1000)).toLocaleString('en-US')} blobs/s); index ${(t.indexBytes / 1048576).toFixed(1)} MiB, RSS +${((rssAfter - rssBefore) / 1048576).toFixed(0)} MiB`,
    );
    console.log(
      `  /api/progress during the scan: median ${f(median(during.length > 0 ? during : [0]))}, max ${f(Math.max(0, ...during))} over ${during.length} requests`,
    );
    console.log(`  /api/treemap?by=class  first ${f(byClass.first)}, then ${f(byClass.ms)} (${byClass.bytes} bytes)`);
    console.log(`  /api/treemap?by=root   first ${f(byRoot.first)}, then ${f(byRoot.ms)} (${byRoot.bytes} bytes)`);
    if (blob) console.log(`  /api/blob/ROOT         ${f(blob.ms)} (${blob.bytes} bytes)`);
    if (graph) console.log(`  /api/graph/ROOT        ${f(graph.ms)} (${graph.bytes} bytes)`);
    console.log(`  /api/search class      ${f(search.ms)}; key prefix ${f(prefix.ms)}`);
    console.log(
      `  dedup ${t.dedupRatio.toFixed(1)}x; verify: ${t.verify.corrupt} corrupt; gc would free ${t.gc.unreachableBlobs.toLocaleString('en-US')} blobs`,
    );
    if (loads === undefined) console.log('  page load              (no /usr/bin/chromium: skipped)');
    else console.log(`  page load (Chromium, to treemap + blob + graph drawn): ${loads.map(f).join(', ')}`);
  } finally {
    await server?.close();
    await storage.close();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      blobs: { type: 'string' },
      small: { type: 'string' },
      dir: { type: 'string' },
      keep: { type: 'boolean' },
      store: { type: 'string', multiple: true },
    },
  });
  const large = Number(values.blobs ?? 1_000_000);
  const small = Number(values.small ?? 2_000);
  const dir = values.dir ?? mkdtempSync(join(tmpdir(), 'pagable-explore-bench-'));
  try {
    for (const path of values.store ?? []) await measure(`store ${path}`, path);
    for (const [name, n] of [
      ['small store', small],
      ['large store', large],
    ] as const) {
      const path = join(dir, `store-${n}`);
      if (!existsSync(join(path, 'data.mdb'))) {
        process.stderr.write(`generating ${name} (${n} blobs) in ${path}\n`);
        const [ms] = await timeMs(() => generate(path, n));
        process.stderr.write(`  done in ${(ms / 1000).toFixed(0)} s\n`);
      }
      await measure(name, path);
    }
  } finally {
    if (values.keep !== true && values.dir === undefined) rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.stack : e);
  process.exit(1);
});

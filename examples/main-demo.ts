/**
 * `npm start`: a monorepo build graph (packages, modules, shared dependency subtrees, polymorphic
 * build steps, lazily held build outputs; about 50,000 objects) saved to an LMDB store in
 * ./.pagable-demo/, paged out of the heap, loaded back and compared, with the numbers that matter.
 *
 * Run: npm start   (or: node --expose-gc build/examples/main-demo.js [--dir PATH] [--packages N])
 */
import { rmSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { InMemoryPagableStorage, LmdbPagableStorage, PagableArc, type PagableStorage } from 'pagable';
import { Artifact, type BuildStep, BundleStep, CompileStep, ExternalDep, Module, Package, TestStep, Toolchain, Workspace } from './demo-model.js';

// ---- a deterministic generator ---------------------------------------------------------------

function rng(seed: number): () => number {
  // mulberry32: small, fast, and the same graph on every run.
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const MODULES_PER_PACKAGE = 100;
/** Modules every package has with identical content (generated code, shims): content dedup. */
const BOILERPLATE = ['src/generated/version.ts', 'src/generated/env.ts', 'src/shims/fetch.ts', 'src/shims/streams.ts', 'src/util/assert.ts',
  'src/util/log.ts', 'src/util/result.ts', 'src/util/retry.ts', 'src/util/time.ts', 'src/util/ids.ts'];

interface Built {
  workspace: Workspace;
  objects: number;
}

function buildWorkspace(packages: number, storage: PagableStorage): Built {
  const rand = rng(42);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  let objects = 0;
  const make = <T extends object>(cls: new () => T, fields: Partial<T>): T => {
    objects++;
    return Object.assign(new cls(), fields);
  };
  const toolchain = make(Toolchain, { node: '20.19.0', typescript: '5.9.3', targets: new Set(['es2022', 'node20']) });

  // Third-party packages: a layered DAG, so dependency subtrees are shared many times over.
  const externals: ExternalDep[] = [];
  for (let i = 0; i < 400; i++) {
    const deps = i < 40 ? [] : Array.from({ length: 1 + Math.floor(rand() * 3) }, () => externals[Math.floor(rand() * Math.min(i, 200))]!);
    externals.push(make(ExternalDep, { name: `lib-${i}`, version: `${1 + (i % 7)}.${i % 13}.0`, license: pick(['MIT', 'Apache-2.0', 'ISC', 'BSD-3-Clause']), deps: [...new Set(deps)] }));
  }

  const steps = (path: string, seed: number): BuildStep[] => {
    const out: BuildStep[] = [make(CompileStep, { compiler: 'tsc', flags: ['--strict', '--target', 'es2022'], durationMs: 5 + (seed % 90) })];
    if (path.includes('test')) out.push(make(TestStep, { suite: path, passed: 3 + (seed % 40), failed: 0 }));
    else out.push(make(BundleStep, { format: seed % 3 === 0 ? 'cjs' : 'esm', minify: seed % 2 === 0, chunks: new Map([['main', 1000 + seed], ['vendor', 2000 + (seed % 500)]]) }));
    return out;
  };
  const artifact = (path: string, seed: number): PagableArc<Artifact> => {
    const hash = new Uint8Array(32);
    for (let i = 0; i < 32; i++) hash[i] = (seed * 31 + i * 7) & 255;
    objects++; // the arc
    return PagableArc.new(make(Artifact, { path: path.replace(/^src\//, 'dist/').replace(/\.ts$/, '.js'), size: 200 + (seed % 5000), hash, emittedAt: new Date(Date.UTC(2024, 4, 1) + seed * 1000) }), storage);
  };

  const pkgArcs: Array<PagableArc<Package>> = [];
  for (let p = 0; p < packages; p++) {
    const modules: Module[] = [];
    // Boilerplate first, the same in every package; it imports only boilerplate and externals.
    BOILERPLATE.forEach((path, i) => {
      modules.push(make(Module, { path, lines: 40 + i * 3, imports: modules.slice(Math.max(0, i - 2), i), external: [externals[i]!], steps: steps(path, i), output: artifact(path, i) }));
    });
    for (let m = BOILERPLATE.length; m < MODULES_PER_PACKAGE; m++) {
      const path = m % 10 === 9 ? `test/case-${m}.test.ts` : `src/feature-${Math.floor(m / 10)}/part-${m}.ts`;
      const seed = p * 1000 + m;
      const imports = [...new Set(Array.from({ length: Math.floor(rand() * 4) }, () => modules[Math.floor(rand() * modules.length)]!))];
      const external = [...new Set(Array.from({ length: Math.floor(rand() * 3) }, () => pick(externals)))];
      modules.push(make(Module, { path, lines: 20 + Math.floor(rand() * 800), imports, external, steps: steps(path, seed), output: artifact(path, seed) }));
    }
    const pkg = make(Package, {
      name: `@acme/pkg-${String(p).padStart(3, '0')}`,
      version: `1.${p % 10}.0`,
      scripts: { build: 'tsc -b', test: 'mocha', lint: 'eslint .' },
      modules,
      dependencies: [...new Set(modules.flatMap((m) => m.external))].slice(0, 20),
      toolchain,
    });
    objects++; // the arc
    pkgArcs.push(PagableArc.new(pkg, storage));
  }
  const workspace = make(Workspace, { name: 'acme-monorepo', toolchain, packages: pkgArcs });
  return { workspace, objects };
}

// ---- comparing two graphs, arcs included ----------------------------------------------------

/** Deep structural equality of two graphs; pins arcs as it goes. Shared pairs are compared once. */
function equalGraphs(a: unknown, b: unknown, seen = new Map<object, object>()): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return Number.isNaN(a) && Number.isNaN(b);
  if (seen.get(a) === b) return true;
  seen.set(a, b);
  if (a instanceof PagableArc && b instanceof PagableArc) {
    const pa = a.pinSync();
    const pb = b.pinSync();
    try {
      return equalGraphs(pa.value, pb.value, seen);
    } finally {
      pa.release();
      pb.release();
    }
  }
  if (Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  if (a instanceof Date) return a.getTime() === (b as Date).getTime();
  if (a instanceof Map || a instanceof Set) return equalGraphs([...a], [...(b as Map<unknown, unknown> | Set<unknown>)], seen);
  if (a instanceof Uint8Array) return Buffer.compare(a, b as Uint8Array) === 0;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length) return false;
  for (const k of ka) if (!equalGraphs((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], seen)) return false;
  return true;
}

// ---- the run ---------------------------------------------------------------------------------

const gc = (globalThis as { gc?: () => void }).gc;

async function heapUsed(): Promise<number> {
  // Several passes with event-loop turns between: weak caches drop their entries in finalizers,
  // which run only after a collection, and what they held goes in the next one.
  for (let i = 0; i < 4; i++) {
    gc?.();
    await new Promise((r) => setImmediate(r));
  }
  return process.memoryUsage().heapUsed;
}

function mib(n: number): string {
  return `${(n / 1048576).toFixed(1)} MiB`;
}

function bar(label: string, total: number): { update(n: number): void; stop(): void } {
  if (!process.stderr.isTTY) return { update: () => undefined, stop: () => undefined };
  const b = new cliProgress.SingleBar({ stream: process.stderr, format: `${label.padEnd(6)} [{bar}] {value}/{total} packages`, clearOnComplete: true, hideCursor: true }, cliProgress.Presets.shades_classic);
  b.start(total, 0);
  return { update: (n) => b.update(n), stop: () => b.stop() };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { dir: { type: 'string' }, packages: { type: 'string' } } });
  const dir = resolve(values.dir ?? '.pagable-demo');
  const packages = Number(values.packages ?? 100);
  if (!Number.isInteger(packages) || packages < 1) throw new Error('--packages takes a positive integer');

  // A fresh store every run, so the numbers mean the same thing each time.
  rmSync(dir, { recursive: true, force: true });
  let storage = await LmdbPagableStorage.open(dir);

  // Warm up on a small graph first, so the baseline already holds the compiled code of save and
  // load: what the heap rows then compare is the graph, not V8's code cache.
  const warm = new InMemoryPagableStorage();
  await warm.load(Workspace, await warm.save(buildWorkspace(2, warm).workspace));
  await warm.close();
  const heapBase = await heapUsed();
  const t0 = performance.now();
  const built = buildWorkspace(packages, storage);
  const buildMs = performance.now() - t0;
  const { objects } = built;
  let workspace: Workspace | undefined = built.workspace;
  const heapBuilt = await heapUsed();

  // Save package by package (for the progress bar), then the workspace, which reuses their keys.
  const t1 = performance.now();
  const progress = bar('save', packages);
  for (let i = 0; i < workspace.packages.length; i++) {
    await storage.save(workspace.packages[i]!);
    progress.update(i + 1);
  }
  progress.stop();
  const key = await storage.save(workspace);
  await storage.setRoot('workspace', key);
  await storage.flush();
  const saveMs = performance.now() - t1;
  const st = storage.stats();
  const firstPackage = workspace.packages[0]!.dataKey!;

  // Page out: nobody pins the packages any more, so their values go (they are stored already).
  for (const arc of workspace.packages) arc.unpin();
  const pagedOutCount = workspace.packages.filter((a) => a.isPagedOut).length;
  const heapPagedOut = await heapUsed();
  // Drop the last reference, so the heap figures above are all that the graph leaves behind.
  // eslint-disable-next-line no-useless-assignment
  workspace = undefined;
  await storage.close();

  // A later process: reopen, load the workspace, page every package and build output in.
  const t2 = performance.now();
  storage = await LmdbPagableStorage.open(dir);
  const back = await storage.load(Workspace, key);
  const loadBar = bar('load', packages);
  let pinned = 0;
  for (const arc of back.packages) {
    const pkg = await arc.pin();
    for (const m of pkg.value.modules) m.output!.pinSync().release();
    pkg.release();
    loadBar.update(++pinned);
  }
  loadBar.stop();
  const loadMs = performance.now() - t2;

  // The same seed builds the same graph: the loaded one must equal it, class for class.
  const again = buildWorkspace(packages, storage).workspace;
  const equal = equalGraphs(back, again);
  const somePackage = (await back.packages[0]!.pin()).value;
  const polymorphic = somePackage.modules.some((m) => m.steps[1] instanceof BundleStep) && somePackage.modules.some((m) => m.steps[1] instanceof TestStep);
  const fileBytes = storage.fileBytes();
  const verify = await storage.verify();
  await storage.close();

  const graphHeap = heapBuilt - heapBase;
  const afterHeap = Math.max(0, heapPagedOut - heapBase);
  const rows: Array<[string, string]> = [
    ['objects', `${objects.toLocaleString('en-US')} (${packages} packages, ${packages * MODULES_PER_PACKAGE} modules), built in ${buildMs.toFixed(0)} ms`],
    ['blobs', `${st.blobs.toLocaleString('en-US')} stored of ${st.stores.toLocaleString('en-US')} writes; dedup ${(st.dedupHits / st.stores * 100).toFixed(1)}% (${st.dedupHits.toLocaleString('en-US')} hits)`],
    ['data', `${mib(st.bytes)} of blob bodies, ${mib(fileBytes)} on disk`],
    ['heap', gc === undefined
      ? 'run with node --expose-gc to measure'
      : `${mib(graphHeap)} for the graph -> ${mib(afterHeap)} after paging out ${pagedOutCount} packages (-${((1 - afterHeap / graphHeap) * 100).toFixed(0)}%)`],
    ['save', `${(saveMs / 1000).toFixed(2)} s (${Math.round(objects / (saveMs / 1000)).toLocaleString('en-US')} objects/s, committed to disk)`],
    ['load', `${(loadMs / 1000).toFixed(2)} s (${Math.round(objects / (loadMs / 1000)).toLocaleString('en-US')} objects/s, every package and output paged in)`],
    ['check', `${equal ? 'loaded graph equals the original' : 'MISMATCH'}; steps polymorphic: ${polymorphic}; ${verify.checked.toLocaleString('en-US')} blobs verify: ${verify.corrupt.length === 0}`],
  ];
  console.log(`pagable demo: a monorepo build graph in ${dir}`);
  for (const [k, v] of rows) console.log(`  ${k.padEnd(7)} ${v}`);
  if (!equal || !polymorphic || verify.corrupt.length > 0) throw new Error('the loaded graph differs from the saved one');

  // Run from the repository (npm start), the commands are the README's `npm run pagable -- ...`;
  // from anywhere else, the compiled CLI beside this file. Installed as a dependency: npx pagable.
  const shortest = (p: string): string => {
    const r = relative(process.cwd(), p);
    return r === '' ? '.' : r.startsWith('..') ? p : r;
  };
  const repo = fileURLToPath(new URL('../../', import.meta.url));
  const inRepo = relative(repo, process.cwd()) === '';
  const cli = inRepo ? 'npm run pagable --' : `node ${shortest(fileURLToPath(new URL('../src/cli/main.js', import.meta.url)))}`;
  const d = shortest(dir);
  console.log('\nExplore the store (installed as a dependency: npx pagable ...):');
  for (const c of [`stats ${d}`, `roots ${d}`, `show ${d} workspace`, `ls ${d}`, `graph ${d} ${firstPackage.slice(0, 12)} --format mermaid`, `verify ${d}`, `gc ${d}`]) {
    console.log(`  ${cli} ${c}`);
  }
  // A server that runs until Ctrl-C: shown apart from the commands above, which all return.
  console.log(`\nOr look at it in a browser (a local page: treemap, blob browser, search; Ctrl-C to stop):\n    ${cli} explore ${d}`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});

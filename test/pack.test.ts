/*
 * The package as a user gets it: `npm pack` (which runs `prepare`, as a git install does), the
 * tarball installed into a new project without the optional peers lmdb and ioredis, the README's
 * in-memory quick start compiled there against the shipped declarations and run from ESM and from
 * CommonJS, and the two backends that need a peer failing with a PagableError naming the package.
 * Installs from npm's cache where it can (--prefer-offline): the repository's own install filled it.
 * The last two tests need `import 'pagable'` to load without lmdb and ioredis: the backends load
 * them when opened (docs/design.md §6), never at import.
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runNode } from './support/node-process.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const TSC = path.join(ROOT, 'node_modules', '.bin', 'tsc');

/** Runs a command; resolves with its stdout, rejects with everything it printed. */
function run(cmd: string, args: readonly string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 64 << 20, timeout: 300_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')} failed in ${cwd}\n${stdout}\n${stderr}`, { cause: err }));
      else resolve(stdout);
    });
  });
}

/** The README's quick start, as a user's module imports it (`import` is a `require` in a .cts). */
const QUICK_START = `import { Pagable, TypeTag, Field, Shared, Lazy, Dyn, PagableArc, InMemoryPagableStorage } from 'pagable';

@Pagable() class Library { @Field() name!: string; }
abstract class Step { abstract describe(): string; }
@TypeTag('demo.Compile') @Pagable()
class Compile extends Step { @Field() file!: string; describe() { return \`compile \${this.file}\`; } }

@Pagable() class Target {
  @Field() name!: string;
  @Shared(() => [Library]) libs!: Library[];
  @Dyn(() => [Step]) steps!: Step[];
  @Lazy(() => Library) docs?: PagableArc<Library>;
}

async function main(): Promise<void> {
  const storage = new InMemoryPagableStorage();
  const std = Object.assign(new Library(), { name: 'std' });
  const target = Object.assign(new Target(), { name: 'app', libs: [std, std],
    steps: [Object.assign(new Compile(), { file: 'main.ts' })], docs: PagableArc.new(std, storage) });
  const key = await storage.save(target);
  const back = await storage.load(Target, key);
  using docs = await back.docs!.pin();
  console.log(JSON.stringify({ key, shared: back.libs[0] === back.libs[1], step: back.steps[0]!.describe(), docs: docs.value.name,
    classes: back instanceof Target && back.steps[0] instanceof Compile }));
  await storage.close();
}
main().catch((e: unknown) => { console.error(e); process.exitCode = 1; });
`;

/** What a user without lmdb / ioredis sees when opening those backends. */
const MISSING_PEERS = `import { LmdbPagableStorage, RedisPagableStorage, PagableError } from 'pagable';

async function failure(open: () => Promise<unknown>): Promise<unknown> {
  try {
    await open();
    return { opened: true };
  } catch (e) {
    return { pagableError: e instanceof PagableError, code: (e as PagableError).code, message: String((e as Error).message) };
  }
}

async function main(): Promise<void> {
  const lmdb = await failure(() => LmdbPagableStorage.open(process.argv[2]!));
  const redis = await failure(() => RedisPagableStorage.connect({ url: 'redis://127.0.0.1:1' }));
  console.log(JSON.stringify({ lmdb, redis }));
}
main().catch((e: unknown) => { console.error(e); process.exitCode = 1; });
`;

describe('npm pack: the tarball a user installs', function () {
  this.timeout(300_000);
  let dir = '';
  let files: string[] = [];
  let installed = '';
  let compiled: Promise<string> | undefined;
  /** The user's project compiled once, by the repository's tsc, against node_modules/pagable. */
  const compile = (): Promise<string> => (compiled ??= run(TSC, ['-p', '.'], dir));

  before(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'pagable-pack-'));
    const packed = JSON.parse(await run('npm', ['pack', '--json', '--silent', '--pack-destination', dir], ROOT)) as Array<{
      filename: string;
      files: Array<{ path: string }>;
    }>;
    files = packed[0]!.files.map((f) => f.path);
    writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'pagable-user', private: true, type: 'module' }));
    await run('npm', ['install', '--no-audit', '--no-fund', '--omit=peer', '--prefer-offline', path.join(dir, packed[0]!.filename)], dir);
    installed = path.join(dir, 'node_modules', 'pagable');
    // A user's tsconfig: legacy decorators with metadata, a target whose `using` Node 20 runs, and
    // skipLibCheck off, so that pagable's declarations are checked too: they must not name a type
    // of lmdb or ioredis, which this project (like any that skips the optional peers) lacks.
    writeFileSync(
      path.join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          lib: ['ES2022', 'ESNext.Disposable'],
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          experimentalDecorators: true,
          emitDecoratorMetadata: true,
          skipLibCheck: false,
          types: ['node'],
          typeRoots: [path.join(ROOT, 'node_modules', '@types')],
        },
        files: ['quick-start.mts', 'quick-start.cts', 'missing-peers.mts'],
      }),
    );
    writeFileSync(path.join(dir, 'quick-start.mts'), QUICK_START);
    writeFileSync(path.join(dir, 'quick-start.cts'), QUICK_START);
    writeFileSync(path.join(dir, 'missing-peers.mts'), MISSING_PEERS);
  });

  after(() => {
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it('ships dist, the sources its maps point to, README, LICENSE and CHANGELOG; no tests, tutorials, benchmarks or build info', () => {
    for (const f of [
      'package.json',
      'README.md',
      'LICENSE',
      'CHANGELOG.md',
      'dist/index.js',
      'dist/index.d.ts',
      'dist/testing/index.js',
      'src/index.ts',
    ]) {
      expect(files, f).to.include(f);
    }
    const stray = files.filter((f) => !/^(dist|src)\//.test(f) && !['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md'].includes(f));
    expect(stray, 'files outside dist/ and src/').to.deep.equal([]);
    expect(files.filter((f) => /(^|\/)(test|examples|bench|build)\/|\.test\.|tsbuildinfo/.test(f))).to.deep.equal([]);
  });

  it('every source map in dist points to a shipped source', () => {
    const maps = files.filter((f) => f.endsWith('.map'));
    expect(maps.length).to.be.greaterThan(0);
    for (const map of maps) {
      const { sources } = JSON.parse(readFileSync(path.join(installed, map), 'utf8')) as { sources: string[] };
      for (const s of sources) expect(existsSync(path.resolve(installed, path.dirname(map), s)), `${map} -> ${s}`).to.equal(true);
    }
  });

  it('installs without lmdb and ioredis (optional peers)', () => {
    const modules = readdirSync(path.join(dir, 'node_modules'));
    expect(modules).to.include('pagable');
    expect(modules).to.not.include('lmdb');
    expect(modules).to.not.include('ioredis');
  });

  it('compiles the quick start against the shipped declarations, and runs it from ESM and from CommonJS', async () => {
    await compile();
    for (const program of ['quick-start.mjs', 'quick-start.cjs']) {
      const out = await runNode([path.join(dir, program)], { cwd: dir });
      expect(JSON.parse(out.trim().split('\n').pop()!), program).to.deep.include({
        shared: true,
        step: 'compile main.ts',
        docs: 'std',
        classes: true,
      });
    }
  });

  it('LmdbPagableStorage.open and RedisPagableStorage.connect fail with a PagableError naming the package to install', async () => {
    await compile();
    const out = await runNode([path.join(dir, 'missing-peers.mjs'), path.join(dir, 'store')], { cwd: dir });
    const { lmdb, redis } = JSON.parse(out.trim().split('\n').pop()!) as Record<string, { pagableError?: boolean; message?: string }>;
    expect(lmdb, JSON.stringify(lmdb)).to.include({ pagableError: true });
    expect(lmdb!.message)
      .to.match(/\blmdb\b/)
      .and.to.match(/install/i);
    expect(redis, JSON.stringify(redis)).to.include({ pagableError: true });
    expect(redis!.message)
      .to.match(/\bioredis\b/)
      .and.to.match(/install/i);
  });
});

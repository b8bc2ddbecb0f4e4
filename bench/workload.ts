/*
 * The standard workload: a build graph kept over several revisions of a repository, as a build
 * daemon holds it, built deterministically from a seed.
 *
 * - Revision 1 evaluates `packages` packages (about 12 targets each; a target depends on targets
 *   of lower-numbered packages and on earlier targets of its own package).
 * - Each later revision re-evaluates the repository: the lowest `reusedFraction` of packages
 *   (third-party, cached) are the very same objects (shared by identity); the top `changedFraction`
 *   changed (new content); every other package is evaluated again, giving new objects equal in
 *   content to the previous revision's: the duplicated subtrees content addressing must collapse.
 *   Dependencies only point to lower packages, so an unchanged package never depends on a
 *   changed one and stays an exact duplicate.
 * - Configurations are few and shared by identity by every target.
 *
 * The same data is also produced as plain objects (for msgpackr, workload-plain.ts) and as
 * class-transformer class instances (workload-ct.ts).
 */
import { PagableArc, type PagableStorage } from '../src/index.js';
import {
  Action,
  BuildFile,
  BuildGraph,
  Configuration,
  CopyAction,
  CxxLibrary,
  GenRule,
  Package,
  PythonBinary,
  Revision,
  type Rule,
  RunAction,
  RustLibrary,
  SourceFile,
  Target,
  TestRule,
  WriteAction,
} from './model.js';
import { Prng } from './prng.js';

export interface WorkloadOptions {
  /** Packages per revision. */
  packages: number;
  revisions: number;
  /** Share of packages (the top-numbered ones) that change in each later revision. */
  changedFraction: number;
  /** Share of packages (the lowest-numbered ones) a later revision reuses by identity. */
  reusedFraction: number;
  seed: number;
}

/** About 200k objects, 38% of them in duplicated subtrees. */
export const STANDARD: WorkloadOptions = { packages: 280, revisions: 3, changedFraction: 0.4, reusedFraction: 0.05, seed: 1 };
/** The --quick smoke run: about an eighth of it. */
export const QUICK: WorkloadOptions = { ...STANDARD, packages: 36 };

const WORDS = [
  'core',
  'util',
  'net',
  'http',
  'json',
  'proto',
  'storage',
  'cache',
  'index',
  'query',
  'parser',
  'lexer',
  'graph',
  'build',
  'event',
  'async',
  'io',
  'fs',
  'crypto',
  'hash',
  'log',
  'metrics',
  'trace',
  'config',
  'cli',
  'server',
  'client',
  'rpc',
  'codec',
  'schema',
  'model',
  'planner',
  'runtime',
  'sched',
  'worker',
  'queue',
  'alloc',
  'arena',
];
const CELLS = ['root', 'fbcode', 'third-party', 'prelude', 'toolchains'];
const PLATFORMS = ['linux-x86_64', 'linux-aarch64', 'macos-arm64', 'windows-x86_64'];
const KINDS = ['rust_library', 'cxx_library', 'genrule', 'python_binary', 'test'] as const;

/** The lazily held values of the workload's arcs (so walkers can see through them without pinning). */
export const arcValues = new WeakMap<object, object>();

function makeConfigurations(seed: number): Configuration[] {
  const rng = new Prng(seed, 0xc0f1);
  const out: Configuration[] = [];
  for (const platform of PLATFORMS) {
    for (const mode of ['dbg', 'opt']) {
      const flags = new Map<string, string>();
      for (let i = rng.int(3, 8); i > 0; i--) flags.set(`${rng.pick(WORDS)}_${i}`, rng.pick(['true', 'false', '1', '2', 'thin', 'full']));
      out.push(
        Object.assign(new Configuration(), {
          name: `${platform}-${mode}`,
          platform,
          constraints: [
            `ovr_config//os:${platform.split('-')[0]}`,
            `ovr_config//cpu:${platform.split('-')[1]}`,
            `ovr_config//build_mode:${mode}`,
          ],
          flags,
        }),
      );
    }
  }
  return out;
}

function words(rng: Prng, n: number, sep = '_'): string {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(rng.pick(WORDS));
  return out.join(sep);
}

function makeRule(rng: Prng, kind: (typeof KINDS)[number], dir: string, name: string): Rule {
  switch (kind) {
    case 'rust_library':
      return Object.assign(new RustLibrary(), {
        kind,
        edition: rng.pick(['2018', '2021', '2024']),
        crateRoot: `${dir}/src/lib.rs`,
        features: Array.from({ length: rng.int(0, 3) }, () => words(rng, 1)),
      });
    case 'cxx_library':
      return Object.assign(new CxxLibrary(), {
        kind,
        headers: Array.from({ length: rng.int(1, 5) }, (_, i) => `${dir}/include/${words(rng, 1)}_${i}.h`),
        compilerFlags: Array.from({ length: rng.int(1, 4) }, () =>
          rng.pick(['-O2', '-Wall', '-Werror', '-fPIC', '-std=c++20', '-DNDEBUG', '-g']),
        ),
        linkStyle: rng.pick(['static', 'shared', 'static_pic']),
      });
    case 'genrule': {
      const env: Record<string, string> = {};
      for (let i = rng.int(1, 3); i > 0; i--) env[`${words(rng, 1).toUpperCase()}_${i}`] = words(rng, 2, '-');
      return Object.assign(new GenRule(), {
        kind,
        cmd: `$(exe //tools:${words(rng, 1)}) --in $SRCS --out $OUT --mode ${words(rng, 1)}`,
        outs: Array.from({ length: rng.int(1, 2) }, (_, i) => `${name}_${i}.out`),
        env,
      });
    }
    case 'python_binary':
      return Object.assign(new PythonBinary(), {
        kind,
        main: `${dir}/${name}.py`,
        interpreter: rng.pick(['python3.10', 'python3.12']),
        zipSafe: rng.chance(0.5),
      });
    case 'test':
      return Object.assign(new TestRule(), {
        kind,
        runner: rng.pick(['tpx', 'pytest', 'cargo-test']),
        timeoutMs: rng.int(1, 60) * 1000,
        labels: Array.from({ length: rng.int(0, 3) }, () => rng.pick(['slow', 'flaky', 'serialize', 'heavyweight', 'e2e'])),
      });
  }
}

function makeAction(rng: Prng, dir: string, name: string, i: number): Action {
  const id = `${name}/${i}`;
  const r = rng.next();
  if (r < 0.55) {
    return Object.assign(new RunAction(), {
      category: rng.pick(['rustc', 'cxx_compile', 'cxx_link', 'genrule', 'python_archive']),
      identifier: id,
      argv: Array.from({ length: rng.int(3, 8) }, () => (rng.chance(0.4) ? `--${words(rng, 1)}` : `${dir}/${words(rng, 2)}.o`)),
      outputs: Array.from({ length: rng.int(1, 2) }, (_, k) => `buck-out/v2/gen/${dir}/${name}/${k}`),
    });
  }
  if (r < 0.8) {
    return Object.assign(new WriteAction(), {
      category: 'write',
      identifier: id,
      path: `buck-out/v2/gen/${dir}/${name}.args`,
      contentDigest: rng.hex(40),
      isExecutable: rng.chance(0.1),
    });
  }
  if (r < 0.95) {
    return Object.assign(new CopyAction(), {
      category: 'copy',
      identifier: id,
      src: `${dir}/${words(rng, 1)}`,
      dst: `buck-out/v2/gen/${dir}/${name}/${i}`,
    });
  }
  return Object.assign(new Action(), { category: 'symlinked_dir', identifier: id });
}

interface PackageCtx {
  readonly index: number;
  /** Content seed: changes when the package changes. */
  readonly contentSeed: number;
  readonly configs: readonly Configuration[];
  /** The same revision's packages below this one. */
  readonly lower: readonly Package[];
  readonly storage: PagableStorage;
  readonly unpinLazy: boolean;
}

function makePackage(ctx: PackageCtx, opts: WorkloadOptions): Package {
  // Shape (path, number of targets) depends on the package only; content on its content seed.
  const shape = new Prng(opts.seed, ctx.index, 0x5a9e);
  const rng = new Prng(opts.seed, ctx.index, ctx.contentSeed, 0xc0de);
  const cell = shape.pick(CELLS);
  const path = `${cell}/${words(shape, 2, '/')}/${ctx.index}`;
  const nTargets = shape.int(6, 18);
  const targets: Target[] = [];
  const lines: string[] = [`# ${path}/BUCK`, `load("@prelude//:rules.bzl", "rust_library", "cxx_library")`];
  for (let t = 0; t < nTargets; t++) {
    const kind = rng.pick(KINDS);
    const name = `${words(rng, 2)}_${t}`;
    const deps: Target[] = [];
    for (let d = rng.int(0, 6); d > 0; d--) {
      if (t > 0 && rng.chance(0.3)) deps.push(targets[rng.int(0, t - 1)]!);
      else if (ctx.lower.length > 0) {
        // Mostly nearby packages, sometimes a foundational one.
        const j = rng.chance(0.7) ? Math.max(0, ctx.lower.length - 1 - rng.int(0, 20)) : rng.int(0, Math.min(ctx.lower.length - 1, 15));
        const pkg = ctx.lower[j]!;
        deps.push(pkg.targets[rng.int(0, pkg.targets.length - 1)]!);
      }
    }
    const srcs: SourceFile[] = [];
    for (let s = rng.int(1, 8); s > 0; s--) {
      srcs.push(
        Object.assign(new SourceFile(), {
          path: `${path}/src/${words(rng, 1)}_${s}.${rng.pick(['rs', 'cpp', 'h', 'py', 'bzl'])}`,
          digest: rng.hex(40),
          size: rng.int(100, 200_000),
          executable: rng.chance(0.05),
        }),
      );
    }
    const actions: Action[] = [];
    for (let a = rng.int(1, 5); a > 0; a--) actions.push(makeAction(rng, path, name, a));
    const attrs: Record<string, unknown> = { oncall: `team_${words(rng, 1)}`, priority: rng.int(0, 5) };
    if (rng.chance(0.5)) attrs['labels'] = Array.from({ length: rng.int(1, 3) }, () => words(rng, 1));
    if (rng.chance(0.2)) attrs['default_host_platform'] = rng.pick(PLATFORMS);
    targets.push(
      Object.assign(new Target(), {
        name,
        label: `${cell}//${path}:${name}`,
        rule: makeRule(rng, kind, path, name),
        srcs,
        deps,
        config: rng.pick(ctx.configs),
        actions,
        visibility: rng.chance(0.6) ? ['PUBLIC'] : [`${cell}//${path}/...`, `root//${words(rng, 1)}/...`],
        attrs,
        outputSize: rng.int(0, 50_000_000),
      }),
    );
    lines.push(`${kind}(`, `    name = "${name}",`, `    srcs = glob(["src/**"]),`, `    deps = [${deps.length} deps],`, ')');
  }
  const buildFile = Object.assign(new BuildFile(), { path: `${path}/BUCK`, digest: rng.hex(40), lines });
  const arc = PagableArc.new(buildFile, ctx.storage);
  if (ctx.unpinLazy) arc.unpin();
  arcValues.set(arc, buildFile);
  return Object.assign(new Package(), {
    path,
    cell,
    targets,
    loads: ['@prelude//:rules.bzl', `${cell}//defs:${words(rng, 1)}.bzl`],
    buildFile: arc,
  });
}

/** The revisions; lazy arcs are bound to `storage` (and unpinned with `unpinLazy`). */
function makeRevisions(opts: WorkloadOptions, storage: PagableStorage, unpinLazy: boolean): Revision[] {
  const configs = makeConfigurations(opts.seed);
  const P = opts.packages;
  const reused = Math.floor(P * opts.reusedFraction);
  const changedFrom = Math.ceil(P * (1 - opts.changedFraction));
  const revisions: Revision[] = [];
  let previous: Package[] = [];
  for (let r = 0; r < opts.revisions; r++) {
    const packages: Package[] = [];
    for (let i = 0; i < P; i++) {
      if (r > 0 && i < reused) {
        packages.push(previous[i]!);
        continue;
      }
      const contentSeed = r > 0 && i >= changedFrom ? r : 0;
      packages.push(makePackage({ index: i, contentSeed, configs, lower: packages, storage, unpinLazy }, opts));
    }
    revisions.push(
      Object.assign(new Revision(), {
        id: r + 1,
        commit: new Prng(opts.seed, r, 0xc033).hex(40),
        configurations: configs,
        packages,
      }),
    );
    previous = packages;
  }
  return revisions;
}

/** The standard workload as decorated classes; its lazy arcs are bound (and pinned) to `home`. */
export function buildGraph(opts: WorkloadOptions, home: PagableStorage): BuildGraph {
  return Object.assign(new BuildGraph(), { name: `monorepo@seed${opts.seed}`, revisions: makeRevisions(opts, home, false) });
}

/**
 * The heap variant: the same packages, each held only by an unpinned PagableArc bound to
 * `storage` (one arc per distinct package object), with unpinned lazy build files.
 */
export function buildPackageArcs(opts: WorkloadOptions, storage: PagableStorage): PagableArc<Package>[] {
  const seen = new Set<Package>();
  const arcs: PagableArc<Package>[] = [];
  for (const rev of makeRevisions(opts, storage, true)) {
    for (const p of rev.packages) {
      if (seen.has(p)) continue;
      seen.add(p);
      const arc = PagableArc.new(p, storage);
      arc.unpin();
      arcs.push(arc);
    }
  }
  return arcs;
}

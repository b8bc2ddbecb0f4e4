/* The standard workload as plain objects, for msgpackr and lmdb-js (see the comment below). */
import { createHash } from 'node:crypto';
import { pack } from 'msgpackr';
import {
  Action,
  type BuildFile,
  type BuildGraph,
  type Configuration,
  CopyAction,
  CxxLibrary,
  GenRule,
  type Package,
  PythonBinary,
  RunAction,
  RustLibrary,
  type Target,
  TestRule,
  WriteAction,
} from './model.js';
import { arcValues } from './workload.js';

/*
 * Plain objects carry field names; a polymorphic value carries its tag as `type`; graph edges
 * are labels (Target.deps) and names (Target.config), each configuration is listed in full by
 * every revision; a Map becomes an object. An object shared by identity maps to one plain
 * object, which msgpackr writes again wherever it appears (it has no references unless told).
 */

export type Plain = Record<string, unknown>;

export function plainTagged(tag: string, o: object): Plain {
  const out: Plain = { type: tag };
  for (const [k, v] of Object.entries(o)) out[k] = v;
  return out;
}

const TAGS = new Map<unknown, string>([
  [RustLibrary, 'bench.RustLibrary'],
  [CxxLibrary, 'bench.CxxLibrary'],
  [GenRule, 'bench.GenRule'],
  [PythonBinary, 'bench.PythonBinary'],
  [TestRule, 'bench.TestRule'],
  [Action, 'bench.Action'],
  [RunAction, 'bench.RunAction'],
  [WriteAction, 'bench.WriteAction'],
  [CopyAction, 'bench.CopyAction'],
]);

export function tagOf(o: object): string {
  const t = TAGS.get(o.constructor);
  if (t === undefined) throw new Error(`no tag for ${o.constructor.name}`);
  return t;
}

export function plainConfig(c: Configuration): Plain {
  return { name: c.name, platform: c.platform, constraints: c.constraints, flags: Object.fromEntries(c.flags) };
}

export function plainTarget(t: Target): Plain {
  return {
    name: t.name,
    label: t.label,
    rule: plainTagged(tagOf(t.rule), t.rule),
    srcs: t.srcs.map((s) => ({ path: s.path, digest: s.digest, size: s.size, executable: s.executable })),
    deps: t.deps.map((d) => d.label),
    config: t.config.name,
    actions: t.actions.map((a) => plainTagged(tagOf(a), a)),
    visibility: t.visibility,
    attrs: t.attrs,
    outputSize: t.outputSize,
  };
}

export function plainPackage(p: Package): Plain {
  const bf = arcValues.get(p.buildFile) as BuildFile;
  return {
    path: p.path,
    cell: p.cell,
    targets: p.targets.map(plainTarget),
    loads: p.loads,
    buildFile: { path: bf.path, digest: bf.digest, lines: bf.lines },
  };
}

/** The workload as plain objects (a tree; see above). */
export function toPlain(g: BuildGraph): Plain {
  const pkgs = new Map<Package, Plain>();
  const cfgs = new Map<Configuration, Plain>();
  const memo = <K, V>(m: Map<K, V>, k: K, f: (k: K) => V): V => {
    let v = m.get(k);
    if (v === undefined) m.set(k, (v = f(k)));
    return v;
  };
  return {
    name: g.name,
    revisions: g.revisions.map((r) => ({
      id: r.id,
      commit: r.commit,
      configurations: r.configurations.map((c) => memo(cfgs, c, plainConfig)),
      packages: r.packages.map((p) => memo(pkgs, p, plainPackage)),
    })),
  };
}

export function fingerprint(v: unknown): string {
  return createHash('sha256').update(pack(v)).digest('hex');
}

/**
 * The unique content, for the stored-bytes bar: the plain workload with every duplicate removed,
 * i.e. each configuration and each package whose plain content (msgpackr bytes) already appeared
 * earlier in the graph, whether as the same object or as an equal copy, is dropped. (Packages are
 * the unit of duplication in this workload: an unchanged package is an exact copy all the way
 * down, a changed one differs in every target.)
 */
export function toUniquePlain(g: BuildGraph): { plain: Plain; droppedPackages: number; keptPackages: number } {
  const full = toPlain(g);
  const seen = new Set<string>();
  let dropped = 0;
  let kept = 0;
  const keep = (x: unknown): boolean => {
    const f = fingerprint(x);
    if (seen.has(f)) return false;
    seen.add(f);
    return true;
  };
  const revisions = (full['revisions'] as Plain[]).map((r) => {
    const packages = (r['packages'] as Plain[]).filter((p) => {
      const k = keep(p);
      if (k) kept++;
      else dropped++;
      return k;
    });
    return { ...r, configurations: (r['configurations'] as Plain[]).filter(keep), packages };
  });
  return { plain: { name: full['name'], revisions }, droppedPackages: dropped, keptPackages: kept };
}

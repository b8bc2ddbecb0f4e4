/* The standard workload as class-transformer instances (model in ct-model.ts), the round-trip peer's input. */
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
import {
  CtAction,
  CtBuildFile,
  CtBuildGraph,
  CtConfiguration,
  CtCopyAction,
  CtCxxLibrary,
  CtGenRule,
  CtPackage,
  CtPythonBinary,
  CtRevision,
  type CtRule,
  CtRunAction,
  CtRustLibrary,
  CtSourceFile,
  CtTarget,
  CtTestRule,
  CtWriteAction,
} from './ct-model.js';
import { arcValues } from './workload.js';

const CT_RULES = new Map<unknown, new () => CtRule>([
  [RustLibrary, CtRustLibrary],
  [CxxLibrary, CtCxxLibrary],
  [GenRule, CtGenRule],
  [PythonBinary, CtPythonBinary],
  [TestRule, CtTestRule],
]);
const CT_ACTIONS = new Map<unknown, new () => CtAction>([
  [Action, CtAction],
  [RunAction, CtRunAction],
  [WriteAction, CtWriteAction],
  [CopyAction, CtCopyAction],
]);

function copyAs<T extends object>(cls: new () => T, o: object): T {
  return Object.assign(new cls(), o);
}

/** The workload as class-transformer model instances (model in ct-model.ts). */
export function toCt(g: BuildGraph): CtBuildGraph {
  const pkgs = new Map<Package, CtPackage>();
  const cfgs = new Map<Configuration, CtConfiguration>();
  const ctConfig = (c: Configuration): CtConfiguration => {
    let x = cfgs.get(c);
    if (x === undefined)
      cfgs.set(
        c,
        (x = Object.assign(new CtConfiguration(), {
          name: c.name,
          platform: c.platform,
          constraints: c.constraints,
          flags: new Map(c.flags),
        })),
      );
    return x;
  };
  const ctTarget = (t: Target): CtTarget =>
    Object.assign(new CtTarget(), {
      name: t.name,
      label: t.label,
      rule: copyAs(CT_RULES.get(t.rule.constructor)!, t.rule),
      srcs: t.srcs.map((s) => copyAs(CtSourceFile, s)),
      deps: t.deps.map((d) => d.label),
      config: t.config.name,
      actions: t.actions.map((a) => copyAs(CT_ACTIONS.get(a.constructor)!, a)),
      visibility: t.visibility,
      attrs: t.attrs,
      outputSize: t.outputSize,
    });
  const ctPackage = (p: Package): CtPackage => {
    let x = pkgs.get(p);
    if (x === undefined) {
      const bf = arcValues.get(p.buildFile) as BuildFile;
      pkgs.set(
        p,
        (x = Object.assign(new CtPackage(), {
          path: p.path,
          cell: p.cell,
          targets: p.targets.map(ctTarget),
          loads: p.loads,
          buildFile: copyAs(CtBuildFile, bf),
        })),
      );
    }
    return x;
  };
  return Object.assign(new CtBuildGraph(), {
    name: g.name,
    revisions: g.revisions.map((r) =>
      Object.assign(new CtRevision(), {
        id: r.id,
        commit: r.commit,
        configurations: r.configurations.map(ctConfig),
        packages: r.packages.map(ctPackage),
      }),
    ),
  });
}

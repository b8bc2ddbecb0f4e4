/*
 * The standard workload's model annotated for class-transformer, the round-trip peer: its own
 * copies of the classes in model.ts, with @Type and discriminators for the polymorphic fields.
 * class-transformer has no notion of shared references (it would expand every dependency edge
 * into a full copy of the dependency's subtree), so, as a class-transformer user would, the
 * graph edges are written as labels: Target.deps holds target labels and Target.config the
 * configuration name. Everything else has the same fields and values as the pagable model.
 */
import 'reflect-metadata';
import { Type } from 'class-transformer';

export class CtConfiguration {
  name!: string;
  platform!: string;
  constraints!: string[];
  @Type(() => String) flags!: Map<string, string>;
}

export class CtSourceFile {
  path!: string;
  digest!: string;
  size!: number;
  executable!: boolean;
}

export abstract class CtRule {
  kind!: string;
}
export class CtRustLibrary extends CtRule {
  edition!: string;
  crateRoot!: string;
  features!: string[];
}
export class CtCxxLibrary extends CtRule {
  headers!: string[];
  compilerFlags!: string[];
  linkStyle!: string;
}
export class CtGenRule extends CtRule {
  cmd!: string;
  outs!: string[];
  env!: Record<string, string>;
}
export class CtPythonBinary extends CtRule {
  main!: string;
  interpreter!: string;
  zipSafe!: boolean;
}
export class CtTestRule extends CtRule {
  runner!: string;
  timeoutMs!: number;
  labels!: string[];
}

export class CtAction {
  category!: string;
  identifier!: string;
}
export class CtRunAction extends CtAction {
  argv!: string[];
  outputs!: string[];
}
export class CtWriteAction extends CtAction {
  path!: string;
  contentDigest!: string;
  isExecutable!: boolean;
}
export class CtCopyAction extends CtAction {
  src!: string;
  dst!: string;
}

export class CtTarget {
  name!: string;
  label!: string;
  @Type(() => CtRule, {
    discriminator: {
      property: '__type',
      subTypes: [
        { value: CtRustLibrary, name: 'bench.RustLibrary' },
        { value: CtCxxLibrary, name: 'bench.CxxLibrary' },
        { value: CtGenRule, name: 'bench.GenRule' },
        { value: CtPythonBinary, name: 'bench.PythonBinary' },
        { value: CtTestRule, name: 'bench.TestRule' },
      ],
    },
    keepDiscriminatorProperty: false,
  })
  rule!: CtRule;
  @Type(() => CtSourceFile) srcs!: CtSourceFile[];
  /** Labels of the dependencies. */
  deps!: string[];
  /** Name of the configuration. */
  config!: string;
  @Type(() => CtAction, {
    discriminator: {
      property: '__type',
      subTypes: [
        { value: CtAction, name: 'bench.Action' },
        { value: CtRunAction, name: 'bench.RunAction' },
        { value: CtWriteAction, name: 'bench.WriteAction' },
        { value: CtCopyAction, name: 'bench.CopyAction' },
      ],
    },
    keepDiscriminatorProperty: false,
  })
  actions!: CtAction[];
  visibility!: string[];
  attrs!: Record<string, unknown>;
  outputSize!: number;
}

export class CtBuildFile {
  path!: string;
  digest!: string;
  lines!: string[];
}

export class CtPackage {
  path!: string;
  cell!: string;
  @Type(() => CtTarget) targets!: CtTarget[];
  loads!: string[];
  @Type(() => CtBuildFile) buildFile!: CtBuildFile;
}

export class CtRevision {
  id!: number;
  commit!: string;
  @Type(() => CtConfiguration) configurations!: CtConfiguration[];
  @Type(() => CtPackage) packages!: CtPackage[];
}

export class CtBuildGraph {
  name!: string;
  @Type(() => CtRevision) revisions!: CtRevision[];
}

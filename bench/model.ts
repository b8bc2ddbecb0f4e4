/*
 * The standard workload's model, annotated for pagable: a build graph as a build daemon holds it
 * (think buck2's configured target graph), kept over several revisions of the repository.
 *
 *   BuildGraph (root blob, tagged)
 *     revisions: Revision[]                 inline
 *       configurations: @Shared Configuration[]   identity-shared by every target
 *       packages: @Shared Package[]          one blob per package
 *         targets: @Shared Target[]          one blob per target (the dependency boundary)
 *           rule: @Dyn Rule                  polymorphic, tagged (RustLibrary, CxxLibrary, ...)
 *           srcs: SourceFile[]               inline
 *           deps: @Shared Target[]           identity-shared edges into lower packages
 *           config: @Shared Configuration
 *           actions: Action[]                inline, subclasses carry their tag (declared: Action)
 *           attrs: plain data                inline
 *         buildFile: @Lazy BuildFile         cold: paged in only when pinned
 *
 * Most objects are inline; blobs are cut at packages, targets, configurations and build files.
 */
import { Dyn, Field, Lazy, Pagable, type PagableArc, Shared, TypeTag } from '../src/index.js';

@TypeTag('bench.Configuration')
@Pagable()
export class Configuration {
  @Field() name!: string;
  @Field() platform!: string;
  @Field() constraints!: string[];
  @Field() flags!: Map<string, string>;
}

@Pagable()
export class SourceFile {
  @Field() path!: string;
  @Field() digest!: string;
  @Field() size!: number;
  @Field() executable!: boolean;
}

/** A rule kind: always stored with its tag (@Dyn). */
@Pagable()
export abstract class Rule {
  @Field() kind!: string;
}

@TypeTag('bench.RustLibrary')
@Pagable()
export class RustLibrary extends Rule {
  @Field() edition!: string;
  @Field() crateRoot!: string;
  @Field() features!: string[];
}

@TypeTag('bench.CxxLibrary')
@Pagable()
export class CxxLibrary extends Rule {
  @Field() headers!: string[];
  @Field() compilerFlags!: string[];
  @Field() linkStyle!: string;
}

@TypeTag('bench.GenRule')
@Pagable()
export class GenRule extends Rule {
  @Field() cmd!: string;
  @Field() outs!: string[];
  @Field() env!: Record<string, string>;
}

@TypeTag('bench.PythonBinary')
@Pagable()
export class PythonBinary extends Rule {
  @Field() main!: string;
  @Field() interpreter!: string;
  @Field() zipSafe!: boolean;
}

@TypeTag('bench.TestRule')
@Pagable()
export class TestRule extends Rule {
  @Field() runner!: string;
  @Field() timeoutMs!: number;
  @Field() labels!: string[];
}

/** An action; the field is declared as Action, the subclasses write their tag. */
@TypeTag('bench.Action')
@Pagable()
export class Action {
  @Field() category!: string;
  @Field() identifier!: string;
}

@TypeTag('bench.RunAction')
@Pagable()
export class RunAction extends Action {
  @Field() argv!: string[];
  @Field() outputs!: string[];
}

@TypeTag('bench.WriteAction')
@Pagable()
export class WriteAction extends Action {
  @Field() path!: string;
  @Field() contentDigest!: string;
  @Field() isExecutable!: boolean;
}

@TypeTag('bench.CopyAction')
@Pagable()
export class CopyAction extends Action {
  @Field() src!: string;
  @Field() dst!: string;
}

@Pagable()
export class Target {
  @Field() name!: string;
  @Field() label!: string;
  @Dyn(() => Rule) rule!: Rule;
  @Field(() => [SourceFile]) srcs!: SourceFile[];
  @Shared(() => [Target]) deps!: Target[];
  @Shared(() => Configuration) config!: Configuration;
  @Field(() => [Action]) actions!: Action[];
  @Field() visibility!: string[];
  @Field() attrs!: Record<string, unknown>;
  @Field() outputSize!: number;
}

/** The parsed BUCK file: cold, so it sits behind a lazy arc. */
@Pagable()
export class BuildFile {
  @Field() path!: string;
  @Field() digest!: string;
  @Field() lines!: string[];
}

@Pagable()
export class Package {
  @Field() path!: string;
  @Field() cell!: string;
  @Shared(() => [Target]) targets!: Target[];
  @Field() loads!: string[];
  @Lazy(() => BuildFile) buildFile!: PagableArc<BuildFile>;
}

@Pagable()
export class Revision {
  @Field() id!: number;
  @Field() commit!: string;
  @Shared(() => [Configuration]) configurations!: Configuration[];
  @Shared(() => [Package]) packages!: Package[];
}

@TypeTag('bench.BuildGraph')
@Pagable()
export class BuildGraph {
  @Field() name!: string;
  @Field(() => [Revision]) revisions!: Revision[];
}

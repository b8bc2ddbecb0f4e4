/**
 * The model of the main demo (`npm start`, main-demo.ts): what a build daemon keeps in memory. A
 * module of classes only, with no side effects, so that `pagable check` can load it (or a changed
 * copy of it) against the store the demo writes:
 *
 *   npm start && npx pagable check .pagable-demo --classes build/examples/demo-model.js
 */
import { Dyn, Field, Lazy, Pagable, type PagableArc, Shared, TypeTag } from 'pagable';

/** A build step; subclasses are stored with their tag and come back as the right class. */
export abstract class BuildStep {
  abstract describe(): string;
}

@TypeTag('demo.Compile') @Pagable()
export class CompileStep extends BuildStep {
  @Field() compiler!: string;
  @Field() flags!: string[];
  @Field() durationMs!: number;
  describe(): string { return `${this.compiler} ${this.flags.join(' ')}`; }
}

@TypeTag('demo.Bundle') @Pagable()
export class BundleStep extends BuildStep {
  @Field() format!: string;
  @Field() minify!: boolean;
  @Field() chunks!: Map<string, number>;
  describe(): string { return `bundle ${this.format}${this.minify ? ' (minified)' : ''}`; }
}

@TypeTag('demo.Test') @Pagable()
export class TestStep extends BuildStep {
  @Field() suite!: string;
  @Field() passed!: number;
  @Field() failed!: number;
  describe(): string { return `test ${this.suite}: ${this.passed} passed`; }
}

@Pagable()
export class Artifact {
  @Field() path!: string;
  @Field() size!: number;
  @Field() hash!: Uint8Array;
  @Field() emittedAt!: Date;
}

/** A third-party package; its dependency tree is shared by every module that uses it. */
@Pagable()
export class ExternalDep {
  @Field() name!: string;
  @Field() version!: string;
  @Field() license!: string;
  @Shared(() => [ExternalDep]) deps!: ExternalDep[];
}

@TypeTag('demo.Module') @Pagable()
export class Module {
  @Field() path!: string;
  @Field() lines!: number;
  @Shared(() => [Module]) imports!: Module[];
  @Shared(() => [ExternalDep]) external!: ExternalDep[];
  @Dyn(() => [BuildStep]) steps!: BuildStep[];
  /** The build output: large and rarely looked at, so paged in only when pinned. */
  @Lazy(() => Artifact) output!: PagableArc<Artifact> | undefined;
}

@Pagable()
export class Toolchain {
  @Field() node!: string;
  @Field() typescript!: string;
  @Field() targets!: Set<string>;
}

@TypeTag('demo.Package') @Pagable()
export class Package {
  @Field() name!: string;
  @Field() version!: string;
  @Field() scripts!: Record<string, string>;
  @Shared(() => [Module]) modules!: Module[];
  @Shared(() => [ExternalDep]) dependencies!: ExternalDep[];
  @Shared(() => Toolchain) toolchain!: Toolchain;
}

@TypeTag('demo.Workspace') @Pagable()
export class Workspace {
  @Field() name!: string;
  @Shared(() => Toolchain) toolchain!: Toolchain;
  /** Each package behind its own arc: the daemon pages whole packages out and in. */
  @Lazy(() => [Package]) packages!: Array<PagableArc<Package>>;
}

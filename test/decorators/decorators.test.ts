import { expect } from 'chai';
import { build } from 'esbuild';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import * as pagable from '../../src/index.js';
import { Field, InMemoryPagableStorage, Pagable, PagableError } from '../../src/index.js';
import { defineModel, type Model } from '../dialects/model.js';
import { badFieldOptions } from '../dialects/field-options.js';
import { sampleDoc } from '../dialects/sample.js';
import { defineUntyped } from '../dialects/untyped.js';
import { defineSub } from '../dialects/mixed.js';
import { describeRoundTrips } from '../support/dialect-round-trips.js';
import { expectError } from '../support/expect-error.js';
import { runNode } from '../support/node-process.js';
import { getClassMeta } from '../../src/metadata/class-meta.js';

/*
 * Both decorator dialects. test/dialects/ is compiled twice: by tsconfig.json as legacy decorators
 * (into build/, beside this file) and by tsconfig.tc39.json as TC39 standard decorators (into
 * build/tc39/); test/tc39/ only the second way. Every compiled model decorates with the pagable
 * imported here, so both run in this one process.
 */

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const TC39_BUILD = new URL('../../../tc39/test/', import.meta.url);

/** A module of tsc's TC39 output, typed as its legacy twin (same source). */
async function importTc39<T>(path: string): Promise<T> {
  return (await import(new URL(path, TC39_BUILD).href)) as T;
}

type ModelModule = typeof import('../dialects/model.js');
type FieldOptionsModule = typeof import('../dialects/field-options.js');
type UntypedModule = typeof import('../dialects/untyped.js');
type MixedModule = typeof import('../dialects/mixed.js');
/** test/tc39/refusals.ts, which only compiles as TC39 decorators (so is not imported for its type). */
type RefusalsModule = { refusedFields: Record<string, { define: (p: typeof pagable) => unknown; names: readonly string[] }> };

function expectDefinitionError(define: () => unknown, code: string, names: readonly string[]): void {
  let error: unknown;
  try {
    define();
  } catch (e) {
    error = e;
  }
  expect(error, 'the class definition throws').to.be.instanceOf(PagableError);
  expect((error as PagableError).code, (error as Error).message).to.equal(code);
  for (const n of names) expect((error as Error).message).to.contain(n);
}

describe('decorators', () => {
  const legacy = defineModel(pagable, 'legacy');
  let tc39: Model;
  before(async () => {
    tc39 = (await importTc39<ModelModule>('dialects/model.js')).defineModel(pagable, 'tc39');
  });

  describe('legacy decorators (experimentalDecorators, emitDecoratorMetadata)', () => {
    describeRoundTrips(() => legacy);
  });

  describe('TC39 standard decorators', () => {
    describeRoundTrips(() => tc39);

    it('importing pagable defines Symbol.metadata, where the class metadata lives', () => {
      const sym = (Symbol as { metadata?: symbol }).metadata;
      expect(typeof sym).to.equal('symbol');
      expect(Object.hasOwn(tc39.Doc, sym!)).to.equal(true);
    });

    it('refuses private, static, symbol-named and accessor fields with NOT_PAGABLE, naming class and field', async () => {
      const { refusedFields } = await importTc39<RefusalsModule>('tc39/refusals.js');
      expect(Object.keys(refusedFields)).to.have.length(5);
      for (const [what, c] of Object.entries(refusedFields)) {
        try {
          expectDefinitionError(() => c.define(pagable), 'NOT_PAGABLE', c.names);
        } catch (e) {
          throw new Error(`${what}: ${(e as Error).message}`, { cause: e });
        }
      }
    });

    it('a standard decorator context without metadata (TypeScript < 5.2) is NOT_PAGABLE saying what to use', () => {
      const standardCall = Field() as unknown as (value: undefined, context: { kind: string; name: string; metadata: undefined }) => void;
      expect(() => standardCall(undefined, { kind: 'field', name: 'x', metadata: undefined })).to.throw(
        PagableError,
        /TypeScript >= 5\.2.*experimentalDecorators/,
      );
    });
  });

  describe('both dialects', () => {
    it('each dialect loads what the other wrote', async () => {
      const s = new InMemoryPagableStorage();
      // Tags differ by namespace; a graph without tagged values is the same content. Its keys
      // differ: legacy records the design:type of `@Field() x!: number` in the writer's schema
      // (Number), TC39 decorators cannot (plain data). Blobs of either load into the other.
      const a = await s.save(sampleDoc(pagable, legacy, s, false).doc);
      const b = await s.save(sampleDoc(pagable, tc39, s, false).doc);
      const viaLegacy = await s.load(legacy.Doc, b);
      const viaTc39 = await s.load(tc39.Doc, a);
      expect(viaLegacy).to.be.instanceOf(legacy.Doc);
      expect(viaTc39).to.be.instanceOf(tc39.Doc);
      const plain = (v: unknown): unknown => JSON.parse(JSON.stringify(v, (_, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x)));
      expect(plain(viaLegacy)).to.deep.equal(plain(viaTc39));
    });

    it('a field without () => X: legacy types it from design:type; TC39 stores plain data and says what to add', async () => {
      const s = new InMemoryPagableStorage();
      const old = defineUntyped(pagable, 'untyped.legacy');
      const mark = (n: number): InstanceType<typeof old.Mark> => Object.assign(new old.Mark(), { n });
      const back = await s.load(
        old.Loose,
        await s.save(Object.assign(new old.Loose(), { point: Object.assign(new old.Point(), { x: 1 }), mark: mark(2), data: [mark(3)] })),
      );
      expect(back.point).to.be.instanceOf(old.Point);
      expect(back.mark).to.be.instanceOf(old.Mark).and.deep.include({ n: 2 });
      expect(back.data).to.deep.equal([mark(3)]);

      const std = (await importTc39<UntypedModule>('dialects/untyped.js')).defineUntyped(pagable, 'untyped.tc39');
      const stdMark = (n: number): InstanceType<typeof std.Mark> => Object.assign(new std.Mark(), { n });
      // Plain data, tagged instances inside it included.
      const plain = await s.load(std.Loose, await s.save(Object.assign(new std.Loose(), { data: { a: [1, 'b', stdMark(3)] } })));
      expect(plain.data).to.deep.equal({ a: [1, 'b', stdMark(3)] });
      expect((plain.data as { a: unknown[] }).a[2]).to.be.instanceOf(std.Mark);
      // An instance as the field's value, tagged or not, needs its type.
      const untagged = await expectError(
        s.save(Object.assign(new std.Loose(), { point: Object.assign(new std.Point(), { x: 1 }) })),
        'TYPE_MISMATCH',
      );
      expect(untagged.message).to.contain('Loose.point').and.contain('@Field(() => Point)').and.contain('emitDecoratorMetadata');
      const tagged = await expectError(s.save(Object.assign(new std.Loose(), { mark: stdMark(2) })), 'TYPE_MISMATCH');
      expect(tagged.message)
        .to.contain('Loose.mark')
        .and.contain('@Field(() => Mark)')
        .and.contain('@Dyn()')
        .and.contain('emitDecoratorMetadata');
      // So is an untagged one inside plain data.
      const nested = await expectError(
        s.save(Object.assign(new std.Loose(), { data: [Object.assign(new std.Point(), { x: 1 })] })),
        'TYPE_MISMATCH',
      );
      expect(nested.message).to.contain('Loose.data').and.contain('@Field(() => [Point])').and.contain('emitDecoratorMetadata');
    });

    it('a subclass in one dialect extends a base compiled in the other, both ways round', async () => {
      const s = new InMemoryPagableStorage();
      const std = (await importTc39<MixedModule>('dialects/mixed.js')).defineSub;
      for (const [Base, Sub] of [
        [legacy.Base, std(pagable, legacy.Base, 'mixed.tc39').Sub],
        [tc39.Base, defineSub(pagable, tc39.Base, 'mixed.legacy').Sub],
      ] as const) {
        expect(getClassMeta(Sub)!.fields.map((f) => [f.name, f.aliases])).to.deep.equal([
          ['id', []],
          ['createdAt', ['created']],
          ['more', ['count']],
        ]);
        const sub = Object.assign(new Sub(), { id: 'x', createdAt: new Date(0), more: 7 });
        const back = await s.load(Base, await s.save(sub));
        expect(back).to.be.instanceOf(Sub).and.deep.include({ id: 'x', more: 7 });
      }
    });

    for (const [dialect, load] of [
      ['legacy', async (): Promise<FieldOptionsModule> => await import('../dialects/field-options.js')],
      ['TC39', (): Promise<FieldOptionsModule> => importTc39<FieldOptionsModule>('dialects/field-options.js')],
    ] as const) {
      it(`${dialect}: wrong field options are INVALID_ARGUMENT where the class is defined, naming class and field`, async () => {
        const cases = (await load()).badFieldOptions;
        expect(Object.keys(cases)).to.deep.equal(Object.keys(badFieldOptions));
        for (const [what, c] of Object.entries(cases)) {
          try {
            expectDefinitionError(() => c.define(pagable), 'INVALID_ARGUMENT', c.names);
          } catch (e) {
            throw new Error(`${what}: ${(e as Error).message}`, { cause: e });
          }
        }
      });
    }

    it('class decorators refuse members, and field decorators classes, with NOT_PAGABLE', () => {
      const onClass = Field() as unknown as (target: unknown) => void;
      expect(() => onClass(class Whole {})).to.throw(PagableError, /@Field decorates a field.*Whole/);
      const onField = Pagable() as unknown as (target: unknown, key: string) => void;
      expect(() => onField({}, 'x')).to.throw(PagableError, /@Pagable decorates a class/);
    });
  });

  describe('bundled with esbuild', () => {
    it('a TC39-decorated program bundled by esbuild runs as tsc compiles it, writing what legacy writes', async function () {
      this.timeout(120_000);
      const outfile = `${ROOT}build/esbuild/app.mjs`;
      await build({
        entryPoints: [`${ROOT}test/tc39/app.ts`],
        outfile,
        bundle: true,
        platform: 'node',
        format: 'esm',
        target: 'node20',
        packages: 'external',
        // The root tsconfig.json enables experimentalDecorators, which esbuild would honour.
        tsconfig: `${ROOT}tsconfig.tc39.json`,
        logLevel: 'silent',
      });
      const bundle = await readFile(outfile, 'utf8');
      expect(bundle, 'esbuild lowered standard decorators').to.contain('__decorateElement').and.not.contain('__decorateClass');

      const bundled = (await runNode([outfile]))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      const compiled = (await runNode([`${ROOT}build/tc39/test/tc39/app.js`]))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(bundled).to.deep.equal(compiled);

      const [roundTrip, plain, untyped, codecs] = bundled;
      // The key equals tsc's TC39 output (checked above); legacy writes design:type into the schema.
      expect(roundTrip).to.deep.equal({
        key: compiled[0]!.key,
        title: 'Dune',
        shared: true,
        lazy: 'lazy',
        shapes: ['Square', 'Circle'],
        leaf: ['leaf-1', 'from Middle', 42],
      });
      expect(plain).to.deep.equal({ plain: { a: [1] } });
      expect(untyped!.untyped).to.equal('TYPE_MISMATCH');
      expect(untyped!.message).to.contain('@Field(() => Point)').and.contain('emitDecoratorMetadata');
      expect(codecs).to.deep.equal({ total: 1250, notes: ['new'], due: 5 });
    });
  });
});

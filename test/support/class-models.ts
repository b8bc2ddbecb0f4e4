/*
 * Random class models for the write-rule property (test/paging/given-back.test.ts): a few classes
 * made at runtime and decorated by calling the legacy decorators as functions, with every field
 * kind (inline classes, @Shared, @Lazy, @Dyn, arrays of each, every built-in type, by `() => X` or
 * by `design:type`, and untyped plain data), subclasses, tags, an undecorated abstract base, odd
 * class and field names, classes stored through codecs (codec-models.ts), fields with a codec of
 * their own, and fields with a default. A model is plain data (a fast-check value that prints and shrinks);
 * `buildModel` makes its classes, each time new ones.
 */
import { Type } from 'class-transformer';
import fc from 'fast-check';
import 'reflect-metadata';
import type { TYPED_ARRAYS } from '../../src/codec/wire.js';
import { type Class, Dyn, Field, Lazy, Pagable, Shared, TypeTag, type TypeSpec } from '../../src/index.js';
import { NATIVE_TYPES } from '../../src/metadata/schema.js';
import { Money, Point, Price, boxCodec, epochCodec } from './codec-models.js';

/** A built-in type a field may be declared with, by constructor name. */
export type Native =
  | 'String'
  | 'Number'
  | 'Boolean'
  | 'BigInt'
  | 'Date'
  | 'Map'
  | 'Set'
  | 'Array'
  | 'Object'
  | (typeof TYPED_ARRAYS)[number]['name']
  | 'Uint8Array';

/** The built-in types the codec stores natively (symbols and functions it refuses), by name. */
export const NATIVES = new Map<string, Class>(
  [...NATIVE_TYPES].filter((c) => c !== Symbol && c !== Function).map((c) => [(c as Class).name, c as Class]),
) as ReadonlyMap<Native, Class>;

/** Classes stored through registered codecs, by name. */
export const CODEC_CLASSES = { Money, Point, Price } as const;

/** Codecs a field may have of its own: `epoch` for Dates (`() => Date`, arrays of it), `box` for plain data. */
export type OwnCodec = 'epoch' | 'box';

/** What a field's type names: a built-in type, a model class (by index), the model's undecorated base, or a codec'd class. */
export type Leaf =
  | { readonly t: 'native'; readonly native: Native }
  | { readonly t: 'class'; readonly cls: number }
  | { readonly t: 'base' }
  | { readonly t: 'codec'; readonly cls: keyof typeof CODEC_CLASSES };

/** One field: its decorator, what its type names, and how (arrays around it; `design:type` or a thunk). */
export type FieldSpec =
  | { readonly kind: 'field'; readonly leaf: Leaf; readonly arrays: number; readonly design: boolean; readonly withDefault?: boolean }
  /** A field with a codec of its own. */
  | { readonly kind: 'coded'; readonly codec: OwnCodec; readonly arrays: number }
  | { readonly kind: 'untyped' }
  | { readonly kind: 'shared' | 'lazy'; readonly leaf: Leaf; readonly arrays: number }
  | { readonly kind: 'dyn'; readonly base: number | 'base' | undefined; readonly arrays: number }
  /** A class-transformer discriminator over model classes (class-transformer classes only). */
  | { readonly kind: 'union'; readonly members: readonly number[]; readonly arrays: number };

/** One class: its name, tag (a suffix made unique when built), base and own fields. */
export interface ClassSpec {
  readonly name: string;
  readonly tag: string | undefined;
  /** A model class of lower index, the undecorated base, or none. */
  readonly base: number | 'base' | undefined;
  /**
   * A class-transformer model made pagable by `@Pagable()` alone: its fields are `@Type`s ('field'
   * of a class or built-in type, 'union'), and other own properties travel in a trailing record.
   */
  readonly ct: boolean;
  readonly fields: ReadonlyArray<readonly [string, FieldSpec]>;
}

/** A model: its classes, in an order where every base comes first. */
export interface ModelSpec {
  readonly classes: readonly ClassSpec[];
}

/** Names that have broken code before, and ordinary ones. */
const odd = fc.constantFrom(
  '',
  ' ',
  '0',
  '12',
  'then',
  'toString',
  'valueOf',
  '__proto__',
  'constructor',
  'prototype',
  '\ud800',
  'é',
  'a-b',
  '$',
);
/** Field names: any string but `constructor`, which the decorators refuse (test/codec/write-rule.test.ts). */
const names = fc
  .oneof(
    { arbitrary: fc.constantFrom('a', 'b', 'c', 'value', 'items', 'next'), weight: 6 },
    { arbitrary: odd, weight: 2 },
    { arbitrary: fc.string({ maxLength: 6 }), weight: 1 },
  )
  .filter((n) => n !== 'constructor');

const NATIVE_NAMES = [...NATIVES.keys()];

function leaf(n: number): fc.Arbitrary<Leaf> {
  return fc.oneof(
    { arbitrary: fc.constantFrom(...NATIVE_NAMES).map((native): Leaf => ({ t: 'native', native })), weight: 4 },
    { arbitrary: fc.nat(n - 1).map((cls): Leaf => ({ t: 'class', cls })), weight: 3 },
    { arbitrary: fc.constant<Leaf>({ t: 'base' }), weight: 1 },
    {
      arbitrary: fc.constantFrom('Money' as const, 'Point' as const, 'Price' as const).map((cls): Leaf => ({ t: 'codec', cls })),
      weight: 1,
    },
  );
}

function fieldSpec(n: number): fc.Arbitrary<FieldSpec> {
  const arrays = fc.oneof({ arbitrary: fc.constant(0), weight: 4 }, { arbitrary: fc.integer({ min: 1, max: 2 }), weight: 1 });
  // Arc fields hold a class, the base, or plain data (Object).
  const arcLeaf = fc.oneof(
    leaf(n).filter((l) => l.t !== 'native'),
    fc.constant<Leaf>({ t: 'native', native: 'Object' }),
  );
  return fc.oneof(
    {
      arbitrary: fc.record({ kind: fc.constant('field' as const), leaf: leaf(n), arrays, design: fc.boolean(), withDefault: fc.boolean() }),
      weight: 8,
    },
    { arbitrary: fc.constant({ kind: 'untyped' as const }), weight: 1 },
    {
      arbitrary: fc.oneof(
        fc.record({ kind: fc.constant('coded' as const), codec: fc.constant('epoch' as const), arrays: fc.nat(1) }),
        fc.constant({ kind: 'coded' as const, codec: 'box' as const, arrays: 0 }),
      ),
      weight: 1,
    },
    { arbitrary: fc.record({ kind: fc.constantFrom('shared' as const, 'lazy' as const), leaf: arcLeaf, arrays: fc.nat(1) }), weight: 3 },
    {
      arbitrary: fc.record({
        kind: fc.constant('dyn' as const),
        base: fc.option(fc.oneof(fc.nat(n - 1), fc.constant('base' as const)), { nil: undefined }),
        arrays: fc.nat(1),
      }),
      weight: 1,
    },
  );
}

/** A field of a class-transformer model: a `@Type` of a class or built-in type (maybe an array), or a discriminator. */
function ctFieldSpec(n: number): fc.Arbitrary<FieldSpec> {
  return fc.oneof(
    fc.record({
      kind: fc.constant('field' as const),
      // design:type Array makes `@Type(() => X)` the element type: no Array leaf, whose field would be an array of arrays.
      leaf: leaf(n).filter((l) => l.t !== 'base' && !(l.t === 'native' && l.native === 'Array')),
      arrays: fc.nat(1),
      design: fc.constant(false),
    }),
    fc.record({
      kind: fc.constant('union' as const),
      members: fc.uniqueArray(fc.nat(n - 1), { minLength: 1, maxLength: 3 }),
      arrays: fc.nat(1),
    }),
  );
}

const uniqueFields = (f: fc.Arbitrary<FieldSpec>): fc.Arbitrary<Array<[string, FieldSpec]>> =>
  fc.uniqueArray(fc.tuple(names, f), { maxLength: 5, selector: ([name]) => name });

/** A random model of 1 to 5 classes. */
export const modelSpec: fc.Arbitrary<ModelSpec> = fc.integer({ min: 1, max: 5 }).chain((n) =>
  fc
    .tuple(
      ...Array.from({ length: n }, (_, i) =>
        fc.record({
          name: fc.oneof({ arbitrary: fc.constantFrom('A', 'B', 'Node', 'Item'), weight: 4 }, { arbitrary: odd, weight: 1 }),
          tag: fc.option(fc.oneof(fc.constant(''), odd), { nil: undefined, freq: 2 }),
          base:
            i === 0
              ? fc.option(fc.constant('base' as const), { nil: undefined })
              : fc.option(fc.oneof(fc.nat(i - 1), fc.constant('base' as const)), { nil: undefined, freq: 2 }),
          ct: fc.nat(4).map((k) => k === 0),
          fields: uniqueFields(fieldSpec(n)),
          ctFields: uniqueFields(ctFieldSpec(n)),
        }),
      ),
    )
    // One class in five is a class-transformer model (without a base: pagable fields above it would take over).
    .map((classes) => ({
      classes: classes.map(({ ctFields, ...c }) => (c.ct ? { ...c, base: undefined, fields: ctFields } : c)),
    })),
);

/** The classes of a built model, and facts about them the value generator needs. */
export interface Model {
  readonly spec: ModelSpec;
  readonly classes: readonly Class[];
  /** The undecorated class every class with `base: 'base'` extends. */
  readonly base: Class;
  /** Own and inherited fields of each class, base fields first. */
  readonly fields: ReadonlyArray<ReadonlyArray<readonly [string, FieldSpec]>>;
  readonly tagged: readonly boolean[];
}

/** Decorates field `name` of a class-transformer model with class-transformer's `@Type`. */
function decorateCt(proto: object, name: string, f: FieldSpec, leafClass: (l: Leaf) => Class, classes: readonly Class[]): void {
  if (f.kind !== 'field' && f.kind !== 'union') throw new Error(`a class-transformer model has no ${f.kind} fields`);
  // class-transformer reads design:type when decorating: Array makes the field an array.
  Reflect.defineMetadata('design:type', f.arrays > 0 ? Array : f.kind === 'field' ? leafClass(f.leaf) : Object, proto, name);
  if (f.kind === 'field') {
    Type(() => leafClass(f.leaf) as new () => unknown)(proto, name);
  } else {
    const subTypes = f.members.map((m) => ({ value: classes[m]! as new () => unknown, name: `${classes[m]!.name}#${m}` }));
    Type(() => Object, { discriminator: { property: '__type', subTypes } })(proto, name);
  }
}

let built = 0;

/** Makes the classes of `spec`: new ones on every call (tags are made unique per call). */
export function buildModel(spec: ModelSpec): Model {
  const id = ++built;
  class Base {}
  Object.defineProperty(Base, 'name', { value: `Base${id}` });
  const classes: Class[] = [];
  const fields: Array<Array<readonly [string, FieldSpec]>> = [];
  spec.classes.forEach((c) => {
    const parent = c.base === undefined ? undefined : c.base === 'base' ? Base : classes[c.base]!;
    const C: Class = parent === undefined ? class {} : class extends (parent as new () => object) {};
    Object.defineProperty(C, 'name', { value: c.name });
    classes.push(C);
    const inherited = typeof c.base === 'number' ? fields[c.base]! : [];
    // A redeclared field keeps its base's position, as metadata/field-records.ts does.
    const own = new Map(c.fields);
    fields.push([
      ...inherited.map(([n, f]) => [n, own.get(n) ?? f] as const),
      ...c.fields.filter(([n]) => !inherited.some(([m]) => m === n)),
    ]);
  });
  const leafClass = (l: Leaf): Class =>
    l.t === 'native' ? NATIVES.get(l.native)! : l.t === 'base' ? Base : l.t === 'codec' ? CODEC_CLASSES[l.cls] : classes[l.cls]!;
  const wrap = (t: TypeSpec, arrays: number): TypeSpec => (arrays === 0 ? t : wrap([t], arrays - 1));
  spec.classes.forEach((c, i) => {
    const proto = classes[i]!.prototype as object;
    for (const [name, f] of c.fields) {
      if (c.ct) {
        decorateCt(proto, name, f, leafClass, classes);
        continue;
      }
      switch (f.kind) {
        case 'field': {
          // A default changes nothing when the stored schema has the field, as here.
          const options = f.withDefault === true ? { default: () => null } : {};
          if (f.design && f.arrays === 0) {
            Reflect.defineMetadata('design:type', leafClass(f.leaf), proto, name);
            Field(options)(proto, name);
          } else {
            Field(() => wrap(leafClass(f.leaf), f.arrays), options)(proto, name);
          }
          break;
        }
        case 'coded':
          if (f.codec === 'box') {
            Reflect.defineMetadata('design:type', Object, proto, name);
            Field({ codec: boxCodec })(proto, name);
          } else {
            Field(() => wrap(Date, f.arrays), { codec: epochCodec })(proto, name);
          }
          break;
        case 'untyped':
          // As compiled without emitDecoratorMetadata: no design:type of its own, none inherited
          // from a base declaring the same field (reflect-metadata looks up the prototype chain).
          Reflect.defineMetadata('design:type', undefined, proto, name);
          Field()(proto, name);
          break;
        case 'shared':
          Shared(() => wrap(leafClass(f.leaf), f.arrays))(proto, name);
          break;
        case 'lazy':
          Lazy(() => wrap(leafClass(f.leaf), f.arrays) as Class)(proto, name);
          break;
        case 'dyn':
          if (f.base === undefined && f.arrays === 0) Dyn()(proto, name);
          else Dyn(() => wrap(f.base === undefined ? Object : f.base === 'base' ? Base : classes[f.base]!, f.arrays))(proto, name);
          break;
        case 'union':
          throw new Error('a discriminator belongs to a class-transformer model');
      }
    }
  });
  const tagged = spec.classes.map((c, i) => {
    Pagable()(classes[i]!);
    if (c.tag === undefined) return false;
    TypeTag(`given-back.${id}.${i}${c.tag}`)(classes[i]!);
    return true;
  });
  return { spec, classes, base: Base, fields, tagged };
}

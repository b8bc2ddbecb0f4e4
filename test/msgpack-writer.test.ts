import { expect } from 'chai';
import { Type } from 'class-transformer';
import { Cat, Dog, PET_DISCRIMINATOR, Pet } from './support/ct-models.js';
import fc from 'fast-check';
import { PagableError } from '../src/error.js';
import { type ClassMeta, getClassMeta } from '../src/metadata/class-meta.js';
import { ANY, type ClassSchema, type RootSchema, type Schema } from '../src/metadata/schema.js';
import type { Class } from '../src/metadata/type-spec.js';
import type { ArcInner } from '../src/arc/arc-inner.js';
import { innerOf, isPagableArc } from '../src/arc/pagable-arc.js';
import { PinnedPagableArc } from '../src/arc/pinned-pagable-arc.js';
import { BlobEncoder, type ChildRef, type EncodedBlob, MAX_INLINE_DEPTH, rootOfValue } from '../src/codec/encoder.js';
import { MsgpackWriter } from '../src/codec/msgpack-writer.js';
import { ARC_PLACEHOLDER, C1, Esc, TYPED_ARRAYS, encodeTagHeader, packr } from '../src/codec/wire.js';
import { InMemoryPagableStorage, Pagable, PagableArc } from '../src/index.js';
import { Circle, Dep, Kitchen, LazyLink, Link, Module, Package, Square } from './support/models.js';

/*
 * MsgpackWriter must write exactly the bytes msgpackr wrote for the tree the encoder used to
 * build: blob keys hash those bytes. The tree encoder is kept here, as it was (one fix noted
 * below), as the reference; every property compares the two on generated values.
 */

// ---------------------------------------------------------------- reference: the tree encoder

const NEG_ZERO: readonly unknown[] = Object.freeze([C1, Esc.NegZero]);

function packBody(tree: unknown, header: Uint8Array | undefined): Uint8Array {
  const body = packr.pack(tree);
  if (header === undefined) return body;
  const out = Buffer.allocUnsafe(header.length + body.length);
  out.set(header, 0);
  out.set(body, header.length);
  return out;
}

function className(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v !== 'object') return typeof v;
  const c = (v as object).constructor as Class | undefined;
  return typeof c === 'function' ? c.name || '(anonymous class)' : 'Object';
}

/** Encodes one instance's stored fields into a positional array. */
type FieldEncoder = (obj: object, enc: TreeEncoder) => unknown[];

const fieldEncoders = new WeakMap<ClassMeta, FieldEncoder>();

/**
 * Generates a class's field encoder once: constant property names make every load a named,
 * monomorphic access (a loop over `obj[f.name]` is megamorphic across classes), and primitives in
 * plain-data fields, the bulk of most graphs, skip the general encoder entirely.
 */
function compileFieldEncoder(meta: ClassMeta): FieldEncoder {
  const schemas = meta.fields.map((f) => f.schema);
  const names = meta.fields.map((f) => f.name);
  const lines: string[] = [];
  const outs: string[] = [];
  for (let i = 0; i < names.length; i++) {
    const key = JSON.stringify(names[i]);
    lines.push(`enc.field = ${key}; let v${i} = obj[${key}];`);
    if (schemas[i]!.k === 'any') {
      // Strings, booleans and numbers other than -0 are written as they are.
      lines.push(`if (!(typeof v${i} === 'string' || typeof v${i} === 'boolean' || (typeof v${i} === 'number' && (v${i} !== 0 || 1 / v${i} > 0)))) v${i} = enc.value(v${i}, S[${i}], M, ${key});`);
    } else {
      lines.push(`v${i} = enc.value(v${i}, S[${i}], M, ${key});`);
    }
    outs.push(`v${i}`);
  }
  if (meta.rest !== undefined) outs.push('enc.rest(obj, M)');
  const body = `return function encodeFields(obj, enc) {\n${lines.join('\n')}\nreturn [${outs.join(', ')}];\n};`;
  return new Function('S', 'M', body)(schemas, meta) as FieldEncoder;
}

/** The encoder as it was before MsgpackWriter: builds a tree of arrays, then `packr.pack`s it. */
class TreeEncoder {
  private children: ChildRef[] = [];
  private depth = 0;
  /** Objects being encoded inline, consulted only when nesting gets suspiciously deep. */
  private readonly stack: object[] = [];
  /** The field being encoded; messages are formatted from these only when something fails. */
  private owner: ClassMeta | undefined = undefined;
  private field = '';

  private where(): string {
    return this.owner === undefined ? this.field : `${this.owner.name}.${this.field}`;
  }

  /** Encodes `value` as a blob with layout `root`; `where` names it in messages. */
  encode(value: unknown, root: RootSchema, where: string): EncodedBlob {
    this.children = [];
    this.depth = 0;
    this.stack.length = 0;
    this.owner = undefined;
    this.field = where;
    let data: Uint8Array;
    if (root.k === 'class' || rootOfValue(value).k === 'class') {
      const meta = this.checkInstance(value, root.k === 'class' ? root : undefined, where);
      if (root.k === 'any' && meta.tag === undefined) {
        throw new PagableError('TYPE_MISMATCH', `${where}: a ${meta.name} stored as untyped data needs a @TypeTag on ${meta.name}`);
      }
      const tree = this.fields(value as object, meta);
      data = packBody(tree, meta.tag === undefined ? undefined : encodeTagHeader(meta.tag));
    } else {
      data = packBody(this.any(value), undefined);
    }
    return { data, children: this.children };
  }

  /** The metadata to encode `value` with where `declared` is expected; TYPE_MISMATCH / NOT_PAGABLE. */
  private checkInstance(value: unknown, declared: ClassSchema | undefined, where: string): ClassMeta {
    if (typeof value !== 'object' || value === null) {
      throw new PagableError('TYPE_MISMATCH', `${where}: expected ${declared ? 'an instance of ' + declared.cls.name : 'an object'}, got ${className(value)}`);
    }
    const cls = (value as object).constructor as Class;
    if (declared !== undefined && !(value instanceof declared.cls)) {
      throw new PagableError('TYPE_MISMATCH', `${where}: expected an instance of ${declared.cls.name}, got ${className(value)}`);
    }
    const meta = getClassMeta(cls);
    if (meta === undefined) {
      throw new PagableError('NOT_PAGABLE', `${where}: class ${className(value)} is not decorated with @Pagable()`);
    }
    if (declared !== undefined && cls !== declared.cls && meta.tag === undefined) {
      throw new PagableError('TYPE_MISMATCH', `${where}: a ${meta.name} where ${declared.cls.name} is declared needs a @TypeTag on ${meta.name}, so that it comes back as ${meta.name}`);
    }
    return meta;
  }

  /** An instance's stored fields, positionally. */
  private fields(obj: object, meta: ClassMeta): unknown[] {
    if (++this.depth > MAX_INLINE_DEPTH) this.tooDeep(obj, meta.name);
    this.stack.push(obj);
    const owner = this.owner;
    const field = this.field;
    this.owner = meta;
    let enc = fieldEncoders.get(meta);
    if (enc === undefined) fieldEncoders.set(meta, (enc = compileFieldEncoder(meta)));
    const out = enc(obj, this);
    this.owner = owner;
    this.field = field;
    this.stack.pop();
    this.depth--;
    return out;
  }

  private tooDeep(obj: object, what: string): never {
    if (this.stack.includes(obj)) {
      throw new PagableError('CYCLE', `${what}: an object contains itself through inline fields; a cycle cannot be stored (blobs are named by their content)`);
    }
    throw new PagableError('LIMIT', `${what}: inline values nested deeper than ${MAX_INLINE_DEPTH}; declare a @Shared or @Lazy boundary so the walk stays iterative`);
  }

  /**
   * @internal The trailing record of a class laid out from class-transformer metadata: its other
   * own enumerable properties, as class-transformer would serialize them; undefined when none.
   */
  rest(obj: object, meta: ClassMeta): unknown {
    const { known, excluded } = meta.rest!;
    let extra: Record<string, unknown> | undefined;
    for (const k of Object.keys(obj)) {
      if (known.has(k) || excluded.has(k)) continue;
      extra ??= {};
      // Definition, so that a `__proto__` own property stays a property.
      Object.defineProperty(extra, k, { value: (obj as Record<string, unknown>)[k], enumerable: true, writable: true, configurable: true });
    }
    this.field = '(other properties)';
    return extra === undefined ? undefined : this.any(extra);
  }

  /** @internal A field value with schema `s` (called by the generated field encoders). */
  value(v: unknown, s: Schema, meta: ClassMeta, field: string): unknown {
    switch (s.k) {
      case 'any':
        return this.any(v);
      case 'class': {
        if (v === undefined || v === null) return v;
        // The common case, an instance of exactly the declared class, needs no checks.
        if ((v as object).constructor === s.cls && s.meta !== undefined) return this.fields(v as object, s.meta);
        const vm = this.checkInstance(v, s, this.where());
        if ((v as object).constructor === s.cls) return this.fields(v as object, vm);
        return this.instanceEscape(v as object, vm);
      }
      case 'array': {
        if (v === undefined || v === null) return v;
        if (!Array.isArray(v)) {
          throw new PagableError('TYPE_MISMATCH', `${this.where()}: expected an array, got ${className(v)}`);
        }
        const n = v.length;
        const out = new Array<unknown>(n);
        for (let i = 0; i < n; i++) out[i] = this.value(v[i], s.of, meta, field);
        return out;
      }
      case 'dyn': {
        if (v === undefined || v === null) return v;
        const where = this.where();
        if (s.base !== undefined && !(v instanceof s.base)) {
          throw new PagableError('TYPE_MISMATCH', `${where}: expected an instance of ${s.base.name}, got ${className(v)}`);
        }
        const vm = this.checkInstance(v, undefined, where);
        if (vm.tag === undefined) {
          throw new PagableError('TYPE_MISMATCH', `${where}: @Dyn values need a @TypeTag; ${vm.name} has none`);
        }
        return this.instanceEscape(v as object, vm);
      }
      case 'union': {
        if (v === undefined || v === null) return v;
        const cls = (v as object).constructor as Class;
        const name = typeof v === 'object' ? s.byClass.get(cls) : undefined;
        if (name === undefined) {
          throw new PagableError('TYPE_MISMATCH', `${this.where()}: a ${className(v)} is not one of the discriminator's subtypes (${[...s.byName.keys()].join(', ')})`);
        }
        const vm = getClassMeta(cls);
        if (vm === undefined) throw new PagableError('NOT_PAGABLE', `${this.where()}: class ${cls.name} is not decorated with @Pagable()`);
        return this.instanceEscape(v as object, vm, name);
      }
      case 'shared': {
        if (v === undefined || v === null) return v;
        if (typeof v !== 'object' && typeof v !== 'function') {
          throw new PagableError('TYPE_MISMATCH', `${this.where()}: a @Shared field holds an object, got ${className(v)}`);
        }
        const r = s.root;
        if (r.k !== 'class' || (v as object).constructor !== r.cls || r.meta === undefined) {
          if (isPagableArc(v) || v instanceof PinnedPagableArc) {
            throw new PagableError('TYPE_MISMATCH', `${this.where()}: holds a PagableArc; declare the field with @Lazy`);
          }
          if (r.k === 'class') this.checkInstance(v, r, this.where());
        }
        this.children.push({ target: v as object, isArc: false, root: r, owner: meta, field });
        return ARC_PLACEHOLDER;
      }
      case 'lazy': {
        if (v === undefined || v === null) return v;
        if (!isPagableArc(v)) {
          throw new PagableError('TYPE_MISMATCH', `${this.where()}: a @Lazy field holds a PagableArc, got ${className(v)}`);
        }
        const inner: ArcInner = innerOf(v);
        this.children.push({ target: inner, isArc: true, root: s.root, owner: meta, field });
        return ARC_PLACEHOLDER;
      }
    }
  }

  private instanceEscape(obj: object, meta: ClassMeta, name: string | undefined = meta.tag): unknown[] {
    const body = this.fields(obj, meta);
    const out = new Array<unknown>(body.length + 3);
    out[0] = C1;
    out[1] = Esc.Instance;
    out[2] = name;
    for (let i = 0; i < body.length; i++) out[i + 3] = body[i];
    return out;
  }

  /**
   * Self-describing plain data. Returns `v` itself when msgpack says it exactly (no copy), a
   * rewritten copy otherwise.
   */
  private any(v: unknown): unknown {
    switch (typeof v) {
      case 'string':
      case 'boolean':
      case 'undefined':
        return v;
      case 'number':
        return v === 0 && 1 / v < 0 ? NEG_ZERO : v;
      case 'bigint':
        // msgpackr writes int64/uint64 natively and reads them back as bigint; wider ones need text.
        return v >= -0x8000000000000000n && v <= 0xffffffffffffffffn ? v : [C1, Esc.BigInt, v.toString()];
      case 'object': {
        if (v === null) return null;
        const proto = Object.getPrototypeOf(v);
        if (proto === Array.prototype) return this.anyArray(v as unknown[]);
        if (proto === Object.prototype || proto === null) return this.anyObject(v as Record<string, unknown>, proto === null);
        if (proto === Date.prototype) return v;
        if (v instanceof Uint8Array && (proto === Uint8Array.prototype || proto === Buffer.prototype)) return v;
        if (proto === Map.prototype) return this.anyMap(v as Map<unknown, unknown>);
        if (proto === Set.prototype) return this.anySet(v as Set<unknown>);
        const ti = (TYPED_ARRAYS as readonly unknown[]).indexOf((v as object).constructor);
        if (ti >= 0) {
          const ta = v as ArrayBufferView;
          return [C1, Esc.Typed, ti, new Uint8Array(ta.buffer, ta.byteOffset, ta.byteLength)];
        }
        if (isPagableArc(v) || v instanceof PinnedPagableArc) {
          throw new PagableError('TYPE_MISMATCH', `${this.where()}: a PagableArc inside plain data cannot be stored; declare the field with @Lazy(() => X)`);
        }
        if (v === C1) throw new PagableError('NOT_PAGABLE', `${this.where()}: msgpackr's C1 sentinel cannot be stored`);
        const meta = getClassMeta((v as object).constructor as Class);
        if (meta === undefined) {
          throw new PagableError('NOT_PAGABLE', `${this.where()}: class ${className(v)} is not decorated with @Pagable()`);
        }
        if (meta.tag === undefined) {
          throw new PagableError('TYPE_MISMATCH', `${this.where()}: a ${meta.name} inside untyped data needs a @TypeTag on ${meta.name}, or declare the field's type, e.g. @Field(() => [${meta.name}])`);
        }
        return this.instanceEscape(v as object, meta);
      }
      default:
        throw new PagableError('NOT_PAGABLE', `${this.where()}: a ${typeof v} cannot be stored`);
    }
  }

  private enter(obj: object): void {
    if (++this.depth > MAX_INLINE_DEPTH) this.tooDeep(obj, this.where());
    this.stack.push(obj);
  }

  private leave(): void {
    this.stack.pop();
    this.depth--;
  }

  private anyArray(a: unknown[]): unknown[] {
    this.enter(a);
    const n = a.length;
    let out: unknown[] | undefined;
    for (let i = 0; i < n; i++) {
      const x = a[i];
      const y = typeof x === 'string' || typeof x === 'boolean' ? x : this.any(x);
      // Copy on first change only: arrays of primitives go to msgpackr as they are.
      if (y !== x && out === undefined) out = a.slice(0, i);
      if (out !== undefined) out.push(y);
    }
    // A sparse array's holes read as undefined, which is what is stored.
    if (out === undefined && n > 0 && !(n - 1 in a)) out = Array.from(a);
    this.leave();
    return out ?? a;
  }

  private anyObject(o: Record<string, unknown>, nullProto: boolean): unknown {
    this.enter(o);
    const keys = Object.keys(o);
    let out: Record<string, unknown> | undefined;
    // Objects without a prototype, and msgpackr's renaming of a `__proto__` map key on read,
    // make those objects travel as key/value pairs.
    // The fix: this was decided on meeting `__proto__`, after walking the values before it, so
    // children among them were collected twice (the bytes were the same).
    let escaped: unknown[] | undefined = nullProto || keys.includes('__proto__') ? [] : undefined;
    for (let i = 0; escaped === undefined && i < keys.length; i++) {
      const k = keys[i]!;
      if (k === '__proto__') { escaped = []; break; }
      const x = o[k];
      const y = this.any(x);
      if (y !== x && out === undefined) {
        out = {};
        for (let j = 0; j < i; j++) out[keys[j]!] = o[keys[j]!];
      }
      if (out !== undefined) out[k] = y;
    }
    if (escaped !== undefined) {
      escaped.push(C1, nullProto ? Esc.NullObject : Esc.Object);
      for (const k of keys) escaped.push(k, this.any(o[k]));
      this.leave();
      return escaped;
    }
    this.leave();
    return out ?? o;
  }

  private anyMap(m: Map<unknown, unknown>): unknown[] {
    this.enter(m);
    const out: unknown[] = [C1, Esc.Map];
    for (const [k, x] of m) out.push(this.any(k), this.any(x));
    this.leave();
    return out;
  }

  private anySet(s: Set<unknown>): unknown[] {
    this.enter(s);
    const out: unknown[] = [C1, Esc.Set];
    for (const x of s) out.push(this.any(x));
    this.leave();
    return out;
  }
}

// ---------------------------------------------------------------- models and generators

/** A class-transformer layout: a discriminated union and a trailing record of other properties. */
@Pagable()
class Owner {
  id!: number;
  @Type(() => Pet, PET_DISCRIMINATOR)
  pets!: Pet[];
}

const INT_EDGES = [
  0, 1, 0x1f, 0x20, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x10000, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1,
  2 ** 53 - 1, 2 ** 53, -1, -31, -32, -33, -127, -128, -129, -32767, -32768, -32769, -(2 ** 31), -(2 ** 31) - 1,
  -(2 ** 32), -(2 ** 53), Number.MAX_VALUE, Number.MIN_VALUE, -Number.MIN_VALUE,
];
const numbers = fc.oneof(
  fc.constantFrom(...INT_EDGES),
  fc.integer(),
  fc.integer({ min: -(2 ** 33), max: 2 ** 33 }),
  fc.maxSafeInteger(),
  fc.double(),
  fc.constantFrom(NaN, Infinity, -Infinity, -0, 0.5, -1.5, 1e300),
);

const BIG_EDGES = [0n, 1n, -1n, 2n ** 63n - 1n, 2n ** 63n, -(2n ** 63n), -(2n ** 63n) - 1n, 2n ** 64n - 1n, 2n ** 64n, -(2n ** 64n), 2n ** 100n, -(2n ** 100n)];
const bigints = fc.oneof(fc.constantFrom(...BIG_EDGES), fc.bigInt(), fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n }));

/** Code units that take 1, 2, 3 (BMP, lone surrogates) and 4 (pairs) UTF-8 bytes. */
const UNITS = ['a', 'é', '✓', '😀', '\ud800', '\udfff', '\u0000', '\u07ff', '\u0800', '\uffff'];
/** UTF-16 lengths (and, times 3, byte lengths) around every header and encoding switch. */
const STR_EDGES = [0, 1, 10, 11, 31, 32, 33, 63, 64, 65, 85, 86, 127, 128, 255, 256, 257, 21845, 21846, 65535, 65536, 65537];
const strings = fc.oneof(
  { arbitrary: fc.string(), weight: 3 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 80 }), weight: 2 },
  // Any UTF-16 unit, lone surrogates included.
  { arbitrary: fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 80 }), weight: 2 },
  { arbitrary: fc.array(fc.constantFrom(...UNITS), { maxLength: 100 }).map((u) => u.join('')), weight: 2 },
  {
    arbitrary: fc.tuple(fc.constantFrom(...STR_EDGES), fc.constantFrom(...UNITS), fc.constantFrom(...UNITS), fc.nat(3))
      .map(([n, u, v, k]) => (v.repeat(k) + u.repeat(n)).slice(0, Math.max(n, 0))),
    weight: 2,
  },
);

const DATE_EDGES = [
  0, 1, 999, 1000, -1, -500, -1000, -1001, 2 ** 32 * 1000 - 1000, 2 ** 32 * 1000 - 1, 2 ** 32 * 1000, 2 ** 34 * 1000 + 5,
  8.64e15, -8.64e15, 1709210096789, NaN,
];
const dates = fc.oneof(
  fc.constantFrom(...DATE_EDGES).map((t) => new Date(t)),
  fc.date(),
  fc.integer({ min: 0, max: 2 ** 32 - 1 }).map((s) => new Date(s * 1000)),
);

const BYTE_EDGES = [0, 1, 255, 256, 65535, 65536];
const bytes = fc.oneof(
  fc.uint8Array({ maxLength: 300 }),
  fc.uint8Array({ maxLength: 20 }).map((b) => Buffer.from(b)),
  fc.constantFrom(...BYTE_EDGES).map((n) => new Uint8Array(n).fill(n & 0xff)),
  // A view into a larger buffer.
  fc.uint8Array({ minLength: 4, maxLength: 40 }).map((b) => b.subarray(1, b.length - 1)),
);

const typed = fc.oneof(
  fc.float64Array({ maxLength: 5 }), fc.int16Array({ maxLength: 5 }), fc.int32Array({ maxLength: 5 }),
  fc.bigInt64Array({ maxLength: 3 }), fc.float32Array({ maxLength: 5 }),
  fc.uint8Array({ maxLength: 5 }).map((b) => new Uint8ClampedArray(b)),
);

const leaf: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: numbers, weight: 4 },
  { arbitrary: strings, weight: 4 },
  { arbitrary: bigints, weight: 1 },
  { arbitrary: dates, weight: 1 },
  { arbitrary: bytes, weight: 1 },
  { arbitrary: typed, weight: 1 },
  { arbitrary: fc.constantFrom<unknown>(true, false, null, undefined), weight: 2 },
);

const keys = fc.oneof(
  { arbitrary: fc.string({ maxLength: 6 }), weight: 6 },
  { arbitrary: fc.constantFrom('__proto__', 'constructor', 'toJSON', '0', '7', 'a', 'b'), weight: 1 },
);

/** An object defined key by key, so that `__proto__` is an own key; with or without a prototype. */
function objectOf(entries: Array<[string, unknown]>, nullProto: boolean): Record<string, unknown> {
  const o: Record<string, unknown> = nullProto ? Object.create(null) : {};
  for (const [k, v] of entries) Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  return o;
}

const plain = fc.letrec<{ node: unknown; instance: object }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { arbitrary: leaf, weight: 6 },
    { arbitrary: fc.array(tie('node'), { maxLength: 18 }), weight: 2 },
    // Sparse, with a hole last or in the middle.
    { arbitrary: fc.sparseArray(tie('node'), { maxLength: 6 }), weight: 1 },
    { arbitrary: fc.array(fc.tuple(keys, tie('node')), { maxLength: 18 }).map((e) => objectOf(e, false)), weight: 2 },
    { arbitrary: fc.array(fc.tuple(keys, tie('node')), { maxLength: 4 }).map((e) => objectOf(e, true)), weight: 1 },
    { arbitrary: fc.array(fc.tuple(tie('node'), tie('node')), { maxLength: 5 }).map((e) => new Map(e)), weight: 1 },
    { arbitrary: fc.array(tie('node'), { maxLength: 5 }).map((e) => new Set(e)), weight: 1 },
    { arbitrary: tie('instance'), weight: 2 },
  ),
  instance: fc.oneof(
    { depthSize: 'small' },
    numbers.map((r) => Circle.of(r)),
    fc.integer().map((n) => Square.of(n)),
    fc.tuple(strings, numbers, fc.array(strings, { maxLength: 3 }), fc.option(fc.constantFrom(Circle.of(1), Square.of(-0))))
      .map(([p, n, deps, icon]) => Module.of(p, n, deps.map((d) => Dep.of(d)), icon ?? undefined)),
    fc.tuple(fc.array(tie('node'), { maxLength: 4 }), tie('node'), leaf, leaf).map(([list, obj, s, n]) => kitchenOf(list, obj, s, n)),
    fc.tuple(strings, fc.array(fc.tuple(strings, strings), { maxLength: 3 })).map(([name, meta]) => packageOf(name, meta)),
  ),
}));

function kitchenOf(list: unknown[], obj: unknown, s: unknown, n: unknown): Kitchen {
  const k = new Kitchen();
  Object.assign(k, {
    s, n, b: true, big: 2n ** 70n, nil: null, undef: undefined, when: new Date(-1), bytes: new Uint8Array([1, 2]),
    map: new Map([[obj, list]]), set: new Set(list), list, obj, circles: [Circle.of(1), Circle.of(-0)], anyShape: Square.of(2),
  });
  return k;
}

function packageOf(name: string, meta: Array<[string, string]>): Package {
  const p = new Package();
  Object.assign(p, { name, meta: new Map(meta), modules: [Module.of(name, 3, [Dep.of('d')])], entry: undefined, main: Dep.of(name) });
  return p;
}

/** Both encoders' results for `value` at `root`, or what they threw. */
function both(value: unknown, root: RootSchema): [EncodedBlob | Error, EncodedBlob | Error] {
  const run = (f: () => EncodedBlob): EncodedBlob | Error => {
    try { return f(); } catch (e) { return e as Error; }
  };
  return [run(() => new BlobEncoder().encode(value, root, 'root')), run(() => new TreeEncoder().encode(value, root, 'root'))];
}

function expectSame(value: unknown, root: RootSchema = ANY): void {
  const [a, b] = both(value, root);
  if (a instanceof Error || b instanceof Error) {
    expect(a instanceof Error && b instanceof Error, `one threw: ${String(a instanceof Error ? a : b)}`).to.equal(true);
    expect((a as Error).constructor).to.equal((b as Error).constructor);
    expect((a as Error).message).to.equal((b as Error).message);
    return;
  }
  expect(Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength).equals(b.data)).to.equal(true);
  expect(a.children.map((c) => [c.target, c.isArc, c.root, c.field])).to.deep.equal(b.children.map((c) => [c.target, c.isArc, c.root, c.field]));
}

// ---------------------------------------------------------------- tests

describe('MsgpackWriter (differential against msgpackr)', () => {
  it('writes every plain value as the tree encoder + msgpackr did', () => {
    fc.assert(fc.property(plain.node, (v) => expectSame(v)), { numRuns: 4000 });
  });

  it('writes every leaf kind at its boundaries as msgpackr does', () => {
    fc.assert(fc.property(leaf, (v) => {
      expectSame(v);
      expectSame([v, [v], { k: v }]);
    }), { numRuns: 4000 });
  });

  it('writes class instances (positional, tagged, escaped, with children) as before', () => {
    fc.assert(fc.property(plain.instance, (v) => {
      expectSame(v);
      expectSame(v, rootOfValue(v));
      expectSame([v, { v }]);
    }), { numRuns: 1500 });
  });

  it('writes a class-transformer layout (discriminator, other properties) as before', () => {
    fc.assert(fc.property(fc.integer(), fc.array(fc.tuple(fc.boolean(), strings), { maxLength: 4 }), fc.array(fc.tuple(keys, leaf), { maxLength: 4 }), (id, pets, extra) => {
      const o = new Owner();
      o.id = id;
      o.pets = pets.map(([dog, name]) => Object.assign(dog ? new Dog() : new Cat(), { name }));
      for (const [k, v] of extra) Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
      expectSame(o, getClassMeta(Owner)!.asSchema);
    }), { numRuns: 500 });
  });

  it('writes arcs as placeholders, children in order', () => {
    const s = new InMemoryPagableStorage();
    const ll = new LazyLink();
    ll.n = 1;
    ll.next = PagableArc.new(Object.assign(new LazyLink(), { n: 2, next: undefined }), s);
    expectSame(ll, rootOfValue(ll));
    const link = Object.assign(new Link(), { n: 1, next: Object.assign(new Link(), { n: 2, next: undefined }) });
    expectSame(link, rootOfValue(link));
    const p = packageOf('p', [['a', 'b']]);
    p.entry = PagableArc.new(Module.of('m', 1), s);
    expectSame(p);
  });

  it('writes containers at every header boundary', () => {
    for (const n of [0, 15, 16, 17, 0xffff, 0x10000, 0x10001]) {
      const arr = Array.from({ length: n }, (_, i) => i & 0xff);
      const obj = objectOf(arr.map((x, i) => [`k${i}`, x]), false);
      expectSame(arr);
      expectSame(obj);
      expectSame(new Map(arr.slice(0, Math.min(n, 0x10001)).map((x, i) => [i, x])));
      expectSame(new Set(arr.map((_, i) => i)));
    }
    expectSame(objectOf([['__proto__', 1], ...Array.from({ length: 20 }, (_, i): [string, unknown] => [`${i}`, -0])], false));
  });

  it('matches msgpackr on odd objects it packs another way', () => {
    const withToJSON = new Date(5);
    Object.defineProperty(withToJSON, 'toJSON', { value: () => ({ at: -0, s: 'x' }) });
    const asObject = new Uint8Array([1, 2]);
    Object.defineProperty(asObject, 'constructor', { value: Object });
    const dateAsObject = new Date(7);
    Object.defineProperty(dateAsObject, 'constructor', { value: Object, enumerable: true });
    for (const v of [
      withToJSON, asObject, dateAsObject,
      { constructor: 1 }, { constructor: 1, toJSON: 0 }, { constructor: 1, toJSON: -0 }, { constructor: 1, toJSON: 'x' },
      { constructor: [], toJSON: NaN }, { toJSON: 1 },
    ]) {
      expectSame(v);
      expectSame([v]);
    }
  });

  it('never writes over a blob it returned, across slabs and growth', () => {
    const enc = new BlobEncoder();
    const kept: Array<[Uint8Array, Uint8Array]> = [];
    fc.assert(fc.property(plain.node, (v) => {
      let a: EncodedBlob;
      try { a = enc.encode(v, ANY, 'root'); } catch { return; }
      kept.push([a.data, Uint8Array.from(a.data)]);
      // A failing encode in between leaves bytes behind that no blob may see.
      try { enc.encode([1, 2, Symbol('x')], ANY, 'root'); } catch { /* expected */ }
    }), { numRuns: 1500 });
    const big = enc.encode('x'.repeat(100000), ANY, 'root');
    expect(big.data.length).to.equal(100005);
    for (const [data, copy] of kept) expect(Buffer.from(data).equals(copy)).to.equal(true);
  });

  it('is usable on its own: one value between begin and finish', () => {
    const w = new MsgpackWriter();
    w.begin();
    w.array(3);
    w.num(-33);
    w.str('é'.repeat(40));
    w.date(new Date(-1));
    expect(Buffer.from(w.finish()).equals(packr.pack([-33, 'é'.repeat(40), new Date(-1)]))).to.equal(true);
  });
});

import { PagableError } from '../error.js';
import { type ClassMeta, type FieldMeta, getClassMeta, storedNameOf } from '../metadata/class-meta.js';
import type { Schema } from '../metadata/schema.js';
import type { ClassDesc, TypeDesc } from './schema-parser.js';
import type { SchemaClass, SchemaSet } from './schema-set.js';
import { checkedNative, leafOf } from './wire-rules.js';

/*
 * How an instance is read: one generated function per class (constant property names keep every
 * store monomorphic and instances of one class on one hidden class). The fast reader reads a
 * class exactly as this process writes it; a resolving reader reads what another version of the
 * class wrote (its fields matched by name or alias, added ones undefined, removed ones skipped),
 * compiled once per (schema-set class, reader class) and cached on the set.
 */

/** The decoder methods generated readers call (decoder.ts). */
export interface InstanceSource {
  value(): unknown;
  nat(s: Schema, meta: ClassMeta, field: string): unknown;
  cls(s: Schema): unknown;
  arr(s: Schema, holder: object, slot: string | number): unknown;
  natArr(s: Schema, meta: ClassMeta, field: string): unknown;
  dyn(s: Schema): unknown;
  union(s: Schema): unknown;
  shared(s: Schema, holder: object, slot: string | number): unknown;
  lazy(s: Schema): unknown;
  codec(s: Schema, meta: ClassMeta, field: string): unknown;
  restInto(obj: object, meta: ClassMeta): void;
  conv(w: TypeDesc, r: FieldMeta, meta: ClassMeta, holder: object, slot: string | number): unknown;
  byDefault(f: FieldMeta, meta: ClassMeta): unknown;
  skip(w: TypeDesc): void;
  skipAny(): void;
}

/** Reads one instance whose array header (of `n` values) was consumed. */
export interface ClassReader {
  readonly meta: ClassMeta;
  /** The number of values of the stored array: the writer's fields, and its trailing record. */
  readonly n: number;
  readonly read: (dec: InstanceSource) => object;
  /** True when it reads the class exactly as this process writes it (no conversion, skip or default). */
  readonly exact: boolean;
}

/** The generated line that reads one field declared with schema `s` into `obj[key]` (S[i] is `s`). */
function readLine(s: Schema, i: number, key: string): string {
  switch (s.k) {
    // A field declared with a built-in type (design:type String, () => Date...) checks the kind of
    // what it reads: a hostile or mislabelled blob is TYPE_MISMATCH, never a value of another kind.
    case 'any':
      return checkedNative(s) ? `obj[${key}] = dec.nat(S[${i}], M, ${key});` : `obj[${key}] = dec.value();`;
    case 'class':
      return `obj[${key}] = dec.cls(S[${i}]);`;
    case 'array': {
      // So does an array of a built-in type, element by element (and of a codec, naming the field).
      const leaf = leafOf(s);
      return checkedNative(leaf) || leaf.k === 'codec'
        ? `obj[${key}] = dec.natArr(S[${i}], M, ${key});`
        : `obj[${key}] = dec.arr(S[${i}], obj, ${key});`;
    }
    case 'codec':
      return `obj[${key}] = dec.codec(S[${i}], M, ${key});`;
    case 'dyn':
      return `obj[${key}] = dec.dyn(S[${i}]);`;
    case 'union':
      return `obj[${key}] = dec.union(S[${i}]);`;
    case 'shared':
      return `obj[${key}] = dec.shared(S[${i}], obj, ${key});`;
    case 'lazy':
      return `obj[${key}] = dec.lazy(S[${i}]);`;
  }
}

/**
 * The generated line that makes field `name` an own property of `target` holding undefined. A
 * field named `__proto__` is defined: assigning it would set the instance's prototype, and every
 * later assignment to the field then sets the own property (found before the inherited accessor).
 */
export function slotLine(target: string, name: string): string {
  return name === '__proto__'
    ? `Object.defineProperty(${target}, "__proto__", { value: undefined, writable: true, enumerable: true, configurable: true });`
    : `${target}[${JSON.stringify(name)}] = undefined;`;
}

/** Fast readers by class id (small numbers): an indexed load where instances are read. */
const fastReaders: Array<ClassReader | undefined> = [];

const makers = new WeakMap<ClassMeta, () => object>();

/**
 * A constructor of empty instances of `meta`: an object of its prototype with every stored field
 * present (undefined), so an instance has its final shape at once, and V8 can allocate instances
 * that survive (a graph being loaded) directly where they end up. It is an internal function whose
 * `prototype` is the class's: no user constructor runs, and the result is what
 * `Object.create(Class.prototype)` gives, fields aside.
 */
function makerOf(meta: ClassMeta): () => object {
  let m = makers.get(meta);
  if (m !== undefined) return m;
  const lines = meta.fields.map((f) => slotLine('this', f.name));
  const make = (name: string): (() => object) =>
    new Function('P', `function ${name}() {\n${lines.join('\n')}\n}\n${name}.prototype = P;\nreturn ${name};`)(
      meta.cls.prototype,
    ) as () => object;
  // Named after the class: heap snapshots and DevTools name objects by the function that made
  // them, and users reading a snapshot look for their classes, not for "Instance".
  const name = meta.cls.name;
  try {
    m = /^[A-Za-z_$][\w$]*$/.test(name) && name !== 'P' ? make(name) : make('Instance');
  } catch {
    m = make('Instance'); // a name that is a reserved word
  }
  makers.set(meta, m);
  return m;
}

/** The reader of `meta` as this process writes it. */
export function fastReader(meta: ClassMeta): ClassReader {
  let r = fastReaders[meta.id];
  if (r !== undefined && r.meta === meta) return r;
  const schemas = meta.fields.map((f) => f.schema);
  const lines = meta.fields.map((f, i) => readLine(schemas[i]!, i, JSON.stringify(f.name)));
  if (meta.rest !== undefined) lines.push('dec.restInto(obj, M);');
  const body = `return function read(dec) {\nconst obj = new I();\n${lines.join('\n')}\nreturn obj;\n};`;
  const read = new Function('S', 'M', 'I', body)(schemas, meta, makerOf(meta)) as ClassReader['read'];
  r = { meta, n: meta.fields.length + (meta.rest === undefined ? 0 : 1), read, exact: true };
  fastReaders[meta.id] = r;
  return r;
}

/** The name a plain-data schema is recorded under (schema-set.ts). */
function plainName(s: Schema): string | undefined {
  return s.k === 'any' ? (s.native === undefined ? 'any' : s.native.name) : undefined;
}

/** Decides whether stored classes read exactly as this process's classes (co-inductively: recursive types). */
class Sameness {
  private readonly assumed = new Set<string>();
  constructor(private readonly set: SchemaSet) {}

  /** Set class `index` is stored exactly as `meta` is written: same tag, fields, order, kinds and types. */
  cls(index: number, meta: ClassMeta): boolean {
    const e = this.set.classes[index]!;
    if (e.own === meta) return true;
    if (e.tag !== meta.tag || (e.tag === undefined && e.name !== meta.name)) return false;
    if (e.rest !== (meta.rest !== undefined) || e.fields.length !== meta.fields.length) return false;
    const id = `${index}:${meta.id}`;
    if (this.assumed.has(id)) return true;
    this.assumed.add(id);
    return e.fields.every((f, i) => {
      const m = meta.fields[i]!;
      return f.name === m.name && f.kind === m.kind && this.type(f.type, m.schema);
    });
  }

  /** A value stored with type `w` reads exactly as one declared `s`. */
  type(w: TypeDesc, s: Schema): boolean {
    switch (w.t) {
      case 'plain':
        return plainName(s) === w.native;
      case 'class':
        return s.k === 'class' && s.meta !== undefined && this.cls(w.index, s.meta);
      case 'abstract':
        return s.k === 'class' && s.meta === undefined && storedNameOf(s.cls) === w.name;
      case 'array':
        return s.k === 'array' && this.type(w.of, s.of);
      case 'dyn':
        return s.k === 'dyn' && (s.base === undefined ? undefined : storedNameOf(s.base)) === w.base;
      case 'union': {
        if (s.k !== 'union' || s.byName.size !== w.members.size) return false;
        for (const [name, index] of w.members) {
          const cls = s.byName.get(name);
          const m = cls === undefined ? undefined : getClassMeta(cls);
          if (m === undefined || !this.cls(index, m)) return false;
        }
        return true;
      }
      case 'codec':
        return s.k === 'codec' && s.codec.name === w.name;
      case 'shared':
      case 'lazy': {
        if (s.k !== w.t) return false;
        const r = s.root;
        if (w.root.t === 'plain') return plainName(r) === w.root.native;
        if (w.root.t === 'codec') return r.k === 'codec' && r.codec.name === w.root.name;
        return (
          r.k === 'class' &&
          (r.meta?.tag ?? undefined) === w.root.tag &&
          (w.root.tag !== undefined || (r.meta?.name ?? r.cls.name) === w.root.name)
        );
      }
    }
  }
}

/** The reader field a stored field loads into: same name first, then a reader field naming it among its aliases. */
export function matchFields(e: ClassDesc, meta: ClassMeta): Array<number | undefined> {
  const byName = new Map(meta.fields.map((f, i) => [f.name, i]));
  const taken = new Set<number>();
  const out = e.fields.map((f) => {
    const i = byName.get(f.name);
    if (i !== undefined) taken.add(i);
    return i;
  });
  e.fields.forEach((f, j) => {
    if (out[j] !== undefined) return;
    const i = meta.fields.findIndex((m, k) => !taken.has(k) && m.aliases.includes(f.name));
    if (i >= 0) {
      out[j] = i;
      taken.add(i);
    }
  });
  return out;
}

/** Per set class: readers by reader class, and the last escape resolution (decoder.ts). */
interface EntryCache {
  readonly readers: Map<ClassMeta, ClassReader>;
  base: unknown;
  escape: ClassReader | undefined;
}

/** The cache the decoder keeps on a set class. */
export function entryCache(e: SchemaClass): EntryCache {
  let c = e.cache as EntryCache | undefined;
  if (c === undefined) e.cache = c = { readers: new Map(), base: null, escape: undefined };
  return c;
}

/**
 * The reader of set class `index` as class `meta`: the fast reader when the stored class is
 * `meta` as written today, a resolving reader otherwise. TYPE_MISMATCH when an untagged stored
 * class shares neither its name nor any field with `meta` (it is another class, not a version).
 */
export function readerFor(set: SchemaSet, index: number, meta: ClassMeta, named: { readonly where: string }): ClassReader {
  const e = set.classes[index]!;
  const cache = entryCache(e);
  let r = cache.readers.get(meta);
  if (r !== undefined) return r;
  if (new Sameness(set).cls(index, meta)) {
    r = fastReader(meta);
  } else {
    const match = matchFields(e, meta);
    if (e.tag === undefined && e.name !== meta.name && e.fields.length > 0 && match.every((m) => m === undefined)) {
      throw new PagableError(
        'TYPE_MISMATCH',
        `${named.where}: stored a ${e.name} { ${e.fields.map((f) => f.name).join(', ')} }, declared ${meta.name}: no field in common`,
      );
    }
    r = resolvingReader(set, e, meta, match);
  }
  cache.readers.set(meta, r);
  return r;
}

function resolvingReader(set: SchemaSet, e: SchemaClass, meta: ClassMeta, match: Array<number | undefined>): ClassReader {
  const same = new Sameness(set);
  const schemas = meta.fields.map((f) => f.schema);
  const lines: string[] = [];
  e.fields.forEach((f, j) => {
    const i = match[j];
    if (i === undefined) {
      lines.push(`dec.skip(W[${j}].type);`);
      return;
    }
    const m = meta.fields[i]!;
    const key = JSON.stringify(m.name);
    if (f.kind === m.kind && same.type(f.type, m.schema)) lines.push(readLine(schemas[i]!, i, key));
    else lines.push(`obj[${key}] = dec.conv(W[${j}].type, F[${i}], M, obj, ${key});`);
  });
  if (e.rest) lines.push(meta.rest !== undefined ? 'dec.restInto(obj, M);' : 'dec.skipAny();');
  // Fields the stored schema lacks (added since) take their defaults.
  const matched = new Set(match);
  meta.fields.forEach((m, i) => {
    if (!matched.has(i) && m.default !== undefined) lines.push(`obj[${JSON.stringify(m.name)}] = dec.byDefault(F[${i}], M);`);
  });
  // The instance has every reader field (undefined until read), in the reader's order.
  const body = `return function read(dec) {\nconst obj = new I();\n${lines.join('\n')}\nreturn obj;\n};`;
  const read = new Function('S', 'W', 'F', 'M', 'I', body)(schemas, e.fields, meta.fields, meta, makerOf(meta)) as ClassReader['read'];
  return { meta, n: e.fields.length + (e.rest ? 1 : 0), read, exact: false };
}

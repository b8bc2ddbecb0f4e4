import { PagableError } from '../error.js';
import { type ClassMeta, type FieldMeta, getClassMeta } from '../metadata/class-meta.js';
import { ANY, type ClassSchema, type RootSchema, type Schema } from '../metadata/schema.js';
import type { Class } from '../metadata/type-spec.js';
import type { ArcInner } from '../arc/arc-inner.js';
import { innerOf, isPagableArc } from '../arc/pagable-arc.js';
import { PinnedPagableArc } from '../arc/pinned-pagable-arc.js';
import { MsgpackWriter } from './msgpack-writer.js';
import { ARC_PLACEHOLDER, C1, Esc, TYPED_ARRAYS, encodeTagHeader, packr } from './wire.js';

/**
 * Turns one blob's worth of a graph into msgpack: instances become positional arrays, arc fields
 * become placeholders, and the values behind them are handed back as `children` (in placeholder
 * order) for the page-out engine to store as blobs of their own. Pure: no I/O, no storage.
 *
 * The bytes are written while walking (no intermediate tree of arrays), and are exactly what
 * msgpackr's `packr.pack` made of that tree when the encoder built one: keys are hashes of these
 * bytes. test/msgpack-writer.test.ts keeps the tree encoder as the reference and compares.
 */

/** A value that becomes its own blob: a @Shared object or the inner of a @Lazy arc. */
export interface ChildRef {
  /** The shared object, or the arc's inner. */
  readonly target: object;
  readonly isArc: boolean;
  /** The layout the child's blob is written (and read back) with. */
  readonly root: RootSchema;
  /** The class and field that hold it (`Class.field`), for messages; built only when needed. */
  readonly owner: ClassMeta | undefined;
  readonly field: string;
}

/** `Class.field` holding a child, for messages. */
export function viaOf(ref: ChildRef): string {
  return ref.owner === undefined ? ref.field : `${ref.owner.name}.${ref.field}`;
}

/** One encoded blob, its children not yet stored. */
export interface EncodedBlob {
  readonly data: Uint8Array;
  readonly children: ChildRef[];
}

/** Inline nesting deeper than this is refused (LIMIT), or reported as a CYCLE when it is one. */
export const MAX_INLINE_DEPTH = 1000;

const tagHeaders = new WeakMap<ClassMeta, Uint8Array>();
function tagHeader(meta: ClassMeta, tag: string): Uint8Array {
  let h = tagHeaders.get(meta);
  if (h === undefined) tagHeaders.set(meta, (h = encodeTagHeader(tag)));
  return h;
}

/** The root layout a value is stored with when nothing declares one: its own class, or plain data. */
export function rootOfValue(value: unknown): RootSchema {
  if (typeof value === 'object' && value !== null) {
    const meta = getClassMeta((value as object).constructor as Class);
    if (meta !== undefined) return meta.asSchema;
  }
  return ANY;
}

function className(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v !== 'object') return typeof v;
  const c = (v as object).constructor as Class | undefined;
  return typeof c === 'function' ? c.name || '(anonymous class)' : 'Object';
}

/** Writes one instance's stored fields as an array; with `esc`, as the escape [C1, 0, tag, ...fields]. */
type FieldWriter = (obj: object, enc: BlobEncoder, w: MsgpackWriter, esc: boolean, tag: string | undefined) => void;

const fieldWriters = new WeakMap<ClassMeta, FieldWriter>();

/**
 * Generates a class's field writer once: constant property names make every load a named,
 * monomorphic access (a loop over `obj[f.name]` is megamorphic across classes), and primitives in
 * plain-data fields, the bulk of most graphs, skip the general encoder entirely.
 */
function compileFieldWriter(meta: ClassMeta): FieldWriter {
  const schemas = meta.fields.map((f) => f.schema);
  const names = meta.fields.map((f) => f.name);
  const n = names.length + (meta.rest === undefined ? 0 : 1);
  const lines: string[] = [`if (esc) enc.escapeHead(${n + 3}, tag); else w.array(${n});`];
  for (let i = 0; i < names.length; i++) {
    const key = JSON.stringify(names[i]);
    const v = `v${i}`;
    lines.push(`enc.field = ${key}; const ${v} = obj[${key}];`);
    if (schemas[i]!.k === 'any') {
      // Strings, booleans and numbers other than -0 are written as they are.
      lines.push(`if (typeof ${v} === 'string') w.str(${v}); else if (typeof ${v} === 'number' && (${v} !== 0 || 1 / ${v} > 0)) w.num(${v}); else if (typeof ${v} === 'boolean') w.bool(${v}); else enc.value(${v}, S[${i}], M, ${key});`);
    } else {
      lines.push(`enc.value(${v}, S[${i}], M, ${key});`);
    }
  }
  if (meta.rest !== undefined) lines.push('enc.rest(obj, M);');
  const body = `return function writeFields(obj, enc, w, esc, tag) {\n${lines.join('\n')}\n};`;
  return new Function('S', 'M', body)(schemas, meta) as FieldWriter;
}

/** toJSON methods msgpackr treats as its own (a Date or Buffer with another one is packed through it). */
const dateToJSON = Date.prototype.toJSON;
const bufferToJSON = Buffer.prototype.toJSON;

/**
 * The writer blobs are written with. One for the process, like msgpackr's own buffer, so that
 * blobs from many small page-outs share slabs; an encode that starts while it is busy (a getter
 * paging something out) gets a writer of its own.
 */
const sharedWriter = new MsgpackWriter();
let sharedWriterBusy = false;

/** Encodes blobs; reuse one per page-out (it keeps no state between `encode` calls). */
export class BlobEncoder {
  private children: ChildRef[] = [];
  private depth = 0;
  /** Objects being encoded inline, consulted only when nesting gets suspiciously deep. */
  private readonly stack: object[] = [];
  /** The field being encoded; messages are formatted from these only when something fails. */
  private owner: ClassMeta | undefined = undefined;
  private field = '';
  private w: MsgpackWriter = sharedWriter;

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
    const mine = !sharedWriterBusy;
    const w = (this.w = mine ? sharedWriter : new MsgpackWriter());
    if (mine) sharedWriterBusy = true;
    try {
      w.begin();
      if (root.k === 'class' || rootOfValue(value).k === 'class') {
        const meta = this.checkInstance(value, root.k === 'class' ? root : undefined, where);
        if (root.k === 'any' && meta.tag === undefined) {
          throw new PagableError('TYPE_MISMATCH', `${where}: a ${meta.name} stored as untyped data needs a @TypeTag on ${meta.name}`);
        }
        if (meta.tag !== undefined) w.raw(tagHeader(meta, meta.tag));
        this.fields(value as object, meta, false, undefined);
      } else {
        this.any(value);
      }
      return { data: w.finish(), children: this.children };
    } finally {
      if (mine) sharedWriterBusy = false;
    }
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

  /** An instance's stored fields, positionally; with `esc`, as an instance escape. */
  private fields(obj: object, meta: ClassMeta, esc: boolean, tag: string | undefined): void {
    if (++this.depth > MAX_INLINE_DEPTH) this.tooDeep(obj, meta.name);
    this.stack.push(obj);
    const owner = this.owner;
    const field = this.field;
    this.owner = meta;
    let enc = fieldWriters.get(meta);
    if (enc === undefined) fieldWriters.set(meta, (enc = compileFieldWriter(meta)));
    enc(obj, this, this.w, esc, tag);
    this.owner = owner;
    this.field = field;
    this.stack.pop();
    this.depth--;
  }

  /** @internal The head of an instance escape of `n` elements: [C1, 0, tag, ...]. */
  escapeHead(n: number, tag: string | undefined): void {
    const w = this.w;
    w.array(n);
    w.c1();
    w.num(Esc.Instance);
    if (tag === undefined) w.undef();
    else w.str(tag);
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
  rest(obj: object, meta: ClassMeta): void {
    const { known, excluded } = meta.rest!;
    let extra: Record<string, unknown> | undefined;
    for (const k of Object.keys(obj)) {
      if (known.has(k) || excluded.has(k)) continue;
      extra ??= {};
      // Definition, so that a `__proto__` own property stays a property.
      Object.defineProperty(extra, k, { value: (obj as Record<string, unknown>)[k], enumerable: true, writable: true, configurable: true });
    }
    this.field = '(other properties)';
    if (extra === undefined) this.w.undef();
    else this.any(extra);
  }

  /** Writes undefined or null and says so; false for any other value. */
  private nullish(v: unknown): boolean {
    if (v === undefined) this.w.undef();
    else if (v === null) this.w.nil();
    else return false;
    return true;
  }

  /** @internal A field value with schema `s` (called by the generated field writers). */
  value(v: unknown, s: Schema, meta: ClassMeta, field: string): void {
    switch (s.k) {
      case 'any':
        this.any(v);
        return;
      case 'class': {
        if (this.nullish(v)) return;
        // The common case, an instance of exactly the declared class, needs no checks.
        if ((v as object).constructor === s.cls && s.meta !== undefined) return this.fields(v as object, s.meta, false, undefined);
        const vm = this.checkInstance(v, s, this.where());
        if ((v as object).constructor === s.cls) return this.fields(v as object, vm, false, undefined);
        return this.fields(v as object, vm, true, vm.tag);
      }
      case 'array': {
        if (this.nullish(v)) return;
        if (!Array.isArray(v)) {
          throw new PagableError('TYPE_MISMATCH', `${this.where()}: expected an array, got ${className(v)}`);
        }
        const n = v.length;
        this.w.array(n);
        for (let i = 0; i < n; i++) this.value(v[i], s.of, meta, field);
        return;
      }
      case 'dyn': {
        if (this.nullish(v)) return;
        const where = this.where();
        if (s.base !== undefined && !(v instanceof s.base)) {
          throw new PagableError('TYPE_MISMATCH', `${where}: expected an instance of ${s.base.name}, got ${className(v)}`);
        }
        const vm = this.checkInstance(v, undefined, where);
        if (vm.tag === undefined) {
          throw new PagableError('TYPE_MISMATCH', `${where}: @Dyn values need a @TypeTag; ${vm.name} has none`);
        }
        return this.fields(v as object, vm, true, vm.tag);
      }
      case 'union': {
        if (this.nullish(v)) return;
        const cls = (v as object).constructor as Class;
        const name = typeof v === 'object' ? s.byClass.get(cls) : undefined;
        if (name === undefined) {
          throw new PagableError('TYPE_MISMATCH', `${this.where()}: a ${className(v)} is not one of the discriminator's subtypes (${[...s.byName.keys()].join(', ')})`);
        }
        const vm = getClassMeta(cls);
        if (vm === undefined) throw new PagableError('NOT_PAGABLE', `${this.where()}: class ${cls.name} is not decorated with @Pagable()`);
        return this.fields(v as object, vm, true, name);
      }
      case 'shared': {
        if (this.nullish(v)) return;
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
        this.w.num(ARC_PLACEHOLDER);
        return;
      }
      case 'lazy': {
        if (this.nullish(v)) return;
        if (!isPagableArc(v)) {
          throw new PagableError('TYPE_MISMATCH', `${this.where()}: a @Lazy field holds a PagableArc, got ${className(v)}`);
        }
        const inner: ArcInner = innerOf(v);
        this.children.push({ target: inner, isArc: true, root: s.root, owner: meta, field });
        this.w.num(ARC_PLACEHOLDER);
        return;
      }
    }
  }

  /** Writes self-describing plain data: as it is where msgpack says it exactly, as an escape otherwise. */
  private any(v: unknown): void {
    const w = this.w;
    switch (typeof v) {
      case 'string':
        return w.str(v);
      case 'boolean':
        return w.bool(v);
      case 'undefined':
        return w.undef();
      case 'number':
        if (v === 0 && 1 / v < 0) {
          w.array(2);
          w.c1();
          w.num(Esc.NegZero);
        } else {
          w.num(v);
        }
        return;
      case 'bigint':
        // msgpack has int64/uint64, which msgpackr reads back as bigint; wider ones need text.
        if (v >= -0x8000000000000000n && v <= 0xffffffffffffffffn) return w.bigint(v);
        w.array(3);
        w.c1();
        w.num(Esc.BigInt);
        w.str(v.toString());
        return;
      case 'object': {
        if (v === null) return w.nil();
        const proto = Object.getPrototypeOf(v);
        if (proto === Array.prototype) return this.anyArray(v as unknown[]);
        if (proto === Object.prototype || proto === null) return this.anyObject(v as Record<string, unknown>, proto === null);
        if (proto === Date.prototype) {
          const d = v as Date;
          // msgpackr packs a Date through a toJSON of its own, or as a map if its own `constructor`
          // says Object: left to msgpackr, whose output for a value does not depend on context.
          if (d.constructor !== Date || d.toJSON !== dateToJSON) return w.raw(packr.pack(d));
          return w.date(d);
        }
        if (v instanceof Uint8Array && (proto === Uint8Array.prototype || proto === Buffer.prototype)) {
          const b = v as Uint8Array & { toJSON?: unknown };
          const toJSON = b.toJSON;
          if ((b.constructor !== Uint8Array && b.constructor !== Buffer) || (toJSON !== undefined && toJSON !== bufferToJSON)) return w.raw(packr.pack(b));
          return w.bin(b);
        }
        if (proto === Map.prototype) return this.anyMap(v as Map<unknown, unknown>);
        if (proto === Set.prototype) return this.anySet(v as Set<unknown>);
        const ti = (TYPED_ARRAYS as readonly unknown[]).indexOf((v as object).constructor);
        if (ti >= 0) {
          const ta = v as ArrayBufferView;
          w.array(4);
          w.c1();
          w.num(Esc.Typed);
          w.num(ti);
          w.bin(new Uint8Array(ta.buffer, ta.byteOffset, ta.byteLength));
          return;
        }
        if (isPagableArc(v) || v instanceof PinnedPagableArc) {
          throw new PagableError('TYPE_MISMATCH', `${this.where()}: a PagableArc inside plain data cannot be stored; declare the field with @Lazy(() => X)`);
        }
        if (v === C1) throw new PagableError('NOT_PAGABLE', `${this.where()}: msgpackr's C1 sentinel cannot be stored`);
        const meta = getClassMeta((v as object).constructor as Class);
        if (meta === undefined) {
          throw new PagableError('NOT_PAGABLE', `${this.where()}: class ${className(v)} is not decorated with @Pagable()`);
        }
        // In a field nothing typed, an untagged instance cannot be stored, and neither can a tagged
        // one as the field's very value (not inside plain data): legacy decorators would have typed
        // it from design:type, and a model must not write other bytes under TC39 decorators.
        const own = this.owner !== undefined && this.stack[this.stack.length - 1]?.constructor === this.owner.cls;
        if ((meta.tag === undefined || own) && this.untypedField() !== undefined) {
          throw new PagableError('TYPE_MISMATCH', `${this.where()}: holds a ${meta.name} but its type is unknown (no () => type, no design:type): add it, e.g. @Field(() => ${meta.name}) or @Field(() => [${meta.name}])${meta.tag === undefined ? '' : ' (@Dyn() for any tagged class)'}, or enable "emitDecoratorMetadata" (with "experimentalDecorators")`);
        }
        if (meta.tag === undefined) {
          throw new PagableError('TYPE_MISMATCH', `${this.where()}: a ${meta.name} inside untyped data needs a @TypeTag on ${meta.name}, or declare the field's type, e.g. @Field(() => [${meta.name}])`);
        }
        return this.fields(v as object, meta, true, meta.tag);
      }
      default:
        throw new PagableError('NOT_PAGABLE', `${this.where()}: a ${typeof v} cannot be stored`);
    }
  }

  /** The field being written when nothing declared its type (TC39 decorators, or no emitDecoratorMetadata). */
  private untypedField(): FieldMeta | undefined {
    const f = this.owner?.fields.find((x) => x.name === this.field);
    return f !== undefined && !f.typeKnown ? f : undefined;
  }

  private enter(obj: object): void {
    if (++this.depth > MAX_INLINE_DEPTH) this.tooDeep(obj, this.where());
    this.stack.push(obj);
  }

  private leave(): void {
    this.stack.pop();
    this.depth--;
  }

  private anyArray(a: unknown[]): void {
    this.enter(a);
    const w = this.w;
    const n = a.length;
    w.array(n);
    // A sparse array's holes read as undefined, which is what is stored.
    for (let i = 0; i < n; i++) {
      const x = a[i];
      if (typeof x === 'string') w.str(x);
      else this.any(x);
    }
    this.leave();
  }

  private anyObject(o: Record<string, unknown>, nullProto: boolean): void {
    this.enter(o);
    const w = this.w;
    const keys = Object.keys(o);
    const n = keys.length;
    if (nullProto || keys.includes('__proto__')) {
      // Objects without a prototype, and msgpackr's renaming of a `__proto__` map key on read,
      // make those objects travel as key/value pairs.
      w.array(2 + 2 * n);
      w.c1();
      w.num(nullProto ? Esc.NullObject : Esc.Object);
      for (let i = 0; i < n; i++) {
        const k = keys[i]!;
        w.str(k);
        this.any(o[k]);
      }
      this.leave();
      return;
    }
    w.map(n);
    for (let i = 0; i < n; i++) {
      const k = keys[i]!;
      w.str(k);
      this.any(o[k]);
    }
    if (o.constructor !== Object) {
      // An own `constructor` key: msgpackr then looks for a toJSON method before writing the
      // map, and calls a truthy `toJSON` value (-0 being escaped to an array, truthy), which throws.
      const t = o.toJSON;
      if (t || (t === 0 && 1 / t < 0)) throw new TypeError('value.toJSON is not a function');
    }
    this.leave();
  }

  private anyMap(m: Map<unknown, unknown>): void {
    this.enter(m);
    const w = this.w;
    w.array(2 + 2 * m.size);
    w.c1();
    w.num(Esc.Map);
    for (const [k, x] of m) {
      this.any(k);
      this.any(x);
    }
    this.leave();
  }

  private anySet(s: Set<unknown>): void {
    this.enter(s);
    const w = this.w;
    w.array(2 + s.size);
    w.c1();
    w.num(Esc.Set);
    for (const x of s) this.any(x);
    this.leave();
  }
}

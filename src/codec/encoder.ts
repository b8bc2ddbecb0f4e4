import { PagableError } from '../error.js';
import { type ClassMeta, getClassMeta } from '../metadata/class-meta.js';
import { ANY, type ClassSchema, type RootSchema, type Schema } from '../metadata/schema.js';
import type { Class } from '../metadata/type-spec.js';
import { MsgpackWriter } from './msgpack-writer.js';
import { schemaSetOf } from './schema-cache.js';
import { type SchemaSet, closureOf } from './schema-set.js';
import { ARC_PLACEHOLDER, ESC_CLASS, Esc, MAX_INLINE_DEPTH, TYPED_ARRAYS } from './wire.js';

/**
 * Turns one blob's worth of a graph into msgpack (the format in wire.ts): instances become
 * positional arrays, arc fields become placeholders, and the values behind them are handed back
 * as `children` (in placeholder order) for the page-out engine to store as blobs of their own,
 * with the blob's schema set (the classes it uses). Pure: no I/O, no storage, no arcs: it learns
 * which values are arcs through its EncodeContext. The bytes are written while walking.
 */

/** What the encoder asks of the page-out engine about arcs (the codec knows nothing of them). */
export interface EncodeContext {
  /** What a @Lazy field stores for `v`: a PagableArc's shared state, or undefined when `v` is not a PagableArc. */
  arcTarget(v: object): object | undefined;
  /** True for a PinnedPagableArc, refused where a PagableArc is expected. */
  isPin(v: object): boolean;
}

/** A context for graphs without arcs (tools, tests): nothing is an arc. */
export const NO_ARCS: EncodeContext = { arcTarget: () => undefined, isPin: () => false };

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
  /** 0xC1, then the body. */
  readonly data: Uint8Array;
  /** Values that become blobs of their own, in placeholder order. */
  readonly children: ChildRef[];
  /** The classes the blob uses: its key is the blob's last child key. */
  readonly schema: SchemaSet;
}

export { MAX_INLINE_DEPTH };

/** The @Pagable metadata of `v`'s class, if any (reading `constructor` may run user code). */
function metaOf(v: object): ClassMeta | undefined {
  const c: unknown = v.constructor;
  return typeof c === 'function' ? getClassMeta(c as Class) : undefined;
}

/** The root layout a value is stored with when nothing declares one: its own class, or plain data. */
export function rootOfValue(value: unknown): RootSchema {
  if (typeof value === 'object' && value !== null) {
    let meta: ClassMeta | undefined;
    try {
      meta = metaOf(value);
    } catch {
      // A throwing `constructor` getter: encoding the value reports it, with the error as cause.
      return ANY;
    }
    if (meta !== undefined) return meta.asSchema;
  }
  return ANY;
}

function className(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v !== 'object') return typeof v;
  let c: unknown;
  try {
    c = (v as object).constructor;
  } catch {
    return 'Object';
  }
  return typeof c === 'function' ? (c as Class).name || '(anonymous class)' : 'Object';
}

/**
 * Writes one instance's stored fields as an array; with `esc`, as an instance escape naming `cls`
 * (its class's index in the schema set, or a discriminator name).
 */
type FieldWriter = (obj: object, enc: BlobEncoder, w: MsgpackWriter, esc: boolean, cls: number | string) => void;

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
  const lines: string[] = [`if (esc) enc.escapeHead(${n}, cls); else w.array(${n});`];
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
  const body = `return function writeFields(obj, enc, w, esc, cls) {\n${lines.join('\n')}\n};`;
  return new Function('S', 'M', body)(schemas, meta) as FieldWriter;
}

/** Where a class sits in the schema set of the blob being encoded (`stamp` names that encode). */
interface SetSlot {
  stamp: number;
  index: number;
}

const slots = new WeakMap<ClassMeta, SetSlot>();
let stamps = 0;

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
  /** The classes of the blob being encoded, in first-use order (each with its inline closure): the first `nClasses` (reused). */
  private readonly classes: ClassMeta[] = [];
  private nClasses = 0;
  private stamp = 0;

  constructor(private readonly ctx: EncodeContext = NO_ARCS) {}

  private where(): string {
    return this.owner === undefined ? this.field : `${this.owner.name}.${this.field}`;
  }

  /**
   * Encodes `value` as a blob with layout `root`; `where` names it in messages. A tagged instance
   * is written the same whatever the layout (its blob's key depends on its value alone), an
   * untagged one only where its exact class is declared.
   */
  encode(value: unknown, root: RootSchema, where: string): EncodedBlob {
    this.children = [];
    this.depth = 0;
    this.stack.length = 0;
    this.owner = undefined;
    this.field = where;
    this.nClasses = 0;
    this.stamp = ++stamps;
    const mine = !sharedWriterBusy;
    const w = (this.w = mine ? sharedWriter : new MsgpackWriter());
    if (mine) sharedWriterBusy = true;
    try {
      w.begin();
      w.c1();
      if (root.k === 'class' || rootOfValue(value).k === 'class') {
        const meta = this.checkInstance(value, root.k === 'class' ? root : undefined, where);
        if (meta.tag !== undefined) {
          this.fields(value as object, meta, true, this.classIndex(meta));
        } else {
          if (root.k === 'any') {
            throw new PagableError('TYPE_MISMATCH', `${where}: a ${meta.name} stored as untyped data needs a @TypeTag on ${meta.name}`);
          }
          this.classIndex(meta);
          this.fields(value as object, meta, false, 0);
        }
      } else {
        this.any(value);
      }
      return { data: w.finish(), children: this.children, schema: schemaSetOf(this.classes, this.nClasses) };
    } catch (e) {
      throw this.userError(e);
    } finally {
      if (mine) sharedWriterBusy = false;
    }
  }

  /**
   * Anything but a PagableError was thrown by user code reached while walking (a getter, a proxy
   * trap, a `constructor` that is not a class): the value cannot be encoded, which is NOT_PAGABLE
   * (not IO: no storage was involved), naming the field being read, with the original as cause.
   */
  private userError(e: unknown): PagableError {
    if (e instanceof PagableError) return e;
    const detail = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    return new PagableError('NOT_PAGABLE', `${this.where()}: reading the value to store threw ${detail}`, { cause: e });
  }

  /** The index of `meta` in this blob's schema set, adding it (and its inline closure) on first use. */
  private classIndex(meta: ClassMeta): number {
    let slot = slots.get(meta);
    if (slot === undefined) slots.set(meta, (slot = { stamp: 0, index: 0 }));
    if (slot.stamp === this.stamp) return slot.index;
    // Also reached when an encode nested in this one (a getter paging something out) took the slot.
    const list = this.classes;
    let at = this.indexOfClass(meta);
    if (at < 0) {
      const closure = closureOf(meta);
      for (let i = 0; i < closure.length; i++) {
        const m = closure[i]!;
        if (this.indexOfClass(m) >= 0) continue;
        let s = slots.get(m);
        if (s === undefined) slots.set(m, (s = { stamp: 0, index: 0 }));
        s.stamp = this.stamp;
        s.index = this.nClasses;
        list[this.nClasses++] = m;
      }
      at = this.indexOfClass(meta);
    }
    slot.stamp = this.stamp;
    slot.index = at;
    return at;
  }

  private indexOfClass(meta: ClassMeta): number {
    for (let i = 0; i < this.nClasses; i++) if (this.classes[i] === meta) return i;
    return -1;
  }

  /**
   * The metadata to encode `value` with where `declared` is expected; TYPE_MISMATCH / NOT_PAGABLE
   * naming `at` (the field being encoded when undefined: messages are built only on failure).
   */
  private checkInstance(value: unknown, declared: ClassSchema | undefined, at: string | undefined): ClassMeta {
    if (typeof value !== 'object' || value === null) {
      throw new PagableError('TYPE_MISMATCH', `${at ?? this.where()}: expected ${declared ? 'an instance of ' + declared.cls.name : 'an object'}, got ${className(value)}`);
    }
    if (declared !== undefined && !(value instanceof declared.cls)) {
      throw new PagableError('TYPE_MISMATCH', `${at ?? this.where()}: expected an instance of ${declared.cls.name}, got ${className(value)}`);
    }
    const meta = metaOf(value);
    if (meta === undefined) {
      throw new PagableError('NOT_PAGABLE', `${at ?? this.where()}: class ${className(value)} is not decorated with @Pagable()`);
    }
    if (declared !== undefined && meta.cls !== declared.cls && meta.tag === undefined) {
      throw new PagableError('TYPE_MISMATCH', `${at ?? this.where()}: a ${meta.name} where ${declared.cls.name} is declared needs a @TypeTag on ${meta.name}, so that it comes back as ${meta.name}`);
    }
    return meta;
  }

  /** An instance's stored fields, positionally; with `esc`, as an instance escape naming class `cls`. */
  private fields(obj: object, meta: ClassMeta, esc: boolean, cls: number | string): void {
    if (++this.depth > MAX_INLINE_DEPTH) this.tooDeep(obj, meta.name);
    this.stack.push(obj);
    const owner = this.owner;
    const field = this.field;
    this.owner = meta;
    let enc = fieldWriters.get(meta);
    if (enc === undefined) fieldWriters.set(meta, (enc = compileFieldWriter(meta)));
    enc(obj, this, this.w, esc, cls);
    this.owner = owner;
    this.field = field;
    this.stack.pop();
    this.depth--;
  }

  /** @internal The head of an instance escape of `n` fields: [C1, ESC_CLASS + cls, ...] or [C1, 0, name, ...]. */
  escapeHead(n: number, cls: number | string): void {
    const w = this.w;
    if (typeof cls === 'number') {
      w.array(n + 2);
      w.c1();
      w.num(ESC_CLASS + cls);
    } else {
      w.array(n + 3);
      w.c1();
      w.num(Esc.Instance);
      w.str(cls);
    }
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
        if ((v as object).constructor === s.cls && s.meta !== undefined) return this.fields(v as object, s.meta, false, 0);
        const vm = this.checkInstance(v, s, undefined);
        if (vm === s.meta) return this.fields(v as object, vm, false, 0);
        return this.fields(v as object, vm, true, this.classIndex(vm));
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
        if (s.base !== undefined && !(v instanceof s.base)) {
          throw new PagableError('TYPE_MISMATCH', `${this.where()}: expected an instance of ${s.base.name}, got ${className(v)}`);
        }
        const vm = this.checkInstance(v, undefined, undefined);
        if (vm.tag === undefined) {
          throw new PagableError('TYPE_MISMATCH', `${this.where()}: @Dyn values need a @TypeTag; ${vm.name} has none`);
        }
        return this.fields(v as object, vm, true, this.classIndex(vm));
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
        // The set holds the discriminator's subtypes (they are in its owner's closure).
        return this.fields(v as object, vm, true, name);
      }
      case 'shared': {
        if (this.nullish(v)) return;
        if (typeof v !== 'object' && typeof v !== 'function') {
          throw new PagableError('TYPE_MISMATCH', `${this.where()}: a @Shared field holds an object, got ${className(v)}`);
        }
        const r = s.root;
        if (r.k !== 'class' || (v as object).constructor !== r.cls || r.meta === undefined) {
          if (this.ctx.arcTarget(v as object) !== undefined || this.ctx.isPin(v as object)) {
            throw new PagableError('TYPE_MISMATCH', `${this.where()}: holds a PagableArc; declare the field with @Lazy`);
          }
          if (r.k === 'class') this.checkInstance(v, r, undefined);
        }
        this.children.push({ target: v as object, isArc: false, root: r, owner: meta, field });
        this.w.num(ARC_PLACEHOLDER);
        return;
      }
      case 'lazy': {
        if (this.nullish(v)) return;
        const inner = typeof v === 'object' ? this.ctx.arcTarget(v as object) : undefined;
        if (inner === undefined) {
          throw new PagableError('TYPE_MISMATCH', `${this.where()}: a @Lazy field holds a PagableArc, got ${className(v)}`);
        }
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
        // What a value is follows its prototype, not its own properties (a `toJSON` or
        // `constructor` of its own is data, or ignored).
        if (proto === Date.prototype) return w.date(v as Date);
        if (v instanceof Uint8Array && (proto === Uint8Array.prototype || proto === Buffer.prototype)) return w.bin(v);
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
        if (this.ctx.arcTarget(v) !== undefined || this.ctx.isPin(v)) {
          throw new PagableError('TYPE_MISMATCH', `${this.where()}: a PagableArc inside plain data cannot be stored; declare the field with @Lazy(() => X)`);
        }
        const meta = metaOf(v);
        if (meta === undefined) {
          throw new PagableError('NOT_PAGABLE', `${this.where()}: class ${className(v)} is not decorated with @Pagable()`);
        }
        if (meta.tag === undefined) {
          throw new PagableError('TYPE_MISMATCH', `${this.where()}: a ${meta.name} inside untyped data needs a @TypeTag on ${meta.name}, or declare the field's type, e.g. @Field(() => [${meta.name}])`);
        }
        return this.fields(v as object, meta, true, this.classIndex(meta));
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

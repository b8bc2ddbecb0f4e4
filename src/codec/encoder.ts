import { PagableError } from '../error.js';
import { type ClassMeta, getClassMeta } from '../metadata/class-meta.js';
import { ANY, type ClassSchema, type RootSchema, type Schema } from '../metadata/schema.js';
import type { Class } from '../metadata/type-spec.js';
import type { ArcInner } from '../arc/arc-inner.js';
import { innerOf, isPagableArc } from '../arc/pagable-arc.js';
import { PinnedPagableArc } from '../arc/pinned-pagable-arc.js';
import { ARC_PLACEHOLDER, C1, Esc, NEG_ZERO, TYPED_ARRAYS, encodeTagHeader, packBody } from './wire.js';

/**
 * Turns one blob's worth of a graph into msgpack: instances become positional arrays, arc fields
 * become placeholders, and the values behind them are handed back as `children` (in placeholder
 * order) for the page-out engine to store as blobs of their own. Pure: no I/O, no storage.
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

/** Encodes one instance's stored fields into a positional array. */
type FieldEncoder = (obj: object, enc: BlobEncoder) => unknown[];

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

/** Encodes blobs; reuse one per page-out (it keeps no state between `encode` calls). */
export class BlobEncoder {
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
      data = packBody(tree, meta.tag === undefined ? undefined : tagHeader(meta, meta.tag));
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
    let escaped: unknown[] | undefined = nullProto ? [] : undefined;
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

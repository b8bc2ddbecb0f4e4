import { PagableError } from '../error.js';
import { type ClassMeta, getClassMeta } from '../metadata/class-meta.js';
import { ANY, type RootSchema, type Schema } from '../metadata/schema.js';
import type { Class } from '../metadata/type-spec.js';
import { ChildList, type EncodeContext, type EncodedBlob, NO_ARCS } from './encode-context.js';
import { type FieldWriter, compileFieldWriter } from './field-writers.js';
import { MsgpackWriter } from './msgpack-writer.js';
import { PlainEncoder, className, codecFits, rootOfValue } from './plain-encoder.js';
import { schemaSetOf } from './schema-cache.js';
import type { SchemaSet } from './schema-set.js';
import { closureOf } from './schema-set.js';
import { ARC_PLACEHOLDER, ESC_CLASS, Esc } from './wire.js';
import { MAX_INLINE_DEPTH, classFits, nativeFits } from './wire-rules.js';
import { checkInstance, kindMismatch } from './instance-checks.js';

/**
 * Turns one blob's worth of a graph into msgpack (the format in wire.ts): instances become
 * positional arrays, arc fields become placeholders, and the values behind them are handed back
 * as `children` (in placeholder order) for the page-out engine to store as blobs of their own,
 * with the blob's schema set (the classes it uses). Pure: no I/O, no storage, no arcs: it learns
 * which values are arcs through its EncodeContext. The bytes are written while walking.
 */

export { MAX_INLINE_DEPTH };
export { ChildList, NO_ARCS, via, viaOf } from './encode-context.js';
export type { ChildRef, EncodeContext, EncodedBlob } from './encode-context.js';
export { rootOfValue };

const fieldWriters = new WeakMap<ClassMeta, FieldWriter>();

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
export class BlobEncoder extends PlainEncoder {
  /** The children of the blob being encoded, in placeholder order. */
  readonly children = new ChildList();
  /** The classes of the blob being encoded, in first-use order (each with its inline closure): the first `nClasses` (reused). */
  private readonly classes: ClassMeta[] = [];
  private nClasses = 0;
  private stamp = 0;

  constructor(ctx: EncodeContext = NO_ARCS) {
    super(sharedWriter, ctx);
  }

  /** Forgets the last blob encoded (its values and child references); the encoder can be used again. */
  release(): void {
    this.children.clear();
    this.stack.length = 0;
    this.owner = undefined;
    this.field = '';
    this.depth = 0;
    this.w = sharedWriter;
  }

  protected tagged(v: object, meta: ClassMeta): void {
    this.fields(v, meta, true, this.classIndex(meta));
  }

  /**
   * Encodes `value` as a blob with layout `root`; `where` names it in messages. A tagged instance
   * is written the same whatever the layout (its blob's key depends on its value alone), an
   * untagged one only where its exact class is declared.
   */
  encode(value: unknown, root: RootSchema, where: string): EncodedBlob {
    const mine = !sharedWriterBusy;
    const w = mine ? sharedWriter : new MsgpackWriter();
    if (mine) sharedWriterBusy = true;
    try {
      w.begin();
      const schema = this.body(value, root, undefined, where, w);
      return { data: w.finish(), children: this.children.refs(), schema };
    } finally {
      if (mine) sharedWriterBusy = false;
    }
  }

  /**
   * Encodes `value` as a blob with layout `root` into `w`, framed for its key (keys/blob-batch.ts):
   * `head` bytes kept free before it, and after it 16 bytes for each child key and one more for its
   * schema set's. The children are in `children`; returns the schema set. `owner`
   * and `field` name where the value is held, in messages only (`Owner.field`, or `field`).
   */
  encodeFramed(value: unknown, root: RootSchema, owner: ClassMeta | undefined, field: string, w: MsgpackWriter, head: number): SchemaSet {
    w.beginFramed(head);
    const schema = this.body(value, root, owner, field, w);
    w.reserve(16 * (this.children.count + 1));
    return schema;
  }

  /** 0xC1 and the body of `value` as a blob with layout `root`, into `w` (begun); its schema set. */
  private body(value: unknown, root: RootSchema, owner: ClassMeta | undefined, field: string, w: MsgpackWriter): SchemaSet {
    this.children.clear();
    this.depth = 0;
    this.stack.length = 0;
    this.owner = owner;
    this.field = field;
    this.nClasses = 0;
    this.stamp = ++stamps;
    this.w = w;
    try {
      w.c1();
      const meta = this.rootMeta(value, root, undefined);
      if (meta === undefined) {
        this.any(value);
      } else if (meta.tag !== undefined) {
        this.fields(value as object, meta, true, this.classIndex(meta));
      } else {
        this.classIndex(meta);
        this.fields(value as object, meta, false, 0);
      }
      return schemaSetOf(this.classes, this.nClasses);
    } catch (e) {
      throw this.userError(e);
    }
  }

  /**
   * The class `value` is written as when it is a blob read back as `root` (undefined for plain
   * data); TYPE_MISMATCH / NOT_PAGABLE when it cannot be read back so. The bytes of a value that
   * passes for two roots are the same for both: a tagged instance is always written with its tag,
   * an untagged one only as its own class, plain data only as plain data.
   */
  private rootMeta(value: unknown, root: RootSchema, where: string | undefined): ClassMeta | undefined {
    if (root.k === 'codec') {
      // A codec'd value in a blob of its own is written with its name; a subclass that is
      // @Pagable, as in plain data, with its tag.
      const cls = root.cls ?? Object;
      if (codecFits(value, cls)) return undefined;
      const c: unknown = typeof value === 'object' && value !== null && value instanceof cls ? value.constructor : undefined;
      if (typeof c !== 'function' || !classFits(c as Class, cls)) {
        throw new PagableError('TYPE_MISMATCH', `${where ?? this.where()}: expected a ${cls.name}, got ${className(value)}`);
      }
      root = ANY;
    }
    if (root.k === 'class' && codecFits(value, root.cls)) return undefined;
    if (root.k !== 'class' && rootOfValue(value).k !== 'class') return undefined;
    const meta = checkInstance(value, root.k === 'class' ? root : undefined, where, this);
    if (meta.tag === undefined && root.k === 'any') {
      throw new PagableError(
        'TYPE_MISMATCH',
        `${where ?? this.where()}: a ${meta.name} stored as untyped data needs a @TypeTag on ${meta.name}`,
      );
    }
    return meta;
  }

  /**
   * Checks that the blob of `value`, encoded for another declared root (an object reached through
   * fields of two types is stored once), reads back as `root` too; `where` names the field.
   */
  checkRoot(value: unknown, root: RootSchema, where: string): void {
    try {
      this.rootMeta(value, root, where);
    } catch (e) {
      throw this.userError(e);
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

  /** @internal A field value with schema `s` (called by the generated field writers). */
  value(v: unknown, s: Schema, meta: ClassMeta, field: string): void {
    switch (s.k) {
      case 'any':
        // A declared built-in type is checked as the reader checks it (wire-rules.ts).
        if (s.native !== undefined && v !== null && v !== undefined && !nativeFits(v, s.native))
          throw kindMismatch(v, s.native, this.where());
        this.any(v);
        return;
      case 'class': {
        if (this.nullish(v)) return;
        // The common case, an instance of exactly the declared class, needs no checks.
        if ((v as object).constructor === s.cls && s.meta !== undefined) return this.fields(v as object, s.meta, false, 0);
        if (codecFits(v, s.cls)) return this.any(v);
        const vm = checkInstance(v, s, undefined, this);
        if (vm === s.meta) return this.fields(v as object, vm, false, 0);
        return this.fields(v as object, vm, true, this.classIndex(vm));
      }
      case 'array': {
        if (this.nullish(v)) return;
        if (!Array.isArray(v)) {
          throw new PagableError('TYPE_MISMATCH', `${this.where()}: expected an array, got ${className(v)}`);
        }
        // An array is a level of nesting for the reader too.
        this.enter(v);
        const n = v.length;
        this.w.array(n);
        for (let i = 0; i < n; i++) this.value(v[i], s.of, meta, field);
        this.leave();
        return;
      }
      case 'dyn': {
        if (this.nullish(v)) return;
        if (s.base !== undefined && !(v instanceof s.base)) {
          throw new PagableError('TYPE_MISMATCH', `${this.where()}: expected an instance of ${s.base.name}, got ${className(v)}`);
        }
        // A value with a codec carries its name, as a tagged one its tag.
        if (codecFits(v, s.base ?? Object)) return this.any(v);
        const vm = checkInstance(v, undefined, undefined, this);
        if (vm.tag === undefined) {
          throw new PagableError('TYPE_MISMATCH', `${this.where()}: @Dyn values need a @TypeTag; ${vm.name} has none`);
        }
        // What is written is the class of `constructor`, which the reader checks against the base.
        if (s.base !== undefined && !classFits(vm.cls, s.base)) {
          throw new PagableError('TYPE_MISMATCH', `${this.where()}: expected an instance of ${s.base.name}, got a ${vm.name}`);
        }
        return this.fields(v as object, vm, true, this.classIndex(vm));
      }
      case 'union': {
        if (this.nullish(v)) return;
        const cls = (v as object).constructor as Class;
        const name = typeof v === 'object' ? s.byClass.get(cls) : undefined;
        if (name === undefined) {
          throw new PagableError(
            'TYPE_MISMATCH',
            `${this.where()}: a ${className(v)} is not one of the discriminator's subtypes (${[...s.byName.keys()].join(', ')})`,
          );
        }
        const vm = getClassMeta(cls);
        if (vm === undefined) throw new PagableError('NOT_PAGABLE', `${this.where()}: class ${cls.name} is not decorated with @Pagable()`);
        // The set holds the discriminator's subtypes (they are in its owner's closure).
        return this.fields(v as object, vm, true, name);
      }
      case 'codec':
        return this.codecValue(v, s);
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
          if (r.k === 'class') checkInstance(v, r, undefined, this);
        }
        this.children.push(v as object, false, r, meta, field);
        this.w.num(ARC_PLACEHOLDER);
        return;
      }
      case 'lazy': {
        if (this.nullish(v)) return;
        const inner = typeof v === 'object' ? this.ctx.arcTarget(v as object) : undefined;
        if (inner === undefined) {
          if (typeof v === 'object' && this.ctx.isPin(v as object)) {
            throw new PagableError('RELEASED', `${this.where()}: holds a released PinnedPagableArc, which holds nothing to store`);
          }
          throw new PagableError('TYPE_MISMATCH', `${this.where()}: a @Lazy field holds a PagableArc, got ${className(v)}`);
        }
        this.children.push(inner, true, s.root, meta, field);
        this.w.num(ARC_PLACEHOLDER);
        return;
      }
    }
  }
}

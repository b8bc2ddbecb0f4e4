import { PagableError } from '../error.js';
import { type ClassMeta, type FieldMeta, getClassMeta, rootOf } from '../metadata/class-meta.js';
import { type CodecEntry, anyCodecs, codecOfClass } from '../metadata/codec-registry.js';
import { ANY, type CodecSchema, type RootSchema } from '../metadata/schema.js';
import type { Class } from '../metadata/type-spec.js';
import { encodeThrough, encodesAsInstance, encodingRefused } from './codec-calls.js';
import type { EncodeContext } from './encode-context.js';
import type { MsgpackWriter } from './msgpack-writer.js';
import { Esc, TYPED_ARRAYS } from './wire.js';
import { MAX_BIGINT_CHARS, MAX_BYTES, MAX_INLINE_DEPTH, bigintTextFits, bytesFit, classFits, nativeFits } from './wire-rules.js';

/*
 * Writing self-describing plain data (the base of the blob encoder): primitives as msgpack says
 * them, and as escapes what it cannot (-0, wide bigints, Maps, Sets, typed arrays, objects with a
 * `__proto__` key or without a prototype); nesting is bounded, a cycle is CYCLE. Values of classes
 * with a codec are written through it, named where their class is not the declared one. Tagged
 * instances inside plain data are the encoder's to write.
 */

/** The @Pagable metadata of `v`'s class, if any (reading `constructor` may run user code). */
export function metaOf(v: object): ClassMeta | undefined {
  const c: unknown = v.constructor;
  return typeof c === 'function' ? getClassMeta(c as Class) : undefined;
}

/** The root layout a value is stored with when nothing declares one: its own class (or codec), or plain data. */
export function rootOfValue(value: unknown): RootSchema {
  if (typeof value === 'object' && value !== null) {
    let meta: ClassMeta | undefined;
    let c: unknown;
    try {
      meta = metaOf(value);
      c = meta === undefined ? value.constructor : undefined;
    } catch {
      // A throwing `constructor` getter: encoding the value reports it, with the error as cause.
      return ANY;
    }
    if (meta !== undefined) return meta.asSchema;
    if (codecOfClass(c) !== undefined) return rootOf(c as Class);
  }
  return ANY;
}

/** True when `v` has a codec of its own and can stand where class `declared` is: written with its codec's name. */
export function codecFits(v: unknown, declared: Class): boolean {
  if (!anyCodecs() || typeof v !== 'object' || v === null || !(v instanceof declared)) return false;
  const c: unknown = v.constructor;
  return codecOfClass(c) !== undefined && classFits(c as Class, declared);
}

/** The class name of a value, for messages (Object when its `constructor` is not a class or throws). */
export function className(v: unknown): string {
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

/** Writes plain data; BlobEncoder adds instances, arcs and the blob around them. */
export abstract class PlainEncoder {
  protected depth = 0;
  /** Objects being encoded inline, consulted only when nesting gets suspiciously deep. */
  protected readonly stack: object[] = [];
  /** The field being encoded; messages are formatted from these only when something fails. */
  protected owner: ClassMeta | undefined = undefined;
  /** @internal Set by the generated field writers. */
  field = '';

  constructor(
    protected w: MsgpackWriter,
    protected readonly ctx: EncodeContext,
  ) {}

  /** Writes an instance of a tagged class met inside plain data. */
  protected abstract tagged(v: object, meta: ClassMeta): void;

  /** The class and field being encoded, for error messages (built only when a check fails). */
  where(): string {
    return this.owner === undefined ? this.field : `${this.owner.name}.${this.field}`;
  }

  protected tooDeep(obj: object, what: string): never {
    if (this.stack.includes(obj)) {
      throw new PagableError(
        'CYCLE',
        `${what}: an object contains itself through inline fields; a cycle cannot be stored (blobs are named by their content)`,
      );
    }
    throw new PagableError(
      'LIMIT',
      `${what}: inline values nested deeper than ${MAX_INLINE_DEPTH}; declare a @Shared or @Lazy boundary so the walk stays iterative`,
    );
  }

  /** Writes undefined or null and says so; false for any other value. */
  protected nullish(v: unknown): boolean {
    if (v === undefined) this.w.undef();
    else if (v === null) this.w.nil();
    else return false;
    return true;
  }

  /** Writes self-describing plain data: as it is where msgpack says it exactly, as an escape otherwise. */
  protected any(v: unknown): void {
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
        return this.wideBigint(v);
      case 'object': {
        if (v === null) return w.nil();
        const proto = Object.getPrototypeOf(v);
        if (proto === Array.prototype) return this.anyArray(v as unknown[]);
        if (proto === Object.prototype || proto === null) return this.anyObject(v as Record<string, unknown>, proto === null);
        // What a value is follows its prototype, not its own properties (a `toJSON` or
        // `constructor` of its own is data, or ignored).
        if (proto === Date.prototype) return w.date(v as Date);
        if (v instanceof Uint8Array && (proto === Uint8Array.prototype || proto === Buffer.prototype)) {
          this.checkBytes(v.byteLength);
          return w.bin(v);
        }
        if (proto === Map.prototype) return this.anyMap(v as Map<unknown, unknown>);
        if (proto === Set.prototype) return this.anySet(v as Set<unknown>);
        const ti = (TYPED_ARRAYS as readonly unknown[]).indexOf((v as object).constructor);
        if (ti >= 0) {
          const ta = v as ArrayBufferView;
          this.checkBytes(ta.byteLength);
          w.array(4);
          w.c1();
          w.num(Esc.Typed);
          w.num(ti);
          w.bin(new Uint8Array(ta.buffer, ta.byteOffset, ta.byteLength));
          return;
        }
        if (this.ctx.arcTarget(v) !== undefined || this.ctx.isPin(v)) {
          throw new PagableError(
            'TYPE_MISMATCH',
            `${this.where()}: a PagableArc inside plain data cannot be stored; declare the field with @Lazy(() => X)`,
          );
        }
        const meta = metaOf(v);
        // In a field nothing typed, an untagged instance cannot be stored, and neither can a tagged
        // (or codec'd) one as the field's very value (not inside plain data): legacy decorators would
        // have typed it from design:type, and a model must not write other bytes under TC39 decorators.
        const own = this.owner !== undefined && this.stack[this.stack.length - 1]?.constructor === this.owner.cls;
        if (meta === undefined) {
          const codec = codecOfClass((v as object).constructor);
          if (codec === undefined) {
            throw new PagableError(
              'NOT_PAGABLE',
              `${this.where()}: class ${className(v)} is not decorated with @Pagable() and has no codec (registerCodec)`,
            );
          }
          if (own && this.untypedField() !== undefined) {
            throw new PagableError(
              'TYPE_MISMATCH',
              `${this.where()}: holds a ${className(v)} but its type is unknown (no () => type, no design:type): add it, e.g. @Field(() => ${className(v)}), or enable "emitDecoratorMetadata" (with "experimentalDecorators")`,
            );
          }
          return this.named(v as object, codec, this.encoded(v, codec));
        }
        if ((meta.tag === undefined || own) && this.untypedField() !== undefined) {
          throw new PagableError(
            'TYPE_MISMATCH',
            `${this.where()}: holds a ${meta.name} but its type is unknown (no () => type, no design:type): add it, e.g. @Field(() => ${meta.name}) or @Field(() => [${meta.name}])${meta.tag === undefined ? '' : ' (@Dyn() for any tagged class)'}, or enable "emitDecoratorMetadata" (with "experimentalDecorators")`,
          );
        }
        if (meta.tag === undefined) {
          throw new PagableError(
            'TYPE_MISMATCH',
            `${this.where()}: a ${meta.name} inside untyped data needs a @TypeTag on ${meta.name}, or declare the field's type, e.g. @Field(() => [${meta.name}])`,
          );
        }
        return this.tagged(v as object, meta);
      }
      default:
        throw new PagableError('NOT_PAGABLE', `${this.where()}: a ${typeof v} cannot be stored`);
    }
  }

  /** `codec.encode(v)`, refused (naming the field and codec) when it throws or gives nil. */
  private encoded(v: unknown, codec: CodecEntry): unknown {
    return encodeThrough(codec, v, () => this.where());
  }

  /** A value and its encoding `p`, with its codec's name: [C1, Esc.Codec, name, p], one level of nesting. */
  private named(v: object, codec: CodecEntry, p: unknown): void {
    this.enter(v);
    const w = this.w;
    w.array(4);
    w.c1();
    w.num(Esc.Codec);
    w.str(codec.name);
    this.encoding(p, codec);
    this.leave();
  }

  /** Writes what a codec encoded, as plain data: what cannot be stored is refused naming the codec. */
  private encoding(p: unknown, codec: CodecEntry): void {
    try {
      this.any(p);
    } catch (e) {
      throw encodingRefused(codec, e);
    }
  }

  /**
   * A value of a field declared through a codec (`s`): a value of exactly the registered class, or
   * any value of a field's own codec (of its declared type, if any), is written as its encoding;
   * another value that can stand there (a subclass with a codec or a @TypeTag) as itself, named.
   */
  protected codecValue(v: unknown, s: CodecSchema): void {
    if (this.nullish(v)) return;
    const codec = s.codec;
    if (codec.cls === undefined ? s.cls === undefined || nativeFits(v, s.cls) : (v as object).constructor === codec.cls) {
      const p = this.encoded(v, codec);
      if (encodesAsInstance(p)) return this.named(v as object, codec, p);
      return this.encoding(p, codec);
    }
    const cls = s.cls!;
    const c: unknown = typeof v === 'object' ? (v as object).constructor : undefined;
    // What is written is the class of `constructor`, which the reader checks against the declared one.
    if (codec.cls === undefined || !(v instanceof cls) || typeof c !== 'function' || !classFits(c as Class, cls)) {
      throw new PagableError(
        'TYPE_MISMATCH',
        `${this.where()}: expected ${cls.name === '' ? 'a value' : `a ${cls.name}`}, got ${className(v)}`,
      );
    }
    this.any(v);
  }

  /** A bigint outside 64 bits, as decimal text; LIMIT when the reader would refuse the text. */
  private wideBigint(v: bigint): void {
    const t = v.toString();
    if (!bigintTextFits(t)) {
      throw new PagableError(
        'LIMIT',
        `${this.where()}: a bigint of ${t.length} decimal characters; at most ${MAX_BIGINT_CHARS} are stored (store it as bytes in a Uint8Array instead)`,
      );
    }
    const w = this.w;
    w.array(3);
    w.c1();
    w.num(Esc.BigInt);
    w.str(t);
  }

  /** LIMIT for bytes longer than msgpack can say. */
  private checkBytes(n: number): void {
    if (!bytesFit(n)) throw new PagableError('LIMIT', `${this.where()}: ${n} bytes in one value; msgpack holds at most ${MAX_BYTES}`);
  }

  /** The field being written when nothing declared its type (TC39 decorators, or no emitDecoratorMetadata). */
  private untypedField(): FieldMeta | undefined {
    const f = this.owner?.fields.find((x) => x.name === this.field);
    return f !== undefined && !f.typeKnown ? f : undefined;
  }

  protected enter(obj: object): void {
    if (++this.depth > MAX_INLINE_DEPTH) this.tooDeep(obj, this.where());
    this.stack.push(obj);
  }

  protected leave(): void {
    this.stack.pop();
    this.depth--;
  }

  protected anyArray(a: unknown[]): void {
    this.enter(a);
    const w = this.w;
    const n = a.length;
    if (n >= NUMBERS_MIN && allNumbers(a)) {
      w.numbers(a as number[]);
      this.leave();
      return;
    }
    w.array(n);
    // A sparse array's holes read as undefined, which is what is stored.
    for (let i = 0; i < n; i++) {
      const x = a[i];
      if (typeof x === 'string') w.str(x);
      else this.any(x);
    }
    this.leave();
  }

  protected anyObject(o: Record<string, unknown>, nullProto: boolean): void {
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

  protected anyMap(m: Map<unknown, unknown>): void {
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

  protected anySet(s: Set<unknown>): void {
    this.enter(s);
    const w = this.w;
    w.array(2 + s.size);
    w.c1();
    w.num(Esc.Set);
    for (const x of s) this.any(x);
    this.leave();
  }
}

/** Arrays this long are checked for numbers only (`MsgpackWriter.numbers`): a long numeric array is written without the per-element dispatch. */
const NUMBERS_MIN = 16;

/** Every element of `a` is a number other than -0 (which needs its escape); holes are not numbers. */
function allNumbers(a: readonly unknown[]): boolean {
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    if (typeof x !== 'number' || (x === 0 && 1 / x < 0)) return false;
  }
  return true;
}

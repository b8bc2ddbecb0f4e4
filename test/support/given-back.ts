/*
 * What "given back" means for the write-rule property (test/paging/given-back.test.ts), as the
 * README promises it: a restored graph equals the original (decorated fields only; `-0`, NaN,
 * invalid Dates, lone surrogates exact; a Buffer comes back as a Uint8Array and an array's holes as
 * undefined), its instances have their classes' prototypes and exactly their stored fields as own
 * properties, lazy arcs hold equal values once pinned, and identity follows the field kinds: an
 * object at @Shared positions (or held by arcs, or the root) shared in the original is shared
 * after, distinct ones stay distinct unless their contents are equal (content addressing stores
 * them once), and inline values are copies, never shared with anything.
 */
import { getClassMeta } from '../../src/metadata/class-meta.js';
import { codecOfClass } from '../../src/metadata/codec-registry.js';
import type { Schema } from '../../src/metadata/schema.js';
import { type Class, PagableArc, type PinnedPagableArc } from '../../src/index.js';

interface Item {
  readonly o: unknown;
  readonly b: unknown;
  readonly path: string;
  /** The declared type at this position, when a class field declared one. */
  readonly schema: Schema | undefined;
  /** A position of its own blob (@Shared, an arc's value, the root): identity is kept there. */
  readonly shared: boolean;
  /** Compare contents only: `b` already stands for another original of equal content. */
  readonly pure: boolean;
}

/** A difference between an original and what came back. */
export class NotGivenBack extends Error {}

/** Compares originals with restored values; holds the pins it takes until `release`. */
export class GivenBack {
  /** Originals met at shared positions, and what came back for them. */
  private readonly out = new Map<object, object>();
  /** Restored objects met at shared positions. */
  private readonly back = new Set<object>();
  /** Every restored object met, to tell an inline value that is not a copy. */
  private readonly seen = new Set<object>();
  private readonly pins: Array<PinnedPagableArc<unknown>> = [];

  /** Throws NotGivenBack naming the first difference between `orig` and `back` (a root). */
  async check(orig: unknown, back: unknown): Promise<void> {
    const stack: Item[] = [{ o: orig, b: back, path: 'root', schema: undefined, shared: true, pure: false }];
    while (stack.length > 0) {
      const it = stack.pop()!;
      const { o, b, path } = it;
      if (o instanceof PagableArc) {
        if (!(b instanceof PagableArc)) throw new NotGivenBack(`${path}: a PagableArc came back as ${describe(b)}`);
        const po = await o.pin();
        const pb = await b.pin();
        this.pins.push(po, pb);
        stack.push({ o: po.value, b: pb.value, path: `${path}.pin()`, schema: undefined, shared: true, pure: it.pure });
        continue;
      }
      if (typeof o !== 'object' || o === null) {
        if (!Object.is(o, b)) throw new NotGivenBack(`${path}: ${describe(o)} came back as ${describe(b)}`);
        continue;
      }
      if (typeof b !== 'object' || b === null) throw new NotGivenBack(`${path}: ${describe(o)} came back as ${describe(b)}`);
      const pure = it.pure || this.identity(it, o, b);
      if (pure === 'done') continue;
      this.contents(it, o, b, pure, stack);
    }
  }

  /** Checks identity at `it`: 'done' when `b` was checked already, true when only contents are left to compare. */
  private identity(it: Item, o: object, b: object): boolean | 'done' {
    if (!it.shared) {
      if (this.seen.has(b))
        throw new NotGivenBack(`${it.path}: an inline value came back as an object met elsewhere (inline values are copies)`);
      this.seen.add(b);
      return false;
    }
    const was = this.out.get(o);
    if (was !== undefined) {
      if (was !== b) throw new NotGivenBack(`${it.path}: an object shared in the original came back as two objects`);
      return 'done';
    }
    this.out.set(o, b);
    // Another original came back as this object: allowed only for equal contents.
    if (this.back.has(b)) return true;
    if (this.seen.has(b)) throw new NotGivenBack(`${it.path}: a shared object came back as an object also met inline`);
    this.back.add(b);
    this.seen.add(b);
    return false;
  }

  private contents(it: Item, o: object, b: object, pure: boolean, stack: Item[]): void {
    const { path } = it;
    const push = (x: unknown, y: unknown, p: string, schema: Schema | undefined): void => {
      stack.push({ o: x, b: y, path: p, schema, shared: schema?.k === 'shared', pure });
    };
    const proto = Object.getPrototypeOf(o) as object | null;
    const meta = proto === null ? undefined : getClassMeta(o.constructor as Class);
    if (meta !== undefined) {
      if (Object.getPrototypeOf(b) !== proto) throw new NotGivenBack(`${path}: a ${meta.cls.name} came back as ${describe(b)}`);
      // Its stored fields, and for a class-transformer layout its other own properties, as they were.
      const rest = meta.rest === undefined ? [] : Object.keys(o).filter((k) => !meta.rest!.known.has(k) && !meta.rest!.excluded.has(k));
      const want = [...meta.fields.map((f) => f.name), ...rest].sort();
      const own = Object.keys(b).sort();
      if (JSON.stringify(own) !== JSON.stringify(want))
        throw new NotGivenBack(
          `${path}: a ${meta.cls.name} came back with own properties ${JSON.stringify(own)}, not ${JSON.stringify(want)}`,
        );
      for (const f of meta.fields) push(own1(o, f.name), own1(b, f.name), `${path}.${f.name}`, f.schema);
      for (const k of rest) push(own1(o, k), own1(b, k), `${path}[${JSON.stringify(k)}]`, undefined);
      return;
    }
    if (codecOfClass(o.constructor) !== undefined) {
      // Stored through a codec (test/support/codec-models.ts): its class, and its own fields, as they were.
      if (Object.getPrototypeOf(b) !== proto) throw new NotGivenBack(`${path}: ${describe(o)} came back as ${describe(b)}`);
      const x = Object.keys(o);
      if (JSON.stringify(x) !== JSON.stringify(Object.keys(b)))
        throw new NotGivenBack(`${path}: a ${describe(o)} came back with own properties ${JSON.stringify(Object.keys(b))}`);
      for (const k of x) push(own1(o, k), own1(b, k), `${path}.${k}`, undefined);
      return;
    }
    if (ArrayBuffer.isView(o)) {
      const want = o instanceof Buffer ? Uint8Array.prototype : proto;
      if (Object.getPrototypeOf(b) !== want || !ArrayBuffer.isView(b))
        throw new NotGivenBack(`${path}: ${describe(o)} came back as ${describe(b)}`);
      if (!Buffer.from(o.buffer, o.byteOffset, o.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength)))
        throw new NotGivenBack(`${path}: the bytes of ${describe(o)} changed`);
      return;
    }
    if (Object.getPrototypeOf(b) !== proto) throw new NotGivenBack(`${path}: ${describe(o)} came back as ${describe(b)}`);
    if (o instanceof Date) {
      if (!Object.is(o.getTime(), (b as Date).getTime()))
        throw new NotGivenBack(`${path}: Date ${o.getTime()} came back as ${(b as Date).getTime()}`);
    } else if (Array.isArray(o)) {
      const a = b as unknown[];
      if (a.length !== o.length) throw new NotGivenBack(`${path}: an array of ${o.length} came back with ${a.length}`);
      const of = it.schema?.k === 'array' ? it.schema.of : undefined;
      for (let i = 0; i < o.length; i++) push(o[i], a[i], `${path}[${i}]`, of);
    } else if (o instanceof Map || o instanceof Set) {
      const x = [...(o as Map<unknown, unknown>).entries()];
      const y = [...(b as Map<unknown, unknown>).entries()];
      if (x.length !== y.length) throw new NotGivenBack(`${path}: a ${describe(o)} of ${x.length} came back with ${y.length}`);
      x.forEach(([k, v], i) => {
        push(k, y[i]![0], `${path}<key ${i}>`, undefined);
        if (o instanceof Map) push(v, y[i]![1], `${path}<value ${i}>`, undefined);
      });
    } else if (proto === Object.prototype || proto === null) {
      const x = Object.keys(o);
      const y = Object.keys(b);
      if (JSON.stringify(x) !== JSON.stringify(y))
        throw new NotGivenBack(`${path}: keys ${JSON.stringify(x)} came back as ${JSON.stringify(y)}`);
      for (const k of x) push(own1(o, k), own1(b, k), `${path}[${JSON.stringify(k)}]`, undefined);
    } else {
      throw new NotGivenBack(`${path}: ${describe(o)} was stored (its kind is not one the README says is stored)`);
    }
  }

  /** Releases the pins taken while checking. */
  release(): void {
    for (const p of this.pins) p.release();
    this.pins.length = 0;
  }
}

/** The own property `k` of `o` (`__proto__` included), undefined when absent. */
function own1(o: object, k: string): unknown {
  return Object.getOwnPropertyDescriptor(o, k)?.value;
}

/** A short description of a value for messages. */
export function describe(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (typeof v === 'bigint') return `${v.toString().slice(0, 20)}n`;
  if (typeof v === 'string') return JSON.stringify(v.slice(0, 40));
  if (typeof v !== 'object') return `${typeof v} ${String(v)}`;
  const p = Object.getPrototypeOf(v) as { constructor?: { name?: string } } | null;
  return `a ${p === null ? 'null-prototype object' : (p.constructor?.name ?? 'object')}`;
}

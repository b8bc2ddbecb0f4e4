/*
 * What every hostile case must satisfy (docs/design.md §5.2): it ends in a value or a
 * PagableError, in time, without touching a prototype or adding a global, and a value it yields
 * is made only of objects pagable may create (builtins it supports, registered classes, arcs).
 */
import 'reflect-metadata';
import { type Class, PagableArc, PagableError } from '../../src/index.js';

/** Prototypes a hostile blob must never change (own properties, their values, their own prototype). */
const GUARDED: ReadonlyArray<readonly [string, object]> = [
  ['Object.prototype', Object.prototype],
  ['Array.prototype', Array.prototype],
  ['Function.prototype', Function.prototype],
  ['Map.prototype', Map.prototype],
  ['Set.prototype', Set.prototype],
  ['Date.prototype', Date.prototype],
  ['String.prototype', String.prototype],
  ['Number.prototype', Number.prototype],
  ['Promise.prototype', Promise.prototype],
  ['Error.prototype', Error.prototype],
  ['RegExp.prototype', RegExp.prototype],
  ['Uint8Array.prototype', Uint8Array.prototype],
  ['TypedArray.prototype', Object.getPrototypeOf(Uint8Array.prototype) as object],
  ['PagableArc.prototype', PagableArc.prototype],
];

type Snapshot = Array<{ name: string; target: object; proto: object | null; props: Map<string | symbol, PropertyDescriptor> }>;

function take(extra: ReadonlyArray<readonly [string, object]>): Snapshot {
  return [...GUARDED, ...extra, ['globalThis', globalThis] as const].map(([name, target]) => ({
    name,
    target,
    proto: Object.getPrototypeOf(target) as object | null,
    props: new Map(Reflect.ownKeys(target).map((k) => [k, Object.getOwnPropertyDescriptor(target, k)!])),
  }));
}

function same(a: PropertyDescriptor, b: PropertyDescriptor): boolean {
  return (
    Object.is(a.value, b.value) &&
    a.get === b.get &&
    a.set === b.set &&
    a.writable === b.writable &&
    a.enumerable === b.enumerable &&
    a.configurable === b.configurable
  );
}

/**
 * Records the guarded prototypes (plus `extra`, e.g. the prototypes of the model classes) and
 * `globalThis`; the returned function says what changed since, or undefined.
 */
export function guardGlobals(extra: ReadonlyArray<readonly [string, object]> = []): () => string | undefined {
  const before = take(extra);
  return () => {
    for (const s of before) {
      if (Object.getPrototypeOf(s.target) !== s.proto) return `the prototype of ${s.name} was replaced`;
      const now = Reflect.ownKeys(s.target);
      for (const k of now) {
        const was = s.props.get(k);
        if (was === undefined) return `${s.name} gained ${String(k)}`;
        if (!same(was, Object.getOwnPropertyDescriptor(s.target, k)!)) return `${s.name}.${String(k)} changed`;
      }
      if (now.length !== s.props.size) return `${s.name} lost a property`;
    }
    return undefined;
  };
}

/** Builtin prototypes a decoded plain value may have. */
const BUILTIN_PROTOTYPES: readonly unknown[] = [
  null,
  Object.prototype,
  Array.prototype,
  Map.prototype,
  Set.prototype,
  Date.prototype,
  Uint8Array.prototype,
  Int8Array.prototype,
  Uint8ClampedArray.prototype,
  Int16Array.prototype,
  Uint16Array.prototype,
  Int32Array.prototype,
  Uint32Array.prototype,
  Float32Array.prototype,
  Float64Array.prototype,
  BigInt64Array.prototype,
  BigUint64Array.prototype,
  PagableArc.prototype,
];

/** The kind a field declared with `design:type` `t` cannot hold `v` in, or undefined when it can. */
function wrongKind(t: unknown, v: unknown): string | undefined {
  if (v === undefined || v === null || typeof t !== 'function' || t === Object) return undefined;
  const kind =
    typeof v === 'object'
      ? ((Object.getPrototypeOf(v) as { constructor?: { name?: string } } | null)?.constructor?.name ?? 'null-prototype object')
      : typeof v;
  switch (t) {
    case Number:
      return typeof v === 'number' ? undefined : kind;
    case String:
      return typeof v === 'string' ? undefined : kind;
    case Boolean:
      return typeof v === 'boolean' ? undefined : kind;
    case BigInt:
      return typeof v === 'bigint' ? undefined : kind;
    case Array:
      return Array.isArray(v) ? undefined : kind;
    case Function:
      return undefined;
    default:
      return v instanceof (t as Class) ? undefined : kind;
  }
}

/**
 * Walks a decoded value (bounded, iteratively) and says what breaks the contract: an object pagable
 * may not create, an accessor, or a field of a registered class holding a value of another kind
 * than its declared type (`design:type`): docs/design.md §5.1 makes that TYPE_MISMATCH.
 */
export function foreignObjectIn(value: unknown, classes: readonly Class[], limit = 50_000): { kind: string; detail: string } | undefined {
  const allowed = new Set<unknown>(BUILTIN_PROTOTYPES);
  const classProtos = new Set<unknown>();
  for (const c of classes) {
    allowed.add(c.prototype);
    classProtos.add(c.prototype);
  }
  const seen = new Set<object>();
  const todo: unknown[] = [value];
  while (todo.length > 0 && seen.size < limit) {
    const v = todo.pop();
    if (typeof v === 'function') return { kind: 'the value holds a function', detail: String(v).slice(0, 80) };
    if (typeof v === 'symbol') return { kind: 'the value holds a symbol', detail: String(v) };
    if (typeof v !== 'object' || v === null || seen.has(v)) continue;
    seen.add(v);
    const proto = Object.getPrototypeOf(v) as unknown;
    if (!allowed.has(proto)) {
      const name = (proto as { constructor?: { name?: unknown } } | null)?.constructor?.name;
      return {
        kind: 'the value holds an object pagable may not create',
        detail: `a ${typeof name === 'string' ? name : 'object of unknown class'}`,
      };
    }
    if (v instanceof PagableArc) continue;
    if (ArrayBuffer.isView(v)) continue;
    if (v instanceof Map) {
      for (const [k, x] of v) todo.push(k, x);
      continue;
    }
    if (v instanceof Set) {
      for (const x of v) todo.push(x);
      continue;
    }
    const isInstance = classProtos.has(proto);
    for (const k of Reflect.ownKeys(v)) {
      const d = Object.getOwnPropertyDescriptor(v, k)!;
      if (d.get !== undefined || d.set !== undefined) return { kind: 'the value holds an accessor property', detail: String(k) };
      if (isInstance && typeof k === 'string') {
        const t: unknown = Reflect.getMetadata('design:type', proto as object, k);
        const bad = wrongKind(t, d.value);
        if (bad !== undefined) {
          const cls = (proto as { constructor: { name: string } }).constructor.name;
          return {
            kind: 'a field holds a value of another kind than its declared type (docs/design.md §5.1: must be TYPE_MISMATCH)',
            detail: `${cls}.${k} declared ${(t as { name: string }).name} holds a ${bad}`,
          };
        }
      }
      todo.push(d.value);
    }
  }
  return undefined;
}

/** Why a thrown value breaks the contract (undefined when it is a PagableError). */
export function foreignError(e: unknown): string | undefined {
  if (e instanceof PagableError && typeof e.code === 'string') return undefined;
  if (e instanceof Error) return `${e.constructor.name}: ${e.message}`;
  return `a thrown ${typeof e}: ${String(e)}`;
}

/** What `withDeadline` resolves with when the time is up. */
export const HUNG: unique symbol = Symbol('hung');

/** Resolves like `p`, or with HUNG once `ms` have passed. */
export function withDeadline<T>(p: Promise<T>, ms: number): Promise<T | typeof HUNG> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<typeof HUNG>((resolve) => {
    timer = setTimeout(() => resolve(HUNG), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

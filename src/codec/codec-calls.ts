import { PagableError } from '../error.js';
import type { CodecEntry } from '../metadata/codec-registry.js';
import type { Class } from '../metadata/type-spec.js';
import { kindOf, nativeFits } from './wire-rules.js';

/*
 * Calling a user's codec, from the writer and the readers alike: what it throws, and what it
 * returns that cannot be stored or is not of its class, is a PagableError naming the codec (and
 * the class and field, given in `where`), the original error as cause.
 */

/** How a codec is named in messages: `codec "decimal" (Decimal)`. */
export function codecLabel(c: CodecEntry): string {
  return `codec "${c.name.slice(0, 100)}"${c.cls === undefined ? '' : ` (${c.cls.name})`}`;
}

function detail(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}

/** `c.encode(v)`; NOT_PAGABLE naming `where` when it throws or returns nil (which reads back as an absent value). */
export function encodeThrough(c: CodecEntry, v: unknown, where: () => string): unknown {
  let p: unknown;
  try {
    p = c.codec.encode(v);
  } catch (e) {
    throw new PagableError('NOT_PAGABLE', `${where()}: ${codecLabel(c)} could not encode the value: encode threw ${detail(e)}`, {
      cause: e,
    });
  }
  if (p === undefined || p === null) {
    throw new PagableError(
      'NOT_PAGABLE',
      `${where()}: ${codecLabel(c)} encoded the value as ${String(p)}, which reads back as no value at all; encode it as a value`,
    );
  }
  return p;
}

/** Errors already said to come from a codec's encoding (a nested codec's is not said again by the outer one). */
const attributed = new WeakSet<PagableError>();

/** `e`, thrown while writing what `c` encoded, as an error that names the codec (once). */
export function encodingRefused(c: CodecEntry, e: unknown): unknown {
  if (!(e instanceof PagableError) || attributed.has(e)) return e;
  const out = new PagableError(e.code, `${codecLabel(c)} encoded a value that cannot be stored: ${e.message}`, { cause: e });
  attributed.add(out);
  return out;
}

/**
 * `c.decode(plain)`, which must give a value of `cls` when given (nil passes, as everywhere);
 * TYPE_MISMATCH naming `where` when it throws or gives another kind of value.
 */
export function decodeThrough(c: CodecEntry, plain: unknown, cls: Class | undefined, where: () => string): unknown {
  let v: unknown;
  try {
    v = c.codec.decode(plain);
  } catch (e) {
    throw new PagableError(
      'TYPE_MISMATCH',
      `${where()}: ${codecLabel(c)} could not decode the stored ${kindOf(plain)}: decode threw ${detail(e)}`,
      { cause: e },
    );
  }
  if (cls !== undefined && v !== null && v !== undefined && !nativeFits(v, cls)) {
    throw new PagableError('TYPE_MISMATCH', `${where()}: ${codecLabel(c)} decoded a ${kindOf(v)}, not a ${cls.name}`);
  }
  return v;
}

/**
 * True when an encoding would be written as an instance (a tagged class, another codec's value):
 * where the codec's class is declared, such an encoding alone would read as a value of that
 * other class, so it is written with the codec's name.
 */
export function encodesAsInstance(p: unknown): boolean {
  if (typeof p !== 'object' || p === null) return false;
  const proto: unknown = Object.getPrototypeOf(p);
  return !(
    proto === Array.prototype ||
    proto === Object.prototype ||
    proto === null ||
    proto === Date.prototype ||
    proto === Map.prototype ||
    proto === Set.prototype ||
    ArrayBuffer.isView(p)
  );
}

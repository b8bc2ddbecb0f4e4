import type { ClassMeta } from '../metadata/class-meta.js';
import type { Schema } from '../metadata/schema.js';
import type { MsgpackWriter } from './msgpack-writer.js';

/** What generated field writers call on the encoder. */
export interface FieldSink {
  /** The field being encoded, for messages. */
  field: string;
  escapeHead(n: number, cls: number | string): void;
  value(v: unknown, s: Schema, meta: ClassMeta, field: string): void;
  rest(obj: object, meta: ClassMeta): void;
}

/**
 * Writes one instance's stored fields as an array; with `esc`, as an instance escape naming `cls`
 * (its class's index in the schema set, or a discriminator name).
 */
export type FieldWriter = (obj: object, enc: FieldSink, w: MsgpackWriter, esc: boolean, cls: number | string) => void;

/**
 * The line that writes `v` (field `key`, schema S[i]) where a single `typeof` says it is a value of
 * the declared kind; anything else, nil and undefined included, goes to the encoder, which checks
 * it against the declared type (wire-rules.ts) before writing it.
 */
function primitiveLine(s: Schema, v: string, i: number, key: string): string {
  const slow = `enc.value(${v}, S[${i}], M, ${key});`;
  if (s.k !== 'any') return slow;
  switch (s.native as unknown) {
    case String:
      return `if (typeof ${v} === 'string') w.str(${v}); else ${slow}`;
    case Number:
      // -0 is an escape: the encoder writes it.
      return `if (typeof ${v} === 'number' && (${v} !== 0 || 1 / ${v} > 0)) w.num(${v}); else ${slow}`;
    case Boolean:
      return `if (typeof ${v} === 'boolean') w.bool(${v}); else ${slow}`;
    case undefined:
    case Object:
      // Plain data: strings, booleans and numbers other than -0 are written as they are.
      return `if (typeof ${v} === 'string') w.str(${v}); else if (typeof ${v} === 'number' && (${v} !== 0 || 1 / ${v} > 0)) w.num(${v}); else if (typeof ${v} === 'boolean') w.bool(${v}); else ${slow}`;
    default:
      return slow;
  }
}

/**
 * Generates a class's field writer once: constant property names make every load a named,
 * monomorphic access (a loop over `obj[f.name]` is megamorphic across classes), and primitives in
 * plain-data fields, the bulk of most graphs, skip the general encoder entirely.
 */
export function compileFieldWriter(meta: ClassMeta): FieldWriter {
  const schemas = meta.fields.map((f) => f.schema);
  const names = meta.fields.map((f) => f.name);
  const n = names.length + (meta.rest === undefined ? 0 : 1);
  const lines: string[] = [`if (esc) enc.escapeHead(${n}, cls); else w.array(${n});`];
  for (let i = 0; i < names.length; i++) {
    const key = JSON.stringify(names[i]);
    const v = `v${i}`;
    // A field named `__proto__` is the own property: an instance without one holds undefined there, not its prototype.
    const read = names[i] === '__proto__' ? `Object.hasOwn(obj, ${key}) ? obj[${key}] : undefined` : `obj[${key}]`;
    lines.push(`enc.field = ${key}; const ${v} = ${read};`);
    lines.push(primitiveLine(schemas[i]!, v, i, key));
  }
  if (meta.rest !== undefined) lines.push('enc.rest(obj, M);');
  const body = `return function writeFields(obj, enc, w, esc, cls) {\n${lines.join('\n')}\n};`;
  return new Function('S', 'M', body)(schemas, meta) as FieldWriter;
}

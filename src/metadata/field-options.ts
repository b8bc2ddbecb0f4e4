import { PagableError } from '../error.js';
import { checkedCodec } from './codec-registry.js';
import type { Codec } from './type-spec.js';

/**
 * The last, optional argument of every field decorator: `@Field({ aliases: ['old'] })`,
 * `@Shared(() => X, { aliases: ['old'] })`, `@Field({ default: () => [] })`.
 */
export interface FieldOptions {
  /**
   * Earlier names of this field, so blobs written before a rename still load into it (schema
   * evolution). Non-empty, distinct, and no other field's name or alias in the class.
   */
  aliases?: readonly string[];
  /**
   * The field's value when a blob's stored schema lacks the field (it was added since): called
   * once per instance read, so each gets a value of its own. Without it, the field loads as
   * undefined.
   */
  default?: () => unknown;
  /**
   * Converts a stored value whose kind cannot be the declared type (a string where a number is
   * declared now, an instance of a class the field no longer declares), instead of TYPE_MISMATCH.
   * It gets the stored value as pagable reads it without a declared type; what it returns is
   * checked against the declared type like any read value.
   */
  migrate?: (stored: unknown) => unknown;
  /**
   * This field only: its values are stored as `codec.encode(value)` and read back through
   * `codec.decode` (with `() => [X]`, each element). Only for `@Field`.
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a field's codec is for values of any type: the decorator cannot tie it to the field's
  codec?: Codec<any, any>;
}

/** One field's options, checked on their own. */
export interface CheckedFieldOptions {
  readonly aliases: readonly string[];
  readonly default: (() => unknown) | undefined;
  readonly migrate: ((stored: unknown) => unknown) | undefined;
  readonly codec: Codec<unknown, unknown> | undefined;
}

const KNOWN_OPTIONS: ReadonlySet<string> = new Set(['aliases', 'default', 'migrate', 'codec']);

const NONE: CheckedFieldOptions = Object.freeze({ aliases: Object.freeze([]), default: undefined, migrate: undefined, codec: undefined });

/**
 * One field's options, checked on their own (the checks against the class's other fields are
 * made where all of them are known); INVALID_ARGUMENT naming `where` (`Class.field`).
 */
export function fieldOptionsOf(options: unknown, field: string, where: string): CheckedFieldOptions {
  if (options === undefined) return NONE;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new PagableError(
      'INVALID_ARGUMENT',
      `${where}: field options must be an object such as { aliases: ['oldName'] }, got ${describe(options)}`,
    );
  }
  for (const key of Object.keys(options)) {
    // A misspelt option silently ignored would be an alias (or a default) silently lost.
    if (!KNOWN_OPTIONS.has(key))
      throw new PagableError('INVALID_ARGUMENT', `${where}: unknown field option "${key}" (known: ${[...KNOWN_OPTIONS].join(', ')})`);
  }
  const o = options as FieldOptions;
  for (const k of ['default', 'migrate'] as const) {
    if (o[k] !== undefined && typeof o[k] !== 'function') {
      throw new PagableError('INVALID_ARGUMENT', `${where}: ${k} must be a function, got ${describe(o[k])}`);
    }
  }
  return {
    aliases: aliasesOf(o.aliases, field, where),
    default: o.default,
    migrate: o.migrate,
    codec: o.codec === undefined ? undefined : checkedCodec(o.codec, where),
  };
}

function aliasesOf(aliases: unknown, field: string, where: string): readonly string[] {
  if (aliases === undefined) return [];
  if (!Array.isArray(aliases)) {
    throw new PagableError('INVALID_ARGUMENT', `${where}: aliases must be an array of strings, got ${describe(aliases)}`);
  }
  const seen = new Set<string>();
  for (const a of aliases as unknown[]) {
    if (typeof a !== 'string' || a.length === 0) {
      throw new PagableError('INVALID_ARGUMENT', `${where}: every alias must be a non-empty string, got ${describe(a)}`);
    }
    if (a === field) throw new PagableError('INVALID_ARGUMENT', `${where}: alias "${a}" is the field's own name`);
    if (seen.has(a)) throw new PagableError('INVALID_ARGUMENT', `${where}: alias "${a}" is listed twice`);
    seen.add(a);
  }
  return Object.freeze([...seen]);
}

function describe(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (Array.isArray(v)) return 'an array';
  return v === null ? 'null' : typeof v;
}

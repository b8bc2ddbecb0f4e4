import { PagableError } from '../error.js';

/**
 * The last, optional argument of every field decorator: `@Field({ aliases: ['old'] })`,
 * `@Shared(() => X, { aliases: ['old'] })`.
 */
export interface FieldOptions {
  /**
   * Earlier names of this field, so blobs written before a rename still load into it (schema
   * evolution). Non-empty, distinct, and no other field's name or alias in the class.
   */
  aliases?: readonly string[];
}

const KNOWN_OPTIONS: ReadonlySet<string> = new Set(['aliases']);

/**
 * The aliases of one field's options, checked on their own (the checks against the class's other
 * fields are made where all of them are known); INVALID_ARGUMENT naming `where` (`Class.field`).
 */
export function aliasesOf(options: unknown, field: string, where: string): readonly string[] {
  if (options === undefined) return [];
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new PagableError(
      'INVALID_ARGUMENT',
      `${where}: field options must be an object such as { aliases: ['oldName'] }, got ${describe(options)}`,
    );
  }
  for (const key of Object.keys(options)) {
    // A misspelt option silently ignored would be an alias silently lost.
    if (!KNOWN_OPTIONS.has(key))
      throw new PagableError('INVALID_ARGUMENT', `${where}: unknown field option "${key}" (known: ${[...KNOWN_OPTIONS].join(', ')})`);
  }
  const aliases = (options as FieldOptions).aliases;
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

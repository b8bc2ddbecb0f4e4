import type { Class } from '../metadata/type-spec.js';

/*
 * Fields declared with a built-in type (design:type String, () => Date...) hold only values of that
 * kind after a page-in, whichever decoder read the blob (schema'd or legacy): a hostile or
 * mislabelled blob is TYPE_MISMATCH naming what it stored, never a value of another kind.
 */

/** What a plain value is, for messages. */
export function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v !== 'object') return typeof v;
  if (Array.isArray(v)) return 'array';
  const p = Object.getPrototypeOf(v) as { constructor?: { name?: string } } | null;
  return p === null || p === Object.prototype ? 'object' : (p.constructor?.name ?? 'object');
}

/** A plain value can be a field declared as built-in class `native`. */
export function nativeFits(v: unknown, native: Class): boolean {
  const n: unknown = native;
  if (n === String) return typeof v === 'string';
  if (n === Number) return typeof v === 'number';
  if (n === Boolean) return typeof v === 'boolean';
  if (n === BigInt) return typeof v === 'bigint';
  if (n === Array) return Array.isArray(v);
  // Object is what design:type says for `unknown`, unions and interfaces: anything fits.
  if (n === Symbol || n === Function || n === Object) return true;
  return v instanceof native;
}

import { nativeFits } from '../codec/wire-rules.js';
import { getClassMeta } from '../metadata/class-meta.js';
import type { Class } from '../metadata/type-spec.js';
import { rootClassId } from '../metadata/root-class-id.js';
import type { RootSchema } from '../metadata/schema.js';

/*
 * What identity means for a page-in: which slot of the arc cache a restored object goes under,
 * and which object found there (or in the run) may stand where a key is declared.
 */

/**
 * The cache slot of a blob whose root is an instance of a tagged class. Its key alone names it:
 * a blob has one content, so one concrete class, and the object restored from it is one object
 * whatever declared type reached it (a base-typed or concrete-typed field, load(Base) or
 * load(Concrete)), as the Rust crate keeps one allocation for its dyn and concrete views.
 */
export const TAGGED = -1;

/**
 * The cache slot of an untagged blob read as `root`: bytes without a tag carry no class, so the
 * same blob read through two declared classes is two values. 0 for plain data.
 */
export const classId = rootClassId;

/** True for an instance of a tagged class (its blob names its class: identity by key alone). */
export function isTagged(v: unknown): boolean {
  return typeof v === 'object' && v !== null && getClassMeta((v as object).constructor as Class)?.tag !== undefined;
}

/**
 * True when `v` may stand where `root` is declared. Plain data shares one cache slot whatever
 * built-in type it was loaded as, so a value found there is checked as the decoder checks a root.
 */
export function fits(v: unknown, root: RootSchema): boolean {
  if (root.k === 'class') return v instanceof root.cls;
  const native = root.k === 'any' ? root.native : root.cls;
  return native === undefined || nativeFits(v, native);
}

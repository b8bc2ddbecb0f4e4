import { createRequire } from 'node:module';
import type { Class } from './type-spec.js';

/*
 * Interop with class-transformer: a class annotated for it (@Type, @Exclude, @Expose,
 * discriminators) works with nothing but @Pagable() added. Its metadata is read, never written,
 * from class-transformer's own storage; class-transformer stays an optional peer: when it is not
 * installed, nothing here runs.
 */

/** What pagable needs of one class-transformer @Type. */
interface TypeMeta {
  propertyName: string;
  reflectedType: unknown;
  typeFunction: (options?: unknown) => unknown;
  options?: { discriminator?: { property: string; subTypes: Array<{ name: string; value: unknown }> } };
}

interface PropMeta {
  propertyName: string | undefined;
}

/** The private maps of class-transformer's MetadataStorage (stable since 0.3; read only). */
interface CtStorage {
  _typeMetadatas: Map<unknown, Map<string, TypeMeta>>;
  _exposeMetadatas: Map<unknown, Map<string | undefined, PropMeta>>;
  _excludeMetadatas: Map<unknown, Map<string | undefined, PropMeta>>;
}

let storage: CtStorage | null | undefined;

/** class-transformer's metadata storage, the one its decorators wrote to; null when not installed. */
function ctStorage(): CtStorage | null {
  if (storage === undefined) {
    storage = null;
    try {
      // Node resolves `import 'class-transformer'` to its CommonJS build too (it has no exports
      // map), so this is the very instance the user's decorators registered with.
      const mod = createRequire(import.meta.url)('class-transformer/cjs/storage') as { defaultMetadataStorage?: CtStorage };
      const s = mod.defaultMetadataStorage;
      if (s && s._typeMetadatas instanceof Map && s._exposeMetadatas instanceof Map && s._excludeMetadatas instanceof Map) storage = s;
    } catch {
      storage = null;
    }
  }
  return storage;
}

/** One field derived from class-transformer metadata. */
export interface CtField {
  readonly name: string;
  /** The element class of @Type (arrays are decided by `isArray`). */
  readonly type: (() => Class) | undefined;
  readonly isArray: boolean;
  /** Discriminator subtypes by name, when @Type declares one. */
  readonly union: ReadonlyArray<{ name: string; cls: Class }> | undefined;
}

/** The stored layout class-transformer metadata gives a class (ancestors first). */
export interface CtLayout {
  readonly fields: CtField[];
  /** Properties class-transformer would skip: never stored. */
  readonly excluded: ReadonlySet<string>;
  /** True unless the class excludes all by default: other own properties travel in a trailing record. */
  readonly rest: boolean;
}

/**
 * The layout class-transformer would give a class (the chain lists it and its ancestors, base
 * first): fields it has metadata for, in declaration order, then every other own property it would
 * serialize. Without class-transformer installed, that is just the other own properties.
 */
export function classTransformerLayout(chain: readonly Class[]): CtLayout {
  const s = ctStorage();
  const fields: CtField[] = [];
  const seen = new Set<string>();
  const excluded = new Set<string>();
  let excludeAll = false;
  for (const c of s === null ? [] : chain) {
    const types = s!._typeMetadatas.get(c);
    const exposes = s!._exposeMetadatas.get(c);
    const excludes = s!._excludeMetadatas.get(c);
    if (excludes?.has(undefined)) excludeAll = true;
    if (exposes?.has(undefined)) excludeAll = false;
    for (const name of excludes?.keys() ?? []) if (name !== undefined) excluded.add(name);
    const names = [...(types?.keys() ?? []), ...[...(exposes?.keys() ?? [])].filter((n): n is string => n !== undefined)];
    for (const name of names) {
      if (seen.has(name) || excluded.has(name)) continue;
      // An exposed getter is computed, not state: restoring would assign to an accessor.
      if (typeof Object.getOwnPropertyDescriptor(c.prototype as object, name)?.get === 'function') continue;
      seen.add(name);
      const t = types?.get(name);
      const sub = t?.options?.discriminator?.subTypes;
      fields.push({
        name,
        type: t ? () => t.typeFunction() as Class : undefined,
        isArray: t !== undefined && t.reflectedType === Array,
        union: sub?.map((x) => ({ name: x.name, cls: x.value as Class })),
      });
    }
  }
  return { fields: fields.filter((f) => !excluded.has(f.name)), excluded, rest: !excludeAll };
}

import { markPagable } from '../metadata/class-meta.js';
import { registerTag } from '../metadata/tag-registry.js';
import { type PagableClassDecorator, classDecorator } from './dialect.js';

/**
 * Gives a class a stable, globally unique tag, written wherever the class cannot be inferred from
 * the declaration (polymorphic fields, roots loaded through a base). Implies @Pagable().
 * Registering a tag another class holds throws PagableError DUPLICATE_TAG.
 */
export function TypeTag(tag: string): PagableClassDecorator {
  return classDecorator(`@TypeTag("${tag}")`, (cls) => {
    registerTag(tag, cls);
    // Re-marking keeps any @Pagable options and drops metadata cached before the tag existed.
    markPagable(cls);
  });
}

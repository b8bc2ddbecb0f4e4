import { markPagable, type PagableOptions } from '../metadata/class-meta.js';
import type { Class } from '../metadata/type-spec.js';

/**
 * Marks a class as serializable. Only fields decorated with `@Field`, `@Shared`, `@Lazy` or `@Dyn` are
 * stored; instances are restored with `Object.create(prototype)`, so constructors do not run.
 */
export function Pagable(options?: { name?: string }): ClassDecorator {
  const opts: PagableOptions = options ?? {};
  return (target) => {
    markPagable(target as unknown as Class, opts);
  };
}

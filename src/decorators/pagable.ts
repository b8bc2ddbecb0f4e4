import { markPagable, type PagableOptions } from '../metadata/class-meta.js';
import { type PagableClassDecorator, classDecorator } from './dialect.js';

/**
 * Marks a class as serializable. Only fields decorated with `@Field`, `@Shared`, `@Lazy` or `@Dyn` are
 * stored; instances are restored with `Object.create(prototype)`, so constructors do not run.
 * Works as a legacy and as a TC39 standard decorator.
 */
export function Pagable(options?: { name?: string }): PagableClassDecorator {
  const opts: PagableOptions = options ?? {};
  return classDecorator('@Pagable', (cls) => markPagable(cls, opts));
}

import type { RootSchema } from './schema.js';

/*
 * One number per declared root class, for the caches that keep one object (the page-in's arc
 * cache) or one arc (a storage's live arcs) per blob and declared class. @Pagable classes have
 * their metadata's id; an undecorated declared class (an abstract base) gets an id of its own, so
 * that it never shares a slot with plain data: a blob read as a Shape must not be met by what the
 * same blob gave when it was read as plain data.
 */

/** Ids of declared classes that are not @Pagable, above every @Pagable id (small per-process counters). */
const otherClassIds = new WeakMap<object, number>();
let nextOtherId = 2 ** 30;

/** The class id of layout `root`: its class's, one of its own for an undecorated class, 0 for plain data. */
export function rootClassId(root: RootSchema | undefined): number {
  if (root === undefined || root.k !== 'class') return 0;
  if (root.meta !== undefined) return root.meta.id;
  let id = otherClassIds.get(root.cls);
  if (id === undefined) otherClassIds.set(root.cls, (id = nextOtherId++));
  return id;
}

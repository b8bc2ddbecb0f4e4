/* The graphs both dialects' round trips (and the esbuild-bundled program) save: built the same way from any compiled model. */
import type { PagableStorage } from '../../src/index.js';
import type { Model, PagableApi } from './model.js';

/** What `sampleDoc` builds, with the objects the assertions look for. */
export interface Sample<M extends Model = Model> {
  readonly doc: InstanceType<M['Doc']>;
  readonly shared: InstanceType<M['Dep']>;
}

/**
 * A Doc using every kind of field: plain data, class-typed and array fields, a shared Dep reached
 * along three paths, a lazy child, polymorphic values, and an instance of a tagged subclass
 * (`Leaf`) where its base is declared. With `tagged: false`, it holds no tagged value at all, so
 * its bytes do not depend on the model's tag namespace.
 */
export function sampleDoc<M extends Model>(p: PagableApi, m: M, storage: PagableStorage, tagged = true): Sample<M> {
  const dep = (name: string, deps: InstanceType<M['Dep']>[] = []): InstanceType<M['Dep']> =>
    Object.assign(new m.Dep(), { name, version: '1.0.0', deps }) as InstanceType<M['Dep']>;
  const point = (x: number, y: number): InstanceType<M['Point']> => Object.assign(new m.Point(), { x, y }) as InstanceType<M['Point']>;
  const shared = dep('shared');
  const when = new Date(Date.UTC(2024, 0, 2, 3, 4, 5));
  const base = tagged
    ? Object.assign(new m.Leaf(), { id: 'leaf-1', createdAt: when, note: 'from Middle', extra: 42 })
    : Object.assign(new m.Base(), { id: 'base-1', createdAt: when });
  const doc = Object.assign(new m.Doc(), {
    title: 'Dune',
    tags: ['sf', 'classic'],
    counts: new Map([
      ['pages', 412],
      ['-0', -0],
    ]),
    extra: { nested: [1, 'two', null, 3n] },
    origin: point(0, 0),
    path: [point(1, 2), point(3, 4)],
    base,
    main: shared,
    deps: [shared, dep('other', [shared])],
    lazy: p.PagableArc.new(dep('lazy', [shared]), storage),
    any: tagged ? Object.assign(new m.Square(), { side: 3 }) : undefined,
    shape: tagged ? Object.assign(new m.Circle(), { r: 1 }) : undefined,
    shapes: tagged ? [Object.assign(new m.Square(), { side: 2 }), Object.assign(new m.Circle(), { r: 2 })] : [],
  }) as InstanceType<M['Doc']>;
  return { doc, shared };
}

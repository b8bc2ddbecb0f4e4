import { rootClassId } from '../metadata/root-class-id.js';
import type { RootSchema } from '../metadata/schema.js';
import type { ArcHost } from './arc-host.js';
import { ArcInner } from './arc-inner.js';

/**
 * What every arc of one storage read as one class shares: the storage, the blob layout, and the
 * live inners of those arcs by key. A paged-out handle holds its kind and its key and nothing
 * else; the kind is where its pin finds (or registers) the one inner of that arc, so every handle
 * on a blob, however it was obtained, meets the same inner while the arc is alive.
 */
export class ArcKind {
  constructor(
    /** The storage the arcs page through. */
    readonly host: ArcHost,
    /** The blob layout; undefined only for arcs that have no key yet (inferred at page-out). */
    readonly root: RootSchema | undefined,
    /**
     * Inners of arcs with a key that are alive now (resident, loading or pinned), by compact key
     * id. Shared by every kind of one storage with the same class id. An inner leaves it when it
     * goes back to PagedOut: nothing here outlives the arcs that are in use.
     */
    readonly live: Map<string, ArcInner>,
  ) {}

  /** The live inner of blob `id`, or a new PagedOut one registered for it (a pin is about to load it). */
  open(id: string): ArcInner {
    let inner = this.live.get(id);
    if (inner === undefined) {
      inner = ArcInner.pagedOut(this, id);
      this.live.set(id, inner);
    }
    return inner;
  }
}

/** The kinds of one storage, one per layout, created as they are first needed. */
export class ArcKinds {
  readonly #byRoot = new WeakMap<RootSchema, ArcKind>();
  readonly #liveByClass = new Map<number, Map<string, ArcInner>>();
  readonly #unrooted: ArcKind;

  constructor(private readonly host: ArcHost) {
    this.#unrooted = new ArcKind(host, undefined, this.#liveOf(0));
  }

  #liveOf(classId: number): Map<string, ArcInner> {
    let m = this.#liveByClass.get(classId);
    if (m === undefined) this.#liveByClass.set(classId, (m = new Map()));
    return m;
  }

  /** The kind of arcs with layout `root` (undefined: arcs created from a value, layout not known yet). */
  of(root: RootSchema | undefined): ArcKind {
    if (root === undefined) return this.#unrooted;
    let k = this.#byRoot.get(root);
    if (k === undefined) this.#byRoot.set(root, (k = new ArcKind(this.host, root, this.#liveOf(rootClassId(root)))));
    return k;
  }
}

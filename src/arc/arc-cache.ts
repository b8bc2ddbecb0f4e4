/**
 * Per storage: `(class, key) -> object`, held weakly. The same blob paged in twice yields the same
 * object while that object is alive, and the cache never keeps anything alive by itself.
 *
 * One map per class id, blob key to a `WeakRef` of the object: a restored blob costs its `WeakRef`
 * and one map slot, nothing else (no entry object, no chain). A blob is nearly always read as one
 * class, and the page-in asks at most two ids per key (the tagged slot and its declared class), so
 * two lookups of a flat string whose hash is cached beat an entry object per restored blob. Keys
 * arrive as flat strings from blobs, so they hash as they are.
 *
 * Refs whose object was collected are dropped lazily: on a lookup that finds one, and by a sweep
 * each time the maps double past their size after the last sweep (amortised O(1) a ref).
 * No FinalizationRegistry: a registration costs ~72 bytes of heap per cached object for as long
 * as it lives, more than the dead refs a sweep leaves waiting at worst.
 */
export class ArcCache {
  readonly #byId = new Map<number, Map<string, WeakRef<object>>>();
  /** The map of the id asked last (nearly always the only one). */
  #lastId = NaN;
  #last: Map<string, WeakRef<object>> | undefined = undefined;
  #size = 0;
  #sweepAt = SWEEP_MIN;

  /**
   * The live object cached as `preferred` if `accept` takes it, else the one cached as `classId`:
   * both questions of a page-in about one key.
   */
  find<A>(key: string, preferred: number, accept: (obj: object, arg: A) => boolean, arg: A, classId: number): object | undefined {
    const p = this.#live(this.#byId.get(preferred), key);
    if (p !== undefined && accept(p, arg)) return p;
    return classId === preferred ? undefined : this.#live(this.#byId.get(classId), key);
  }

  /** Caches `obj` (replacing a dead or different one). */
  set(classId: number, key: string, obj: object): void {
    let m = this.#last;
    if (classId !== this.#lastId || m === undefined) {
      m = this.#byId.get(classId);
      if (m === undefined) this.#byId.set(classId, (m = new Map()));
      this.#lastId = classId;
      this.#last = m;
    }
    const before = m.size;
    m.set(key, new WeakRef(obj));
    if (m.size > before && ++this.#size >= this.#sweepAt) this.#sweep();
  }

  clear(): void {
    this.#byId.clear();
    this.#last = undefined;
    this.#lastId = NaN;
    this.#size = 0;
  }

  /** Keys and entries held, dead ones not yet dropped included: what the cache costs in memory. */
  held(): { keys: number; entries: number } {
    const keys = new Set<string>();
    let entries = 0;
    for (const m of this.#byId.values()) {
      entries += m.size;
      for (const k of m.keys()) keys.add(k);
    }
    return { keys: keys.size, entries };
  }

  /** The object `m` holds for `key`, or undefined (and the dead ref dropped) once collected. */
  #live(m: Map<string, WeakRef<object>> | undefined, key: string): object | undefined {
    const ref = m?.get(key);
    if (ref === undefined) return undefined;
    const v = ref.deref();
    if (v === undefined) {
      m!.delete(key);
      this.#size--;
    }
    return v;
  }

  /** Drops every dead ref. */
  #sweep(): void {
    let size = 0;
    for (const m of this.#byId.values()) {
      // forEach, not for-of: no [key, value] array per entry.
      m.forEach((ref, k) => {
        if (ref.deref() === undefined) m.delete(k);
      });
      size += m.size;
    }
    this.#size = size;
    this.#sweepAt = Math.max(SWEEP_MIN, 2 * size);
  }
}

/** Below this many refs the maps are never swept. */
const SWEEP_MIN = 1024;

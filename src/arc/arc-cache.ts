/**
 * Per storage: `(class, key) -> object`, held weakly. The same blob paged in twice yields the same
 * object while that object is alive, and the cache never keeps anything alive by itself.
 *
 * Entries whose object was collected are dropped lazily: on a lookup that finds one, and by a
 * sweep each time a class's map doubles past its size after the last sweep (amortised O(1) an
 * entry). No FinalizationRegistry: a registration costs ~72 bytes of heap per cached object for
 * as long as it lives, more than the dead entries (~70 bytes) a sweep leaves waiting at worst.
 *
 * Two levels (class id, then key) rather than one composite string: keys arrive as flat strings
 * from blobs, and a concatenated slot would be a fresh rope to hash on every lookup.
 */
export class ArcCache {
  readonly #byClass = new Map<number, ClassSlots>();

  #slots(classId: number): ClassSlots {
    let c = this.#byClass.get(classId);
    if (c === undefined) this.#byClass.set(classId, (c = new ClassSlots()));
    return c;
  }

  /** The live object cached for blob `key` read as class `classId` (0: plain data). */
  get(classId: number, key: string): object | undefined {
    return this.#byClass.get(classId)?.get(key);
  }

  /** Caches `obj` (replacing a dead or different entry). */
  set(classId: number, key: string, obj: object): void {
    this.#slots(classId).set(key, obj);
  }

  /** Entries, live or not yet cleaned. */
  get size(): number {
    let n = 0;
    for (const c of this.#byClass.values()) n += c.size;
    return n;
  }

  clear(): void {
    this.#byClass.clear();
  }
}

/** Below this many entries a class's map is never swept. */
const SWEEP_MIN = 1024;

class ClassSlots {
  readonly #map = new Map<string, WeakRef<object>>();
  #sweepAt = SWEEP_MIN;

  get(key: string): object | undefined {
    const ref = this.#map.get(key);
    if (ref === undefined) return undefined;
    const v = ref.deref();
    if (v === undefined) this.#map.delete(key);
    return v;
  }

  set(key: string, obj: object): void {
    const map = this.#map;
    map.set(key, new WeakRef(obj));
    if (map.size >= this.#sweepAt) {
      for (const [k, ref] of map) if (ref.deref() === undefined) map.delete(k);
      this.#sweepAt = Math.max(SWEEP_MIN, 2 * map.size);
    }
  }

  get size(): number {
    return this.#map.size;
  }
}

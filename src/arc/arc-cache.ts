/**
 * Per storage: `(class, key) -> object`, held weakly. The same blob paged in twice yields the same
 * object while that object is alive, and the cache never keeps anything alive by itself: entries
 * whose object was collected are removed by a FinalizationRegistry.
 */
export class ArcCache {
  readonly #map = new Map<string, WeakRef<object>>();
  readonly #registry = new FinalizationRegistry<string>((slot) => {
    const ref = this.#map.get(slot);
    if (ref !== undefined && ref.deref() === undefined) this.#map.delete(slot);
  });

  /** The live object cached under `slot`, if any. */
  get(slot: string): object | undefined {
    const ref = this.#map.get(slot);
    if (ref === undefined) return undefined;
    const v = ref.deref();
    if (v === undefined) this.#map.delete(slot);
    return v;
  }

  /** Caches `obj` under `slot` (replacing a dead or different entry). */
  set(slot: string, obj: object): void {
    this.#map.set(slot, new WeakRef(obj));
    this.#registry.register(obj, slot);
  }

  /** Entries, live or not yet cleaned. */
  get size(): number {
    return this.#map.size;
  }

  clear(): void {
    this.#map.clear();
  }
}

/** The cache slot of a decoded value of class id `classId` (0 for plain data). */
export function valueSlot(classId: number, key: string): string {
  return `${key}:${classId}`;
}

/** The cache slot of the shared inner of lazy arcs of class id `classId`. */
export function arcSlot(classId: number, key: string): string {
  return `${key}@${classId}`;
}

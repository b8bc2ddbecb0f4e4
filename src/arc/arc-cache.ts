/**
 * Per storage: `(class, key) -> object`, held weakly. The same blob paged in twice yields the same
 * object while that object is alive, and the cache never keeps anything alive by itself.
 *
 * One map keyed by blob key, each entry the head of a short chain of `(class id, object)`: a blob
 * is nearly always read as one class, so a page-in's questions about a key ("any live object of
 * it? one of this class?") cost one map lookup, not one per class id asked. Keys arrive as flat
 * strings from blobs, so they hash as they are (a composite "id:key" string would be a fresh rope
 * to flatten and hash on every lookup).
 *
 * Entries whose object was collected are dropped lazily: on a lookup that finds one, and by a
 * sweep each time the map doubles past its size after the last sweep (amortised O(1) an entry).
 * No FinalizationRegistry: a registration costs ~72 bytes of heap per cached object for as long
 * as it lives, more than the dead entries (~70 bytes) a sweep leaves waiting at worst.
 */
export class ArcCache {
  readonly #map = new Map<string, Entry>();
  #sweepAt = SWEEP_MIN;

  /**
   * The live object cached as `preferred` if `accept` takes it, else the one cached as `classId`:
   * both questions of a page-in about one key, with one lookup.
   */
  find<A>(key: string, preferred: number, accept: (obj: object, arg: A) => boolean, arg: A, classId: number): object | undefined {
    let exact: Entry | undefined;
    for (let e = this.#map.get(key); e !== undefined; e = e.next) {
      if (e.id === preferred) {
        const v = this.#live(key, e);
        if (v !== undefined && accept(v, arg)) return v;
      } else if (e.id === classId) {
        exact = e;
      }
    }
    return exact === undefined ? undefined : this.#live(key, exact);
  }

  /** Caches `obj` (replacing a dead or different entry). */
  set(classId: number, key: string, obj: object): void {
    const map = this.#map;
    const head = map.get(key);
    for (let e = head; e !== undefined; e = e.next) {
      if (e.id === classId) {
        e.ref = new WeakRef(obj);
        return;
      }
    }
    map.set(key, { id: classId, ref: new WeakRef(obj), next: head });
    if (map.size >= this.#sweepAt) {
      for (const [k, e] of map) this.#prune(k, e);
      this.#sweepAt = Math.max(SWEEP_MIN, 2 * map.size);
    }
  }

  clear(): void {
    this.#map.clear();
  }

  /** Keys and entries held, dead ones not yet dropped included: what the cache costs in memory. */
  held(): { keys: number; entries: number } {
    let entries = 0;
    for (const head of this.#map.values()) for (let e: Entry | undefined = head; e !== undefined; e = e.next) entries++;
    return { keys: this.#map.size, entries };
  }

  /** The object of `e`, or undefined (and the dead entry unlinked) once collected. */
  #live(key: string, e: Entry): object | undefined {
    const v = e.ref.deref();
    if (v === undefined) this.#prune(key, this.#map.get(key)!);
    return v;
  }

  /** Unlinks the dead entries of the chain `head` of `key`. */
  #prune(key: string, head: Entry): void {
    let first: Entry | undefined;
    let last: Entry | undefined;
    for (let e: Entry | undefined = head; e !== undefined; e = e.next) {
      if (e.ref.deref() === undefined) continue;
      if (last === undefined) first = e;
      else last.next = e;
      last = e;
    }
    if (last !== undefined) last.next = undefined;
    if (first === undefined) this.#map.delete(key);
    else if (first !== head) this.#map.set(key, first);
  }
}

/** Below this many keys the map is never swept. */
const SWEEP_MIN = 1024;

interface Entry {
  readonly id: number;
  ref: WeakRef<object>;
  next: Entry | undefined;
}

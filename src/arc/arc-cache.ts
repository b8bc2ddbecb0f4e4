/**
 * Per storage: `(class, key) -> object`, held weakly. The same blob paged in twice yields the same
 * object while that object is alive, and the cache never keeps anything alive by itself.
 *
 * Keyed by the key's 16 bytes, as the page-in reads them from its blobs (no hex string): an
 * open-addressing table (linear probing, the key's first four bytes as its hash: keys are BLAKE3
 * digests) whose entries are parallel arrays: the key's bytes in an arena, its class id, and a
 * `WeakRef` of the object. A restored blob costs its `WeakRef`, 16 bytes and two array slots: no
 * entry object, no string, no map. A blob is nearly always read as one class, and the page-in asks
 * at most two ids per key (the tagged slot and its declared class), which one probe sequence answers.
 *
 * Refs whose object was collected are dropped lazily: on a lookup that finds one (the entry stays,
 * empty, for a later `set` of the same key and class), and by a sweep each time the entries double
 * past their number after the last sweep (amortised O(1) a ref); the sweep compacts the arrays.
 * A sweep is skipped (the arrays just grow) while no garbage collection has run since the last
 * one: nothing can have been collected then, and a `deref` per entry is the costly part of a sweep
 * (a runtime call each, ~0.5-1 us). A `WeakRef` to a fresh object tells: it is cleared by the first
 * collection that runs after the job that made it (a long synchronous page-in grows the cache
 * without sweeping at all). Otherwise a sweep first reads a sample (SAMPLE entries, one at a
 * random place in each of SAMPLE equal stretches): when at most one in eight is dead, the arrays
 * just grow. A cache that grows while what it holds stays alive (a loaded graph whose lazy arcs
 * are pinned job after job) then reads SAMPLE entries a sweep instead of all of them (measured:
 * the sweeps were ~0.8 us of the ~8 us of a first pin of a small lazy arc); the dead it leaves
 * are about an eighth of the entries at most, until a later sample sees more. Random places, not
 * evenly spaced ones: a regular pattern of survivors (every 32nd entry) would otherwise always be
 * where the sample looks, and the dead would never be swept.
 * No FinalizationRegistry: a registration costs ~72 bytes of heap per cached object for as long
 * as it lives, more than the dead refs a sweep leaves waiting at worst.
 */
export class ArcCache {
  /** Entry e's key is keys[16 e, 16 e + 16), its class id ids[e], its object refs[e] (undefined: dropped). */
  #keys = new Uint8Array(16 * SWEEP_MIN);
  #ids = new Int32Array(SWEEP_MIN);
  #refs: Array<WeakRef<object> | undefined> = [];
  /** Per slot: entry + 1, or 0 when empty; at most half full until the next sweep. */
  #slots = new Int32Array(2 * SWEEP_MIN);
  #mask = 2 * SWEEP_MIN - 1;
  /** Entries in use (dropped ones included), and those holding a ref. */
  #count = 0;
  #held = 0;
  /** The entry count at which the next `set` sweeps (the arrays' capacity). */
  #sweepAt = SWEEP_MIN;
  /** Alive until a collection has run since the last sweep (see above). */
  #noGcSince: WeakRef<object> | undefined = undefined;
  /** The state of the sweep's sampling (xorshift32; any nonzero seed). */
  #rng = 0x9e3779b9 | 0;
  /** The entries matched by the last `#probe` (-1: none). */
  #pe = -1;
  #ce = -1;

  /**
   * The live object cached for key `bytes[at, at + 16)` as `preferred` if `accept` takes it, else
   * the one cached as `classId`: both questions of a page-in about one key.
   */
  find<A>(
    bytes: Uint8Array,
    at: number,
    preferred: number,
    accept: (obj: object, arg: A) => boolean,
    arg: A,
    classId: number,
  ): object | undefined {
    if (this.#held === 0) return undefined;
    this.#probe(bytes, at, preferred, classId);
    const ce = this.#ce;
    if (this.#pe >= 0) {
      const p = this.#live(this.#pe);
      if (p !== undefined && accept(p, arg)) return p;
    }
    return classId === preferred || ce < 0 ? undefined : this.#live(ce);
  }

  /** Caches `obj` for key `bytes[at, at + 16)` as `classId` (replacing a dead or different one). */
  set(classId: number, bytes: Uint8Array, at: number, obj: object): void {
    const slot = this.#probe(bytes, at, classId, classId);
    const e = this.#pe;
    if (e >= 0) {
      if (this.#refs[e] === undefined) this.#held++;
      this.#refs[e] = new WeakRef(obj);
      return;
    }
    const n = this.#count++;
    const keys = this.#keys;
    const o = 16 * n;
    for (let i = 0; i < 16; i++) keys[o + i] = bytes[at + i]!;
    this.#ids[n] = classId;
    this.#refs[n] = new WeakRef(obj);
    this.#slots[slot] = n + 1;
    this.#held++;
    if (this.#count >= this.#sweepAt) this.#sweep();
  }

  clear(): void {
    this.#noGcSince = undefined;
    this.#refs = [];
    this.#count = this.#held = 0;
    this.#resize(SWEEP_MIN);
  }

  /** Keys and entries held, dead ones not yet dropped included: what the cache costs in memory. */
  held(): { keys: number; entries: number } {
    const keys = new Set<string>();
    for (let e = 0; e < this.#count; e++) {
      if (this.#refs[e] !== undefined) keys.add(String.fromCharCode(...this.#keys.subarray(16 * e, 16 * e + 16)));
    }
    return { keys: keys.size, entries: this.#held };
  }

  /**
   * Walks the probe sequence of key `bytes[at, at + 16)`: sets `#pe` / `#ce` to its entries of class
   * ids `preferred` / `classId` (-1 where none), and returns the empty slot that ends the sequence.
   */
  #probe(bytes: Uint8Array, at: number, preferred: number, classId: number): number {
    const slots = this.#slots;
    const mask = this.#mask;
    const keys = this.#keys;
    const ids = this.#ids;
    let pe = -1;
    let ce = -1;
    let s = (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) & mask;
    for (;;) {
      const e1 = slots[s]!;
      if (e1 === 0) break;
      const o = 16 * (e1 - 1);
      let i = 0;
      while (i < 16 && keys[o + i] === bytes[at + i]) i++;
      if (i === 16) {
        const id = ids[e1 - 1]!;
        if (id === preferred) pe = e1 - 1;
        else if (id === classId) ce = e1 - 1;
      }
      s = (s + 1) & mask;
    }
    this.#pe = pe;
    this.#ce = ce;
    return s;
  }

  /** The object of entry `e`, or undefined (and the dead ref dropped) once collected. */
  #live(e: number): object | undefined {
    const ref = this.#refs[e];
    if (ref === undefined) return undefined;
    const v = ref.deref();
    if (v === undefined) {
      this.#refs[e] = undefined;
      this.#held--;
    }
    return v;
  }

  /** Drops every dropped or dead entry, compacting the arrays, and sizes them for the next sweep. */
  #sweep(): void {
    if (this.#noGcSince?.deref() !== undefined) {
      this.#resize(2 * this.#sweepAt);
      return;
    }
    this.#noGcSince = new WeakRef({});
    if (this.#mostlyAlive()) {
      this.#resize(2 * this.#sweepAt);
      return;
    }
    const keys = this.#keys;
    const ids = this.#ids;
    const refs = this.#refs;
    let n = 0;
    for (let e = 0; e < this.#count; e++) {
      const ref = refs[e];
      if (ref === undefined || ref.deref() === undefined) continue;
      if (n !== e) {
        keys.copyWithin(16 * n, 16 * e, 16 * e + 16);
        ids[n] = ids[e]!;
        refs[n] = ref;
      }
      n++;
    }
    refs.length = n;
    this.#count = this.#held = n;
    let cap = SWEEP_MIN;
    while (cap < 2 * n) cap *= 2;
    this.#resize(cap);
  }

  /** True when at most SAMPLE / 8 of a stratified random sample of the entries are dropped or dead. */
  #mostlyAlive(): boolean {
    const refs = this.#refs;
    const stretch = this.#count / SAMPLE;
    let dead = 0;
    for (let i = 0; i < SAMPLE; i++) {
      // xorshift32: a fresh place in each stretch; no need for Math.random's quality.
      let r = this.#rng;
      r ^= r << 13;
      r ^= r >>> 17;
      r ^= r << 5;
      this.#rng = r;
      const ref = refs[Math.floor((i + (r >>> 0) / 0x100000000) * stretch)];
      if ((ref === undefined || ref.deref() === undefined) && ++dead > SAMPLE / 8) return false;
    }
    return true;
  }

  /** Arrays for up to `cap` entries (a power of two) (the first `#count` kept) and a table rebuilt for them. */
  #resize(cap: number): void {
    const n = this.#count;
    if (cap !== this.#sweepAt) {
      const keys = new Uint8Array(16 * cap);
      keys.set(this.#keys.subarray(0, 16 * n));
      const ids = new Int32Array(cap);
      ids.set(this.#ids.subarray(0, n));
      this.#keys = keys;
      this.#ids = ids;
      this.#slots = new Int32Array(2 * cap);
      this.#mask = 2 * cap - 1;
      this.#sweepAt = cap;
    } else {
      this.#slots.fill(0);
    }
    const slots = this.#slots;
    const mask = this.#mask;
    const keys = this.#keys;
    for (let e = 0; e < n; e++) {
      const o = 16 * e;
      let s = (keys[o]! | (keys[o + 1]! << 8) | (keys[o + 2]! << 16) | (keys[o + 3]! << 24)) & mask;
      while (slots[s] !== 0) s = (s + 1) & mask;
      slots[s] = e + 1;
    }
  }
}

/** Below this many entries the cache is never swept (and its arrays never shrink below it). */
const SWEEP_MIN = 1024;
/** Entries a sweep reads first, to tell whether a full sweep would drop enough to be worth it. */
const SAMPLE = 64;

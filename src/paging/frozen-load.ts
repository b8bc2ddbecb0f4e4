import { deepFreeze } from '../arc/freeze.js';
import type { FrozenKeys } from '../arc/frozen-keys.js';
import { isPagableArc, isPinnedPagableArc } from '../arc/handles.js';
import type { DataKey } from '../keys/data.js';

/**
 * A page-in's part in re-save without re-work (arc/frozen-keys.ts), on storages with `freeze: true`:
 * once a run has linked its objects, freezes each blob's value and records the key of every object
 * whose whole blob subgraph is immutable and would be written again as it was read: its blob held
 * every class exactly as this process writes it (no conversion or default: a re-save then writes
 * the new layout), nothing it reaches is a typed array, and each child is an arc (lazy), an
 * immutable blob of this run, or an object recorded before.
 */
export class FrozenLoad {
  private readonly keys: DataKey[] = [];
  private readonly values: object[] = [];
  private readonly children: Array<readonly DataKey[]> = [];
  private readonly exact: boolean[] = [];
  /** Keys met in @Lazy fields: arcs, whose content cannot change under their key. */
  private readonly lazies = new Set<DataKey>();

  constructor(readonly frozenKeys: FrozenKeys) {}

  /** A blob of the run was decoded into `value`; `children` are its child keys (its schema set last). */
  decoded(key: DataKey, value: object, children: readonly DataKey[], exact: boolean): void {
    this.keys.push(key);
    this.values.push(value);
    this.children.push(children);
    this.exact.push(exact);
  }

  lazy(key: DataKey): void {
    this.lazies.add(key);
  }

  /** Freezes the run's values and records the keys of the immutable ones; `found` gives an object the run took from earlier page-ins. */
  finish(found: (key: DataKey) => unknown): void {
    const n = this.keys.length;
    const own = new Set<object>(this.values);
    const index = new Map<DataKey, number>();
    // A key decoded twice (an untagged blob read as two classes) is two objects: neither is recorded.
    const twice = new Set<DataKey>();
    for (let i = 0; i < n; i++) {
      if (index.has(this.keys[i]!)) twice.add(this.keys[i]!);
      index.set(this.keys[i]!, i);
    }
    const stop = (o: object): boolean => own.has(o) || isPagableArc(o) || isPinnedPagableArc(o) || this.frozenKeys.keyOf(o) !== undefined;
    const base = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const immutable = deepFreeze(this.values[i], stop);
      base[i] = immutable && this.exact[i]! && !twice.has(this.keys[i]!) ? 1 : 0;
    }
    // Post-order over the run's blobs (children first), iteratively: a graph may be deep.
    const state = new Uint8Array(n); // 0 new, 1 entered, 2 decided
    const ok = new Uint8Array(n);
    const stack: number[] = [];
    const childOk = (c: DataKey): boolean => {
      const j = index.get(c);
      if (j !== undefined) return state[j] === 2 && ok[j] === 1;
      if (this.lazies.has(c)) return true;
      const v = found(c);
      return typeof v === 'object' && v !== null && this.frozenKeys.keyOf(v) === c;
    };
    for (let s = 0; s < n; s++) {
      if (state[s] !== 0) continue;
      stack.push(s);
      while (stack.length > 0) {
        const i = stack[stack.length - 1]!;
        const cs = this.children[i]!;
        if (state[i] === 0) {
          state[i] = 1;
          for (let c = 0; c < cs.length - 1; c++) {
            const j = index.get(cs[c]!);
            if (j !== undefined && state[j] === 0) stack.push(j);
          }
          continue;
        }
        stack.pop();
        if (state[i] === 2) continue;
        let good = base[i] === 1;
        for (let c = 0; good && c < cs.length - 1; c++) good = childOk(cs[c]!);
        ok[i] = good ? 1 : 0;
        state[i] = 2;
      }
    }
    for (let i = 0; i < n; i++) if (ok[i] === 1) this.frozenKeys.record(this.values[i]!, this.keys[i]!);
    // The run is kept once finished (v8-workarounds.ts): it must not hold what it loaded.
    this.keys.length = this.values.length = this.children.length = this.exact.length = 0;
    this.lazies.clear();
  }
}

import { deepFreeze } from '../arc/freeze.js';
import type { FrozenKeys } from '../arc/frozen-keys.js';
import type { DataKey } from '../keys/data.js';

/**
 * A page-out's part in re-save without re-work (arc/frozen-keys.ts), on storages with `freeze: true`:
 * freezes each object it stores as a blob of its own once encoded (the value is then what the blob
 * holds, for good), tells whether the blob's whole subgraph is immutable (its own values, and every
 * child: a recorded object, an arc, or a blob of this run found immutable), and records such objects'
 * keys once the batch is stored.
 */
export class FrozenReuse {
  /** Per key index of the run: 1 when what the key names cannot change (so a parent may be reused). */
  private immutable = new Uint8Array(256);
  /** Per open record: 1 once one of its children is not known immutable. */
  private readonly tainted: number[] = [];
  /** Objects to record once the batch is stored, with their key indexes. */
  private readonly objects: object[] = [];
  private readonly at: number[] = [];

  constructor(readonly keys: FrozenKeys) {}

  /** Key index `k` names `immutable` content (a reused key: an arc's, or a recorded object's). */
  known(k: number, immutable: boolean): void {
    if (k >= this.immutable.length) {
      const a = new Uint8Array(Math.max(2 * this.immutable.length, k + 1));
      a.set(this.immutable);
      this.immutable = a;
    }
    this.immutable[k] = immutable ? 1 : 0;
  }

  opened(r: number): void {
    this.tainted[r] = 0;
  }

  /** Record `r` refers to key index `k`. */
  gave(k: number, r: number): void {
    if (this.immutable[k] !== 1) this.tainted[r] = 1;
  }

  /**
   * Record `r` got key index `k`: `value` is the object it encoded (undefined for an arc's blob, frozen
   * by the arc itself), `stop` tells the objects that are other blobs (frozen by their own record).
   */
  finished(r: number, k: number, value: object | undefined, stop: (o: object) => boolean): void {
    if (value === undefined) return this.known(k, true);
    const ok = deepFreeze(value, stop) && this.tainted[r] === 0;
    this.known(k, ok);
    if (ok) {
      this.objects.push(value);
      this.at.push(k);
    }
  }

  /** Records the run's immutable objects under their keys (the batch is stored). */
  commit(keyAt: (k: number) => DataKey): void {
    for (let i = 0; i < this.objects.length; i++) this.keys.record(this.objects[i]!, keyAt(this.at[i]!));
    this.release();
  }

  release(): void {
    this.objects.length = 0;
    this.at.length = 0;
    this.tainted.length = 0;
  }
}

import type { DataKey, PagableData } from '../keys/data.js';
import { allOf, andThen } from './await.js';
import type { Await, BlobEntry, BlobStore, RootEntry } from './interface.js';

/**
 * A near store (memory, LMDB) in front of a far one (Redis), as build caches put a disk cache
 * before a remote one: reads try near first and fill it from far; writes go through to both (far
 * is the truth: what far did decides "written"); `has` asks near first; roots, keys and gc live
 * in far. Deleting deletes from both. Blobs are immutable, so the near copy is never stale.
 *
 * Synchronous reads (`getSync`, hence `pinSync()`) only when both tiers have them.
 */
export class TieredBlobStore implements BlobStore {
  readonly name: string;
  readonly getSync?: (key: DataKey) => PagableData | undefined;

  /**
   * @param near the fast, local tier: read first, filled from `far`.
   * @param far the shared tier and the truth: roots, keys and gc live there.
   */
  constructor(
    readonly near: BlobStore,
    readonly far: BlobStore,
  ) {
    this.name = `${near.name} in front of ${far.name}`;
    if (near.getSync !== undefined && far.getSync !== undefined) {
      const nearGet = near.getSync.bind(near);
      const farGet = far.getSync.bind(far);
      this.getSync = (key) => {
        const hit = nearGet(key);
        if (hit !== undefined) return hit;
        const blob = farGet(key);
        // A failed fill only costs a later far read; the blob itself is good.
        if (blob !== undefined) void Promise.resolve(near.putMany([{ key, data: blob }])).catch(() => undefined);
        return blob;
      };
    }
  }

  putMany(entries: readonly BlobEntry[]): Await<boolean[]> {
    const far = this.far.putMany(entries);
    const near = this.near.putMany(entries);
    return andThen(allOf<unknown>([far, near]), () => far);
  }

  getMany(keys: readonly DataKey[]): Await<Array<PagableData | undefined>> {
    return andThen(this.near.getMany(keys), (got) => {
      const missing: number[] = [];
      for (let i = 0; i < got.length; i++) if (got[i] === undefined) missing.push(i);
      if (missing.length === 0) return got;
      return andThen(this.far.getMany(missing.map((i) => keys[i]!)), (far) => {
        const fill: BlobEntry[] = [];
        for (let j = 0; j < missing.length; j++) {
          const blob = far[j];
          got[missing[j]!] = blob;
          if (blob !== undefined) fill.push({ key: keys[missing[j]!]!, data: blob });
        }
        return fill.length === 0 ? got : andThen(this.near.putMany(fill), () => got);
      });
    });
  }

  hasMany(keys: readonly DataKey[]): Await<boolean[]> {
    return andThen(this.near.hasMany(keys), (near) => {
      const ask = keys.filter((_, i) => !near[i]);
      if (ask.length === 0) return near;
      return andThen(this.far.hasMany(ask), (far) => {
        let j = 0;
        return near.map((n) => n || far[j++]!);
      });
    });
  }

  keys(): AsyncIterable<DataKey> | Iterable<DataKey> {
    return this.far.keys();
  }

  deleteMany(keys: readonly DataKey[]): Await<number> {
    const far = this.far.deleteMany(keys);
    return andThen(allOf<number>([far, this.near.deleteMany(keys)]), ([f]) => f!);
  }

  getRoot(name: string): Await<DataKey | undefined> {
    return this.far.getRoot(name);
  }

  setRoot(name: string, key: DataKey): Await<boolean> {
    return this.far.setRoot(name, key);
  }

  deleteRoot(name: string): Await<boolean> {
    return this.far.deleteRoot(name);
  }

  listRoots(): Await<RootEntry[]> {
    return this.far.listRoots();
  }

  get sweeps(): BlobStore['sweeps'] {
    return this.far.sweeps;
  }

  flush(): Await<void> {
    return andThen(allOf<void>([this.far.flush(), this.near.flush()]), () => undefined);
  }

  close(): Await<void> {
    return andThen(allOf<void>([this.far.close(), this.near.close()]), () => undefined);
  }
}

/** `new TieredBlobStore(near, far)`: see there. */
export function tiered(near: BlobStore, far: BlobStore): TieredBlobStore {
  return new TieredBlobStore(near, far);
}

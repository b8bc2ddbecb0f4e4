import { type BlobStore, delegating } from '../../src/index.js';

/** Switches that make a wrapped store fail, for tests of what the runtime does about it. */
export interface Faults {
  /** putMany throws (or rejects, when the store is asynchronous). */
  writes: boolean;
  /** getMany / getSync throw. */
  reads: boolean;
  /** Each call fails with this probability (0..1), drawn from `random`. */
  rate: number;
  random: () => number;
}

/** `store`, failing as `faults` says at the moment of each call. */
export function faulty(store: BlobStore, faults: Partial<Faults> = {}): { store: BlobStore; faults: Faults } {
  const f: Faults = { writes: false, reads: false, rate: 0, random: Math.random, ...faults };
  const fail = (what: string, forced: boolean): void => {
    if (forced || (f.rate > 0 && f.random() < f.rate)) throw new Error(`injected ${what} failure`);
  };
  const getSync = store.getSync;
  const putManySync = store.putManySync;
  const wrapped = delegating(store, {
    name: `faulty ${store.name}`,
    putMany: (e) => {
      fail('write', f.writes);
      return store.putMany(e);
    },
    ...(putManySync === undefined
      ? {}
      : {
          putManySync: (e: Parameters<typeof putManySync>[0]) => {
            fail('write', f.writes);
            return putManySync.call(store, e);
          },
        }),
    getMany: (k) => {
      fail('read', f.reads);
      return store.getMany(k);
    },
    ...(getSync === undefined
      ? {}
      : {
          getSync: (k: string) => {
            fail('read', f.reads);
            return getSync.call(store, k);
          },
        }),
  });
  return { store: wrapped, faults: f };
}

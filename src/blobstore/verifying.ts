import { PagableError } from '../error.js';
import { computeKey } from '../keys/compute-key.js';
import type { DataKey, PagableData } from '../keys/data.js';
import { andThen } from './await.js';
import { delegating } from './delegating.js';
import type { BlobStore } from './interface.js';

/** Re-keys one blob read from `store` under `key`; CORRUPT (naming both keys and the store) on a mismatch. */
export function checkBlob(store: BlobStore, key: DataKey, blob: PagableData | undefined): PagableData | undefined {
  if (blob === undefined) return undefined;
  let actual: DataKey;
  try {
    actual = computeKey(blob);
  } catch (e) {
    throw new PagableError('CORRUPT', `blob ${key} is corrupt in ${store.name}: ${e instanceof Error ? e.message : String(e)}`, {
      cause: e,
    });
  }
  if (actual !== key) throw new PagableError('CORRUPT', `blob ${key} is corrupt in ${store.name}: its content hashes to ${actual}`);
  return blob;
}

/**
 * A store whose every read is re-keyed with computeKey: a flipped bit on disk, or a value
 * overwritten in a shared server, becomes CORRUPT naming the key, never a silently wrong object.
 * Writes and everything else pass through. (~2 us per 100-byte blob; LMDB and Redis storages
 * wrap their store in it unless `verify: false`.)
 */
export function verifying(store: BlobStore): BlobStore {
  const getSync = store.getSync;
  const viewSync = store.viewSync;
  return delegating(store, {
    getMany: (keys) => andThen(store.getMany(keys), (blobs) => blobs.map((b, i) => checkBlob(store, keys[i]!, b))),
    ...(getSync === undefined ? {} : { getSync: (key: DataKey) => checkBlob(store, key, getSync.call(store, key)) }),
    ...(viewSync === undefined ? {} : { viewSync: (key: DataKey) => checkBlob(store, key, viewSync.call(store, key)) }),
  });
}

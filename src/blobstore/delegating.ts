import { type ByteStore, type ByteView, byteStoreOf, byteViewOf } from './byte-store.js';
import type { BlobStore } from './interface.js';

/**
 * A store that forwards every call to `store` (bound, so backends with #private state work),
 * except what `overrides` replaces; an override set to undefined removes an optional member
 * (`getSync`, `putManySync`, `count`, `sweeps`). The base of the wrappers (verifying, a store without its count).
 * `viewSync` is not forwarded where a read (`getSync`, `getMany`) is replaced, nor `putManySync`
 * where `putMany` is: a wrapper that changes reads or writes (verifies, counts, fails) would be
 * bypassed by them, so it offers them only by overriding them itself.
 */
export function delegating(store: BlobStore, overrides: { [K in keyof BlobStore]?: BlobStore[K] | undefined }): BlobStore {
  const forward: BlobStore = {
    name: store.name,
    putMany: (entries) => store.putMany(entries),
    getMany: (keys) => store.getMany(keys),
    hasMany: (keys) => store.hasMany(keys),
    keys: () => store.keys(),
    deleteMany: (keys) => store.deleteMany(keys),
    getRoot: (name) => store.getRoot(name),
    setRoot: (name, key) => store.setRoot(name, key),
    deleteRoot: (name) => store.deleteRoot(name),
    listRoots: () => store.listRoots(),
    flush: () => store.flush(),
    close: () => store.close(),
  };
  const getSync = store.getSync;
  if (getSync !== undefined) forward.getSync = (key) => getSync.call(store, key);
  const viewSync = store.viewSync;
  if (viewSync !== undefined && !('getSync' in overrides) && !('getMany' in overrides) && !('viewSync' in overrides)) {
    forward.viewSync = (key) => viewSync.call(store, key);
    const view = byteViewOf(store);
    if (view !== undefined) (forward as BlobStore & ByteView).viewAt = (bytes, at) => view.viewAt(bytes, at);
  }
  const putManySync = store.putManySync;
  // A wrapper that replaces putMany would be bypassed by the store's own synchronous write, or by its byte writes.
  if (putManySync !== undefined && !('putMany' in overrides)) forward.putManySync = (entries) => putManySync.call(store, entries);
  const bytes = byteStoreOf(store);
  if (bytes !== undefined && !('putMany' in overrides)) {
    (forward as BlobStore & ByteStore).putBatch = (batch, sync) => bytes.putBatch(batch, sync);
  }
  const count = store.count;
  if (count !== undefined) forward.count = () => count.call(store);
  if (store.sweeps !== undefined) Object.assign(forward, { sweeps: store.sweeps });
  for (const [k, v] of Object.entries(overrides)) {
    if (v === undefined) delete (forward as unknown as Record<string, unknown>)[k];
    else (forward as unknown as Record<string, unknown>)[k] = v;
  }
  return forward;
}

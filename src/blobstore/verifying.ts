import { PagableError } from '../error.js';
import { computeKey } from '../keys/compute-key.js';
import { type DataKey, type PagableData, keyFromBytes } from '../keys/data.js';
import { FRAME_HEAD, frameKey } from '../keys/blob-batch.js';
import { CHUNK_BYTES } from '../keys/blake3-chunk.js';
import { RecordBlob } from '../keys/record-blob.js';
import { type ByteView, byteViewOf } from './byte-store.js';
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

const ACTUAL = new Uint8Array(16);
/** The last slab a frame was re-keyed in, viewed as 32-bit words (blobs read in a row share a slab). */
let wordsOf: Uint8Array | undefined;
let words: Int32Array | undefined;

/**
 * checkBlob of a blob read by its key's bytes `bytes[at, at + 16)`: a blob that lies as its frame
 * is re-keyed where it lies and compared as bytes (no copy, no key string); others as checkBlob.
 */
export function checkBlobAt(store: BlobStore, bytes: Uint8Array, at: number, blob: PagableData | undefined): PagableData | undefined {
  if (!(blob instanceof RecordBlob) || blob.frameAt < 0)
    return blob === undefined ? undefined : checkBlob(store, keyFromBytes(bytes, at), blob);
  const slab = blob.keyBytes;
  // Word reads serve frames hashed as one chunk (those of a shared slab): no view of a large record is kept.
  if (slab !== wordsOf && FRAME_HEAD + blob.dataLength + 16 * blob.children <= CHUNK_BYTES) {
    wordsOf = slab;
    words = new Int32Array(slab.buffer, slab.byteOffset, slab.length >>> 2);
  }
  frameKey(slab, blob.frameAt, blob.dataLength, blob.children, ACTUAL, 0, slab === wordsOf ? words : undefined);
  for (let i = 0; i < 16; i++) {
    if (ACTUAL[i] !== bytes[at + i])
      throw new PagableError(
        'CORRUPT',
        `blob ${keyFromBytes(bytes, at)} is corrupt in ${store.name}: its content hashes to ${keyFromBytes(ACTUAL)}`,
      );
  }
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
  const wrapped = delegating(store, {
    getMany: (keys) => andThen(store.getMany(keys), (blobs) => blobs.map((b, i) => checkBlob(store, keys[i]!, b))),
    ...(getSync === undefined ? {} : { getSync: (key: DataKey) => checkBlob(store, key, getSync.call(store, key)) }),
    ...(viewSync === undefined ? {} : { viewSync: (key: DataKey) => checkBlob(store, key, viewSync.call(store, key)) }),
  });
  const view = viewSync === undefined ? undefined : byteViewOf(store);
  if (view !== undefined) (wrapped as BlobStore & ByteView).viewAt = (bytes, at) => checkBlobAt(store, bytes, at, view.viewAt(bytes, at));
  return wrapped;
}

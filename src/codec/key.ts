import { blake3_128 } from './hash.js';
import { type DataKey, type PagableData, isDataKey, keyFromBytes, writeKeyBytes } from './data.js';
import { PagableError } from '../error.js';

/**
 * The content address of a blob, byte for byte the Rust crate's `DataKey::compute`: the first 16
 * bytes of BLAKE3 over the child count (u64 little-endian), the body, then each child key's 16
 * bytes. Children are part of the name, so two blobs with equal bodies but different children
 * never collide.
 */
export function computeKey(data: PagableData): DataKey {
  const { arcs } = data;
  const n = arcs.length;
  // One buffer for the count header and the child keys: bodies are hashed in place, never copied.
  const head = new Uint8Array(8);
  new DataView(head.buffer).setBigUint64(0, BigInt(n), true);
  let parts: Uint8Array[];
  if (n === 0) {
    parts = [head, data.data];
  } else {
    const tail = new Uint8Array(16 * n);
    for (let i = 0; i < n; i++) {
      const k = arcs[i]!;
      if (!isDataKey(k)) throw new PagableError('CORRUPT', `computeKey: child ${i} is not a 32-char lowercase hex key: ${String(k)}`);
      writeKeyBytes(k, tail, i * 16);
    }
    parts = [head, data.data, tail];
  }
  const digest = blake3_128(parts);
  // The Rust crate keeps the first 8 bytes non-zero (they back a NonZeroU64 niche); match it exactly.
  if (digest[0] === 0 && digest[1] === 0 && digest[2] === 0 && digest[3] === 0 &&
      digest[4] === 0 && digest[5] === 0 && digest[6] === 0 && digest[7] === 0) {
    digest[0] = 1;
  }
  return keyFromBytes(digest);
}

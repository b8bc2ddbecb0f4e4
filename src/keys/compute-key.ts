import { blake3_128 } from './blake3.js';
import { type DataKey, type PagableData, keyFromBytes, writeKeyBytes } from './data.js';
import { PagableError } from '../error.js';

/*
 * Scratch space for the count header and the child keys, reused across calls: computeKey runs
 * once per blob on the page-out hot path, and the hash consumes the bytes before returning.
 */
const HEAD = new Uint8Array(8);
let tail = new Uint8Array(16 * 64);
const PARTS0: Uint8Array[] = [HEAD, HEAD];
const PARTS: Uint8Array[] = [HEAD, HEAD, HEAD];

/**
 * The content address of a blob, byte for byte the Rust crate's `DataKey::compute`: the first 16
 * bytes of BLAKE3 over the child count (u64 little-endian), the body, then each child key's 16
 * bytes. Children are part of the name, so two blobs with equal bodies but different children
 * never collide.
 */
export function computeKey(data: PagableData): DataKey {
  const { arcs } = data;
  const n = arcs.length;
  // u64 LE of n; counts above 2^32 cannot occur (arrays are shorter).
  HEAD[0] = n & 0xff;
  HEAD[1] = (n >>> 8) & 0xff;
  HEAD[2] = (n >>> 16) & 0xff;
  HEAD[3] = (n >>> 24) & 0xff;
  let parts: Uint8Array[];
  if (n === 0) {
    PARTS0[1] = data.data;
    parts = PARTS0;
  } else {
    if (tail.length < 16 * n) tail = new Uint8Array(16 * n * 2);
    for (let i = 0; i < n; i++) {
      if (!writeKeyBytes(arcs[i]!, tail, i * 16)) {
        throw new PagableError('CORRUPT', `computeKey: child ${i} is not a 32-char lowercase hex key: ${String(arcs[i])}`);
      }
    }
    PARTS[1] = data.data;
    PARTS[2] = tail.subarray(0, 16 * n);
    parts = PARTS;
  }
  const digest = blake3_128(parts);
  // The Rust crate keeps the first 8 bytes non-zero (they back a NonZeroU64 niche); match it exactly.
  if (
    digest[0] === 0 &&
    digest[1] === 0 &&
    digest[2] === 0 &&
    digest[3] === 0 &&
    digest[4] === 0 &&
    digest[5] === 0 &&
    digest[6] === 0 &&
    digest[7] === 0
  ) {
    digest[0] = 1;
  }
  return keyFromBytes(digest);
}

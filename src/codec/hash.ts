import { blake3 } from '@noble/hashes/blake3.js';

/** Reference BLAKE3-128 (noble). Placeholder until the fast path lands. */
export function blake3_128_reference(parts: readonly Uint8Array[]): Uint8Array {
  const h = blake3.create({ dkLen: 16 });
  for (const p of parts) h.update(p);
  return h.digest();
}

export const blake3_128 = blake3_128_reference;

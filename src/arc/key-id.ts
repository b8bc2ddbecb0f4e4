import { type DataKey, keyFromBytes, writeKeyBytes } from '../keys/data.js';

/*
 * The compact form of a DataKey that paged-out handles hold: its 16 bytes as a 16-character
 * one-byte string (32 bytes of heap, against 48 for the 32-character hex form). A string, not a
 * Uint8Array (~100 bytes with its buffer), so it is a Map key as it is: V8 hashes it once and keeps
 * the hash in the string.
 */

const BYTES = new Uint8Array(16);
const CODES = new Array<number>(16);

/** The compact id of `key` (a well-formed DataKey; anything else is a programming error). */
export function keyId(key: DataKey): string {
  if (!writeKeyBytes(key, BYTES)) throw new TypeError(`not a DataKey: ${String(key)}`);
  for (let i = 0; i < 16; i++) CODES[i] = BYTES[i]!;
  // One call with every code: a flat string (a `+=` loop would build a rope to flatten on each lookup).
  return String.fromCharCode.apply(null, CODES);
}

/** The compact id of the key whose 16 bytes are `bytes[at, at + 16)` (no hex string made). */
export function keyIdAt(bytes: Uint8Array, at: number): string {
  for (let i = 0; i < 16; i++) CODES[i] = bytes[at + i]!;
  return String.fromCharCode.apply(null, CODES);
}

/** Writes the 16 bytes of compact id `id` to `out[at, at + 16)` (no hex string made). */
export function writeIdBytes(id: string, out: Uint8Array, at = 0): void {
  for (let i = 0; i < 16; i++) out[at + i] = id.charCodeAt(i);
}

/** The DataKey of a compact id. */
export function keyOfId(id: string): DataKey {
  for (let i = 0; i < 16; i++) BYTES[i] = id.charCodeAt(i);
  return keyFromBytes(BYTES);
}

import { hexSlice } from '../text/native-slices.js';

/** 128-bit content address of a blob: 32 lowercase hex characters. */
export type DataKey = string;

/**
 * One stored blob: the msgpackr-encoded body and the keys of its child blobs, in the order the
 * body's arc placeholders refer to them.
 */
export interface PagableData {
  /** The encoded body (msgpack). */
  data: Uint8Array;
  /** The keys of the child blobs, one per arc placeholder in `data`, in order. */
  arcs: DataKey[];
}

const KEY_RE = /^[0-9a-f]{32}$/;

/** True for a well-formed DataKey (32 lowercase hex chars). */
export function isDataKey(k: unknown): k is DataKey {
  return typeof k === 'string' && k.length === 32 && KEY_RE.test(k);
}

/**
 * The 16 bytes of `bytes` starting at `offset`, as a DataKey: Node's own hex encoder
 * (text/native-slices.ts), one native call returning a flat string. A string grown by `+=` would
 * be a rope that every Map lookup must flatten again (0.6 us vs 0.08 us a lookup).
 */
export function keyFromBytes(bytes: Uint8Array, offset = 0): DataKey {
  return hexSlice.call(bytes, offset, offset + 16);
}

/** Nibble value of each hex char code ('0'-'9', 'a'-'f'); 255 elsewhere. */
const NIBBLE = new Uint8Array(128).fill(255);
for (let i = 0; i < 10; i++) NIBBLE[48 + i] = i;
for (let i = 0; i < 6; i++) NIBBLE[97 + i] = 10 + i;

/** Writes the 16 bytes of `key` into `out` at `offset`; false if `key` is not a well-formed key. */
export function writeKeyBytes(key: DataKey, out: Uint8Array, offset = 0): boolean {
  if (typeof key !== 'string' || key.length !== 32) return false;
  for (let i = 0; i < 16; i++) {
    const hi = NIBBLE[key.charCodeAt(2 * i) & 127]!;
    const lo = NIBBLE[key.charCodeAt(2 * i + 1) & 127]!;
    // A char code above 127 maps into the table too, so check the code itself as well.
    if ((hi | lo) > 15 || key.charCodeAt(2 * i) > 127 || key.charCodeAt(2 * i + 1) > 127) return false;
    out[offset + i] = (hi << 4) | lo;
  }
  return true;
}

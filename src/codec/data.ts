/** 128-bit content address of a blob: 32 lowercase hex characters. */
export type DataKey = string;

/**
 * One stored blob: the msgpackr-encoded body and the keys of its child blobs, in the order the
 * body's arc placeholders refer to them.
 */
export interface PagableData {
  data: Uint8Array;
  arcs: DataKey[];
}

const KEY_RE = /^[0-9a-f]{32}$/;

/** True for a well-formed DataKey (32 lowercase hex chars). */
export function isDataKey(k: unknown): k is DataKey {
  return typeof k === 'string' && k.length === 32 && KEY_RE.test(k);
}

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** The 16 bytes of `bytes` starting at `offset`, as a DataKey. */
export function keyFromBytes(bytes: Uint8Array, offset = 0): DataKey {
  let s = '';
  for (let i = offset; i < offset + 16; i++) s += HEX[bytes[i]!];
  return s;
}

/** Writes the 16 bytes of `key` into `out` at `offset` (the key must be well formed). */
export function writeKeyBytes(key: DataKey, out: Uint8Array, offset = 0): void {
  for (let i = 0; i < 16; i++) out[offset + i] = parseInt(key.substr(i * 2, 2), 16);
}

/** The 16 bytes of a DataKey. */
export function keyToBytes(key: DataKey): Uint8Array {
  const out = new Uint8Array(16);
  writeKeyBytes(key, out);
  return out;
}

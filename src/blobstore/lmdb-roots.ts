import { type DataKey, isDataKey } from '../keys/data.js';
import { blake3_128 } from '../keys/blake3.js';
import { PagableError } from '../error.js';
import type { RootEntry } from './interface.js';

/*
 * How a named root is laid out in an LMDB store's `roots` database:
 *   key    the name's UTF-8, or (names over 1024 UTF-8 bytes: LMDB refuses keys over 1978 bytes)
 *          0xff + BLAKE3-128 of it; UTF-8 never holds 0xff, so the two never meet
 *   value  the 16 key bytes, then the name's UTF-8 (so listing needs no reverse of the hash)
 */

const ROOT_KEY_DIRECT_MAX = 1024;
const utf8 = new TextEncoder();
const utf8Strict = new TextDecoder('utf-8', { fatal: true });

/** The roots db key of a name. */
export function rootDbKey(name: string): Buffer {
  const b = utf8.encode(name);
  if (b.length <= ROOT_KEY_DIRECT_MAX) return Buffer.from(b.buffer, b.byteOffset, b.length);
  const out = Buffer.alloc(17);
  out[0] = 0xff;
  out.set(blake3_128([b]), 1);
  return out;
}

/** The roots db value naming `key` as root `name`. */
export function encodeRootRecord(name: string, key: Uint8Array): Uint8Array {
  const nameBytes = utf8.encode(name);
  const value = new Uint8Array(16 + nameBytes.length);
  value.set(key, 0);
  value.set(nameBytes, 16);
  return value;
}

/** Decodes a roots db value; CORRUPT naming `where` (the store) when malformed. */
export function decodeRootRecord(v: Uint8Array, where: string): RootEntry {
  let name: string;
  try {
    if (v.length < 16) throw new Error(`${v.length} bytes`);
    name = utf8Strict.decode(v.subarray(16));
  } catch (e) {
    throw new PagableError('CORRUPT', `a root record in ${where} is malformed`, { cause: e });
  }
  const key: DataKey = Buffer.from(v.buffer, v.byteOffset, 16).toString('hex');
  if (!isDataKey(key)) throw new PagableError('CORRUPT', `root "${name}" in ${where} is malformed`);
  return { name, key };
}

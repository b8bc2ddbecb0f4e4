import { type DataKey, isDataKey } from '../../keys/data.js';
import { blake3_128 } from '../../keys/blake3.js';
import { PagableError } from '../../error.js';
import { decodeWtf8Exact, encodeWtf8 } from '../../text/wtf8.js';
import type { RootEntry } from '../interface.js';

/*
 * How a named root is laid out in an LMDB store's `roots` database:
 *   key    the name's WTF-8, or (names over 1024 bytes: LMDB refuses keys over 1978 bytes)
 *          0xff + BLAKE3-128 of it; WTF-8 never holds 0xff, so the two never meet
 *   value  the 16 key bytes, then the name's WTF-8 (so listing needs no reverse of the hash)
 * WTF-8 is UTF-8 for every well-formed name, so stores written when names were UTF-8 read the
 * same; a name with a lone surrogate has bytes of its own (UTF-8 made them all U+FFFD).
 */

const ROOT_KEY_DIRECT_MAX = 1024;

/** The roots db key of a name. */
export function rootDbKey(name: string): Buffer {
  const b = encodeWtf8(name);
  if (b.length <= ROOT_KEY_DIRECT_MAX) return b;
  const out = Buffer.alloc(17);
  out[0] = 0xff;
  out.set(blake3_128([b]), 1);
  return out;
}

/** The roots db value naming `key` as root `name`. */
export function encodeRootRecord(name: string, key: Uint8Array): Uint8Array {
  const nameBytes = encodeWtf8(name);
  const value = new Uint8Array(16 + nameBytes.length);
  value.set(key, 0);
  value.set(nameBytes, 16);
  return value;
}

/** Decodes a roots db value; CORRUPT naming `where` (the store) when malformed. */
export function decodeRootRecord(v: Uint8Array, where: string): RootEntry {
  const name = v.length < 16 ? undefined : decodeWtf8Exact(v.subarray(16));
  if (name === undefined) {
    const why = v.length < 16 ? `${v.length} bytes` : 'its name is not WTF-8';
    throw new PagableError('CORRUPT', `a root record in ${where} is malformed (${why})`);
  }
  const key: DataKey = Buffer.from(v.buffer, v.byteOffset, 16).toString('hex');
  if (!isDataKey(key)) throw new PagableError('CORRUPT', `root "${name}" in ${where} is malformed`);
  return { name, key };
}

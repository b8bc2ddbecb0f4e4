/*
 * A shape's floor: what a save cannot be cheaper than with msgpackr and BLAKE3, i.e. each blob's
 * piece (plain objects, child blobs as 16-byte stand-ins) packed on its own by msgpackr.pack and
 * hashed by the fastest BLAKE3 for its size (bench/hash.ts, src/keys/blake3.ts: blake3-jit's
 * hashInto below 1.5 KB, the native binding above). The load floor: each distinct piece (by its
 * bytes: a load decodes each distinct blob once) unpacked on its own.
 */
import { hashInto } from 'blake3-jit';
import { pack, unpack } from 'msgpackr';
import { blake3_128 } from '../src/keys/blake3.js';

const NATIVE_MIN = 1536;
const OUT = new Uint8Array(16);

/** The fastest BLAKE3-128 of `bytes` available here (the digest is dropped: only the cost counts). */
export function fastestBlake3(bytes: Uint8Array): void {
  if (bytes.length < NATIVE_MIN) hashInto(bytes, OUT, 16);
  else blake3_128([bytes]);
}

/** Packs and hashes every piece; returns the bytes packed. */
export function floorSave(pieces: readonly unknown[]): number {
  let n = 0;
  for (let i = 0; i < pieces.length; i++) {
    const b = pack(pieces[i]);
    fastestBlake3(b);
    n += b.length;
  }
  return n;
}

/** The packed bytes of each piece whose bytes differ from every earlier one's. */
export function distinctPacked(pieces: readonly unknown[]): Uint8Array[] {
  const seen = new Set<string>();
  const out: Uint8Array[] = [];
  for (const p of pieces) {
    const b = pack(p);
    const k = Buffer.from(b.buffer, b.byteOffset, b.length).toString('latin1');
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(b);
  }
  return out;
}

/** Unpacks every one of `packs` (the load floor). */
export function floorLoad(packs: readonly Uint8Array[]): unknown[] {
  const out = new Array<unknown>(packs.length);
  for (let i = 0; i < packs.length; i++) out[i] = unpack(packs[i]!);
  return out;
}

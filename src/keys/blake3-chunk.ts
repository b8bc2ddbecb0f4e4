/*
 * BLAKE3-128 of at most one chunk (1024 bytes), read where it lies and written where the caller
 * wants it: no view, digest or scratch object is made, so hashing costs only its arithmetic. Most
 * blobs are under a chunk (a page-out hashes each one as it is finished), and the general path
 * (blake3.ts) makes two or three small objects per call, which the GC then pays for: measured,
 * a third of a small blob's hashing time went to them.
 *
 * One chunk is BLAKE3's compression function run over its 64-byte blocks (CHUNK_START on the
 * first, CHUNK_END and ROOT on the last, counter 0), the first 16 bytes of the last output being
 * the digest. Cross-checked against @noble/hashes in test/keys/blake3-chunk.test.ts.
 */

/** The most bytes hashed here: one chunk. */
export const CHUNK_BYTES = 1024;

/** True where 32-bit words read from memory are little-endian, as BLAKE3's are (the `words` fast path). */
export const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

const IV0 = 0x6a09e667 | 0;
const IV1 = 0xbb67ae85 | 0;
const IV2 = 0x3c6ef372 | 0;
const IV3 = 0xa54ff53a | 0;
const IV4 = 0x510e527f | 0;
const IV5 = 0x9b05688c | 0;
const IV6 = 0x1f83d9ab | 0;
const IV7 = 0x5be0cd19 | 0;

const CHUNK_START = 1;
const CHUNK_END = 2;
const ROOT = 8;

/** The chaining value between blocks, and the block's message words. */
const CV = new Int32Array(8);
const M = new Int32Array(16);

/**
 * One compression with CV of the block at word `w` of `words` (a whole block), or of M when
 * `words` is undefined; `len` bytes of it count, `flags` say where it is. CV becomes its output's
 * first half.
 */
function compress(words: Int32Array | undefined, w: number, len: number, flags: number): void {
  const b = words ?? M;
  const o = words === undefined ? 0 : w;
  // prettier-ignore
  let v0 = CV[0]!, v1 = CV[1]!, v2 = CV[2]!, v3 = CV[3]!, v4 = CV[4]!, v5 = CV[5]!, v6 = CV[6]!, v7 = CV[7]!;
  // prettier-ignore
  let v8 = IV0, v9 = IV1, v10 = IV2, v11 = IV3, v12 = 0, v13 = 0, v14 = len, v15 = flags;
  // prettier-ignore
  let m0 = b[o]!, m1 = b[o + 1]!, m2 = b[o + 2]!, m3 = b[o + 3]!, m4 = b[o + 4]!, m5 = b[o + 5]!, m6 = b[o + 6]!, m7 = b[o + 7]!;
  // prettier-ignore
  let m8 = b[o + 8]!, m9 = b[o + 9]!, m10 = b[o + 10]!, m11 = b[o + 11]!, m12 = b[o + 12]!, m13 = b[o + 13]!, m14 = b[o + 14]!, m15 = b[o + 15]!;
  for (let r = 0; r < 7; r++) {
    // prettier-ignore
    {
      v0 = (v0 + v4 + m0) | 0; v12 ^= v0; v12 = (v12 >>> 16) | (v12 << 16); v8 = (v8 + v12) | 0; v4 ^= v8; v4 = (v4 >>> 12) | (v4 << 20);
      v0 = (v0 + v4 + m1) | 0; v12 ^= v0; v12 = (v12 >>> 8) | (v12 << 24); v8 = (v8 + v12) | 0; v4 ^= v8; v4 = (v4 >>> 7) | (v4 << 25);
      v1 = (v1 + v5 + m2) | 0; v13 ^= v1; v13 = (v13 >>> 16) | (v13 << 16); v9 = (v9 + v13) | 0; v5 ^= v9; v5 = (v5 >>> 12) | (v5 << 20);
      v1 = (v1 + v5 + m3) | 0; v13 ^= v1; v13 = (v13 >>> 8) | (v13 << 24); v9 = (v9 + v13) | 0; v5 ^= v9; v5 = (v5 >>> 7) | (v5 << 25);
      v2 = (v2 + v6 + m4) | 0; v14 ^= v2; v14 = (v14 >>> 16) | (v14 << 16); v10 = (v10 + v14) | 0; v6 ^= v10; v6 = (v6 >>> 12) | (v6 << 20);
      v2 = (v2 + v6 + m5) | 0; v14 ^= v2; v14 = (v14 >>> 8) | (v14 << 24); v10 = (v10 + v14) | 0; v6 ^= v10; v6 = (v6 >>> 7) | (v6 << 25);
      v3 = (v3 + v7 + m6) | 0; v15 ^= v3; v15 = (v15 >>> 16) | (v15 << 16); v11 = (v11 + v15) | 0; v7 ^= v11; v7 = (v7 >>> 12) | (v7 << 20);
      v3 = (v3 + v7 + m7) | 0; v15 ^= v3; v15 = (v15 >>> 8) | (v15 << 24); v11 = (v11 + v15) | 0; v7 ^= v11; v7 = (v7 >>> 7) | (v7 << 25);
      v0 = (v0 + v5 + m8) | 0; v15 ^= v0; v15 = (v15 >>> 16) | (v15 << 16); v10 = (v10 + v15) | 0; v5 ^= v10; v5 = (v5 >>> 12) | (v5 << 20);
      v0 = (v0 + v5 + m9) | 0; v15 ^= v0; v15 = (v15 >>> 8) | (v15 << 24); v10 = (v10 + v15) | 0; v5 ^= v10; v5 = (v5 >>> 7) | (v5 << 25);
      v1 = (v1 + v6 + m10) | 0; v12 ^= v1; v12 = (v12 >>> 16) | (v12 << 16); v11 = (v11 + v12) | 0; v6 ^= v11; v6 = (v6 >>> 12) | (v6 << 20);
      v1 = (v1 + v6 + m11) | 0; v12 ^= v1; v12 = (v12 >>> 8) | (v12 << 24); v11 = (v11 + v12) | 0; v6 ^= v11; v6 = (v6 >>> 7) | (v6 << 25);
      v2 = (v2 + v7 + m12) | 0; v13 ^= v2; v13 = (v13 >>> 16) | (v13 << 16); v8 = (v8 + v13) | 0; v7 ^= v8; v7 = (v7 >>> 12) | (v7 << 20);
      v2 = (v2 + v7 + m13) | 0; v13 ^= v2; v13 = (v13 >>> 8) | (v13 << 24); v8 = (v8 + v13) | 0; v7 ^= v8; v7 = (v7 >>> 7) | (v7 << 25);
      v3 = (v3 + v4 + m14) | 0; v14 ^= v3; v14 = (v14 >>> 16) | (v14 << 16); v9 = (v9 + v14) | 0; v4 ^= v9; v4 = (v4 >>> 12) | (v4 << 20);
      v3 = (v3 + v4 + m15) | 0; v14 ^= v3; v14 = (v14 >>> 8) | (v14 << 24); v9 = (v9 + v14) | 0; v4 ^= v9; v4 = (v4 >>> 7) | (v4 << 25);
      const t0 = m0, t1 = m1, t2 = m2, t3 = m3, t4 = m4, t5 = m5, t6 = m6, t7 = m7, t8 = m8, t9 = m9, t10 = m10, t11 = m11, t12 = m12, t13 = m13, t14 = m14, t15 = m15;
      m0 = t2; m1 = t6; m2 = t3; m3 = t10; m4 = t7; m5 = t0; m6 = t4; m7 = t13; m8 = t1; m9 = t11; m10 = t12; m11 = t5; m12 = t9; m13 = t14; m14 = t15; m15 = t8;
    }
  }
  CV[0] = v0 ^ v8;
  CV[1] = v1 ^ v9;
  CV[2] = v2 ^ v10;
  CV[3] = v3 ^ v11;
  CV[4] = v4 ^ v12;
  CV[5] = v5 ^ v13;
  CV[6] = v6 ^ v14;
  CV[7] = v7 ^ v15;
}

/** Loads the block of `src` at `at` into M: `len` bytes of it, the rest zero. */
function load(src: Uint8Array, at: number, len: number): void {
  let i = 0;
  for (let w = 0; w < 16; w++, i += 4) {
    const p = at + i;
    if (i + 4 <= len) M[w] = src[p]! | (src[p + 1]! << 8) | (src[p + 2]! << 16) | (src[p + 3]! << 24);
    else if (i >= len) M[w] = 0;
    else {
      let x = 0;
      for (let k = len - i - 1; k >= 0; k--) x = (x << 8) | src[p + k]!;
      M[w] = x;
    }
  }
}

/**
 * Writes the first 16 bytes of BLAKE3 of `src[at, at + len)` (len <= CHUNK_BYTES) into `out`
 * at `outAt`. Nothing is allocated. `words`, if given, views `src`'s bytes as 32-bit words from
 * its first byte (src.byteOffset a multiple of 4, little-endian platform): whole blocks starting
 * at a multiple of 4 are then read a word at a time.
 */
export function blake3ChunkInto(src: Uint8Array, at: number, len: number, out: Uint8Array, outAt: number, words?: Int32Array): void {
  CV[0] = IV0;
  CV[1] = IV1;
  CV[2] = IV2;
  CV[3] = IV3;
  CV[4] = IV4;
  CV[5] = IV5;
  CV[6] = IV6;
  CV[7] = IV7;
  const blocks = len === 0 ? 1 : (len + 63) >>> 6;
  for (let b = 0; b < blocks; b++) {
    const last = b === blocks - 1;
    const n = last ? len - 64 * b : 64;
    const flags = (b === 0 ? CHUNK_START : 0) | (last ? CHUNK_END | ROOT : 0);
    const p = at + 64 * b;
    if (words !== undefined && n === 64 && (p & 3) === 0) {
      compress(words, p >>> 2, 64, flags);
    } else {
      load(src, p, n);
      compress(undefined, 0, n, flags);
    }
  }
  for (let w = 0; w < 4; w++) {
    const x = CV[w]!;
    const o = outAt + 4 * w;
    out[o] = x & 0xff;
    out[o + 1] = (x >>> 8) & 0xff;
    out[o + 2] = (x >>> 16) & 0xff;
    out[o + 3] = x >>> 24;
  }
}

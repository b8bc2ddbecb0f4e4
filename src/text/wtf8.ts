/*
 * WTF-8: UTF-8 that also carries a lone UTF-16 surrogate, as its own 3-byte sequence. Every
 * JavaScript string has exactly one WTF-8 form, and a well-formed string's is its UTF-8, byte for
 * byte. Blob bodies (string values, field names, tags) and root names in stores use it, so a string
 * comes back exactly as JavaScript held it and two strings never share bytes.
 */

const fcc = String.fromCharCode;

/**
 * Writes `s` as WTF-8 into `b` from `at` and returns where it ended. `b` must have room for
 * `3 * s.length` bytes (no UTF-16 unit takes more).
 */
export function writeWtf8(s: string, b: Uint8Array, at: number): number {
  const n = s.length;
  let p = at;
  for (let i = 0; i < n; i++) {
    let c1 = s.charCodeAt(i);
    let c2: number;
    if (c1 < 0x80) {
      b[p++] = c1;
    } else if (c1 < 0x800) {
      b[p++] = (c1 >> 6) | 0xc0;
      b[p++] = (c1 & 0x3f) | 0x80;
    } else if ((c1 & 0xfc00) === 0xd800 && ((c2 = s.charCodeAt(i + 1)) & 0xfc00) === 0xdc00) {
      c1 = 0x10000 + ((c1 & 0x03ff) << 10) + (c2 & 0x03ff);
      i++;
      b[p++] = (c1 >> 18) | 0xf0;
      b[p++] = ((c1 >> 12) & 0x3f) | 0x80;
      b[p++] = ((c1 >> 6) & 0x3f) | 0x80;
      b[p++] = (c1 & 0x3f) | 0x80;
    } else {
      b[p++] = (c1 >> 12) | 0xe0;
      b[p++] = ((c1 >> 6) & 0x3f) | 0x80;
      b[p++] = (c1 & 0x3f) | 0x80;
    }
  }
  return p;
}

/** The WTF-8 bytes of `s`. */
export function encodeWtf8(s: string): Buffer {
  const b = Buffer.allocUnsafe(s.length * 3);
  return b.subarray(0, writeWtf8(s, b, 0));
}

/**
 * WTF-8 (UTF-8 that also carries lone surrogates as 3-byte sequences) to a string; other malformed
 * bytes become U+FFFD, one per maximal subpart (a lead byte and the continuation bytes that could
 * still have completed it), as TextDecoder and Node's own UTF-8 decoding do.
 */
export function decodeWtf8(b: Uint8Array, p: number, e: number): string {
  const units: number[] = [];
  let out = '';
  while (p < e) {
    const c = b[p++]!;
    if (c < 0x80) {
      units.push(c);
    } else if (c >= 0xc2 && c < 0xe0 && p < e && (b[p]! & 0xc0) === 0x80) {
      units.push(((c & 0x1f) << 6) | (b[p++]! & 0x3f));
    } else if (
      c >= 0xe0 &&
      c < 0xf0 &&
      p + 1 < e &&
      (b[p]! & 0xc0) === 0x80 &&
      (b[p + 1]! & 0xc0) === 0x80 &&
      !(c === 0xe0 && b[p]! < 0xa0)
    ) {
      units.push(((c & 0x0f) << 12) | ((b[p]! & 0x3f) << 6) | (b[p + 1]! & 0x3f));
      p += 2;
    } else if (
      c >= 0xf0 &&
      c < 0xf5 &&
      p + 2 < e &&
      (b[p]! & 0xc0) === 0x80 &&
      (b[p + 1]! & 0xc0) === 0x80 &&
      (b[p + 2]! & 0xc0) === 0x80 &&
      !(c === 0xf0 && b[p]! < 0x90) &&
      !(c === 0xf4 && b[p]! >= 0x90)
    ) {
      const u = (((c & 0x07) << 18) | ((b[p]! & 0x3f) << 12) | ((b[p + 1]! & 0x3f) << 6) | (b[p + 2]! & 0x3f)) - 0x10000;
      units.push(0xd800 | (u >> 10), 0xdc00 | (u & 0x3ff));
      p += 3;
    } else {
      units.push(0xfffd);
      p += validPrefix(b, p, e, c);
    }
    if (units.length >= 0x1000) {
      out += fcc(...units);
      units.length = 0;
    }
  }
  return units.length > 0 ? out + fcc(...units) : out;
}

/**
 * How many bytes after lead byte `c` (at p - 1) continue it validly but stop short of a whole
 * sequence: they go into the same U+FFFD. Bounds as the WHATWG decoder's: the second byte after
 * E0 is A0..BF and after F0 90..BF (no overlong forms), after ED 80..9F (a surrogate sequence is
 * only whole, handled before) and after F4 80..8F (nothing above U+10FFFF). A two-byte lead gets
 * here only without its continuation byte: none.
 */
function validPrefix(b: Uint8Array, p: number, e: number, c: number): number {
  let need: number;
  let lo = 0x80;
  let hi = 0xbf;
  if (c >= 0xe0 && c < 0xf0) {
    need = 2;
    if (c === 0xe0) lo = 0xa0;
    else if (c === 0xed) hi = 0x9f;
  } else if (c >= 0xf0 && c < 0xf5) {
    need = 3;
    if (c === 0xf0) lo = 0x90;
    else if (c === 0xf4) hi = 0x8f;
  } else return 0;
  let n = 0;
  while (n < need && p + n < e) {
    const x = b[p + n]!;
    if (x < lo || x > hi) break;
    lo = 0x80;
    hi = 0xbf;
    n++;
  }
  return n;
}

/**
 * The string whose WTF-8 form is exactly `b`, or undefined when there is none: malformed bytes,
 * or a surrogate pair written as two 3-byte sequences (its form is one 4-byte sequence). Where
 * bytes name something (a root), this keeps one name per byte string and one byte string per name.
 */
export function decodeWtf8Exact(b: Uint8Array): string | undefined {
  const s = decodeWtf8(b, 0, b.length);
  return Buffer.compare(encodeWtf8(s), b) === 0 ? s : undefined;
}

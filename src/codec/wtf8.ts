/*
 * Strings out of blob bytes, for the msgpack reader: short ASCII strings built in one call, Node's
 * native Latin-1 and UTF-8 slicing, and an exact WTF-8 decoder for the rare string that holds a lone
 * surrogate (written by MsgpackWriter as its own 3-byte sequence) or malformed bytes.
 */

const fcc = String.fromCharCode;

/**
 * Node's string-slicing natives behind `buf.toString(encoding, start, end)`, without its argument
 * handling (undocumented, stable since Node 0.x, and what msgpackr itself calls).
 */
interface NativeSlices {
  latin1Slice(this: Uint8Array, start: number, end: number): string;
  utf8Slice(this: Uint8Array, start: number, end: number): string;
}

/** They work on any Uint8Array, so blobs need no Buffer view. */
export const { latin1Slice, utf8Slice } = Buffer.prototype as unknown as NativeSlices;

/** Up to 8 bytes of ASCII as a string, in one allocation; undefined when a byte is not ASCII. */
export function shortAscii(b: Uint8Array, p: number, n: number): string | undefined {
  switch (n) {
    case 0:
      return '';
    case 1: {
      const x = b[p]!;
      return x < 0x80 ? fcc(x) : undefined;
    }
    case 2: {
      const x = b[p]!,
        y = b[p + 1]!;
      return (x | y) < 0x80 ? fcc(x, y) : undefined;
    }
    case 3: {
      const x = b[p]!,
        y = b[p + 1]!,
        z = b[p + 2]!;
      return (x | y | z) < 0x80 ? fcc(x, y, z) : undefined;
    }
    case 4: {
      const x = b[p]!,
        y = b[p + 1]!,
        z = b[p + 2]!,
        w = b[p + 3]!;
      return (x | y | z | w) < 0x80 ? fcc(x, y, z, w) : undefined;
    }
    case 5: {
      const x = b[p]!,
        y = b[p + 1]!,
        z = b[p + 2]!,
        w = b[p + 3]!,
        v = b[p + 4]!;
      return (x | y | z | w | v) < 0x80 ? fcc(x, y, z, w, v) : undefined;
    }
    case 6: {
      const x = b[p]!,
        y = b[p + 1]!,
        z = b[p + 2]!,
        w = b[p + 3]!,
        v = b[p + 4]!,
        u = b[p + 5]!;
      return (x | y | z | w | v | u) < 0x80 ? fcc(x, y, z, w, v, u) : undefined;
    }
    case 7: {
      const x = b[p]!,
        y = b[p + 1]!,
        z = b[p + 2]!,
        w = b[p + 3]!,
        v = b[p + 4]!,
        u = b[p + 5]!,
        t = b[p + 6]!;
      return (x | y | z | w | v | u | t) < 0x80 ? fcc(x, y, z, w, v, u, t) : undefined;
    }
    default: {
      const x = b[p]!,
        y = b[p + 1]!,
        z = b[p + 2]!,
        w = b[p + 3]!,
        v = b[p + 4]!,
        u = b[p + 5]!,
        t = b[p + 6]!,
        r = b[p + 7]!;
      return (x | y | z | w | v | u | t | r) < 0x80 ? fcc(x, y, z, w, v, u, t, r) : undefined;
    }
  }
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

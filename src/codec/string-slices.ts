/*
 * Strings out of blob bytes, for the msgpack reader: short ASCII strings built in one call, and
 * Node's native Latin-1 and UTF-8 slicing. The rare string that holds a lone surrogate (written by
 * MsgpackWriter as its own 3-byte sequence) or malformed bytes goes through text/wtf8.ts.
 */

const fcc = String.fromCharCode;

/** Node's native Latin-1 and UTF-8 slicing (text/native-slices.ts: why, and the fallback). */
export { latin1Slice, utf8Slice } from '../text/native-slices.js';

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

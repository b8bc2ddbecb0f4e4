/*
 * Node's string-slicing natives, in one place: `Buffer.prototype.latin1Slice`, `utf8Slice` and
 * `hexSlice` are what `buf.toString(encoding, start, end)` calls after its argument handling. They
 * are not documented, but they are stable since Node 0.x, msgpackr calls them too, and they work
 * on any Uint8Array, so blob bytes need no Buffer view. Measured per call against the documented
 * path (`Buffer.from(view).toString(enc, start, end)`, which allocates a view each time): a 16-byte
 * key to hex 120-160 ns vs 340-390 ns; short strings in the msgpack reader ~2x.
 *
 * Each is taken from `Buffer.prototype` only if it exists and gives the documented path's answer
 * on a probe at load time; otherwise the documented path is used. Either way a caller gets the
 * same strings (test/text/native-slices.test.ts checks both against `toString`).
 */

/** A string out of `bytes[start, end)`. */
export type Slice = (this: Uint8Array, start: number, end: number) => string;

type Encoding = 'latin1' | 'utf8' | 'hex';

/** The documented path: a Buffer view over the same memory, then `toString`. */
export function documentedSlice(encoding: Encoding): Slice {
  return function (this: Uint8Array, start: number, end: number): string {
    return Buffer.from(this.buffer, this.byteOffset, this.byteLength).toString(encoding, start, end);
  };
}

const PROBE = new Uint8Array([0x61, 0xc3, 0xa9, 0x00, 0xff, 0x7f, 0x41]);

function native(name: `${Encoding}Slice`, encoding: Encoding): Slice {
  const fast = (Buffer.prototype as unknown as Record<string, unknown>)[name];
  const slow = documentedSlice(encoding);
  if (typeof fast !== 'function') return slow;
  try {
    const f = fast as Slice;
    if (f.call(PROBE, 1, 6) === slow.call(PROBE, 1, 6) && f.call(PROBE, 0, 0) === '') return f;
  } catch {
    // A native that throws on a plain Uint8Array is not the one measured: the documented path it is.
  }
  return slow;
}

/** Latin-1 (each byte one UTF-16 unit): ASCII strings in one native call. */
export const latin1Slice: Slice = native('latin1Slice', 'latin1');
/** UTF-8, malformed bytes as U+FFFD (the caller checks well-formedness first where it matters). */
export const utf8Slice: Slice = native('utf8Slice', 'utf8');
/** Lower-case hex, two characters a byte, as one flat string. */
export const hexSlice: Slice = native('hexSlice', 'hex');

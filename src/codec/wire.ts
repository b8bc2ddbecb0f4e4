import { C1, Packr, Unpackr } from 'msgpackr';
import { PagableError } from '../error.js';

/*
 * The wire format (README "Wire format"). A blob's `data` is one of:
 *
 *   schemaless data  a msgpack value (as written before schema evolution; still read, never written):
 *                 instances are positional arrays read against the reader's class, a tagged
 *                 root begins with its tag as a msgpack str.
 *   data          0xC1, then one msgpack value (the root). The LAST key of `arcs` is the key of
 *                 the blob's schema set; the keys before it are taken by arc placeholders in order.
 *   schema        0xC1 0xC1, then 0x01 (a schema set: its children are class schemas) or 0x02
 *                 (a class schema), then one msgpack value (schema-set.ts).
 *
 * 0xC1 is msgpack's "never used" byte, so no schemaless blob (a msgpack value) begins with it, and no
 * data body does either: the kinds are told apart by their first bytes.
 *
 * Inside a data body, values msgpack cannot say natively are written as an "escape": an array
 * whose first element is the 0xC1 byte, then a kind number (Esc). User data can never produce
 * 0xC1, so escapes are unambiguous. Instances are positional arrays of their stored fields (in
 * the writer's declaration order); an instance whose class differs from the declared one (or in
 * a @Dyn field or plain data) is the escape [C1, ESC_CLASS + i, ...fields], i being its class's
 * index in the blob's schema set. A value stored through a codec is its encoding (plain data) where
 * its exact class is declared, and the escape [C1, Esc.Codec, name, encoding] anywhere else.
 *
 * msgpackr is kept as the reference the writer and reader are tested against, and reads legacy
 * blobs. Private Packr/Unpackr instances, no registered extensions (a user's own msgpackr use
 * must not change because they imported pagable), no records or shared structures.
 */

export const packr = new Packr({
  useRecords: false,
  variableMapSize: true,
  moreTypes: false,
  bundleStrings: false,
  structuredClone: false,
  useBigIntExtension: false,
  encodeUndefinedAsNil: false,
});

export const unpackr = new Unpackr({
  useRecords: false,
  mapsAsObjects: true,
  int64AsType: 'bigint',
  structuredClone: false,
  moreTypes: false,
});

/** msgpackr's sentinel for the 0xC1 byte in the trees it unpacks (schemaless blobs, the CLI). */
export { C1 };

/** msgpack's never-used byte: begins every blob of this format, and every escape. */
export const C1_BYTE = 0xc1;

/** What a blob is, from its first bytes. */
export type BlobFormat = 'schemaless' | 'data' | 'schema';

/** Tells the three kinds of blob apart (see the top of this file). */
export function blobFormat(data: Uint8Array): BlobFormat {
  return blobFormatAt(data, 0, data.length);
}

/** blobFormat of the `length` bytes of data at `at` of `bytes` (a blob read in place). */
export function blobFormatAt(bytes: Uint8Array, at: number, length: number): BlobFormat {
  if (length < 1 || bytes[at] !== C1_BYTE) return 'schemaless';
  return length > 1 && bytes[at + 1] === C1_BYTE ? 'schema' : 'data';
}

/** Escape kinds: the second element of an escape array. */
export const enum Esc {
  /** [C1, 0, name, ...fields]: an instance named by a string: a type tag (schemaless blobs), a class-transformer discriminator name. */
  Instance = 0,
  /** [C1, 1, k0, v0, k1, v1, ...]: a Map, in insertion order. */
  Map = 1,
  /** [C1, 2, v0, v1, ...]: a Set, in insertion order. */
  Set = 2,
  /** [C1, 3]: -0 (msgpack integers have no sign for zero). */
  NegZero = 3,
  /** [C1, 4, decimal]: a bigint outside 64 bits. */
  BigInt = 4,
  /** [C1, 5, k0, v0, ...]: a plain object with a `__proto__` own key. */
  Object = 5,
  /** [C1, 6, typeIndex, bytes]: a typed array other than Uint8Array. */
  Typed = 6,
  /** [C1, 7, k0, v0, ...]: an object without a prototype (`Object.create(null)`). */
  NullObject = 7,
  /** [C1, 8, name, plain]: a value stored through the codec of that name (registerCodec, or a field's own). */
  Codec = 8,
}

/** [C1, ESC_CLASS + i, ...fields]: an instance of class i of the blob's schema set. */
export const ESC_CLASS = 16;

/** Typed arrays carried by Esc.Typed, by index (append only: the index is on the wire). */
export const TYPED_ARRAYS = [
  Int8Array,
  Uint8ClampedArray,
  Int16Array,
  Uint16Array,
  Int32Array,
  Uint32Array,
  Float32Array,
  Float64Array,
  BigInt64Array,
  BigUint64Array,
] as const;

/** Placeholder written where an arc field holds a value; the key is the next one in `arcs`. */
export const ARC_PLACEHOLDER = 0;

const utf8Strict = new TextDecoder('utf-8', { fatal: true });

/**
 * If a schemaless blob's `data` begins with a msgpack str, that string (the tag) and where the body
 * starts; undefined when the blob is untagged (its body is an array).
 */
export function readTagHeader(data: Uint8Array, where: string): { tag: string; offset: number } | undefined {
  if (data.length === 0) throw new PagableError('CORRUPT', `${where}: empty blob`);
  const t = data[0]!;
  let len: number;
  let off: number;
  if ((t & 0xe0) === 0xa0) {
    len = t & 0x1f;
    off = 1;
  } else if (t === 0xd9) {
    len = data[1] ?? -1;
    off = 2;
  } else if (t === 0xda) {
    len = data.length < 3 ? -1 : (data[1]! << 8) | data[2]!;
    off = 3;
  } else if (t === 0xdb) throw new PagableError('CORRUPT', `${where}: type tag longer than 65535 bytes`);
  else return undefined;
  if (len < 0 || off + len > data.length) throw new PagableError('CORRUPT', `${where}: truncated type tag`);
  let tag: string;
  try {
    tag = utf8Strict.decode(data.subarray(off, off + len));
  } catch (e) {
    throw new PagableError('CORRUPT', `${where}: type tag is not valid UTF-8`, { cause: e });
  }
  return { tag, offset: off + len };
}

/** Decodes one msgpack value that must span `bytes` exactly (msgpackr; schemaless blobs); CORRUPT otherwise. */
export function unpackBody(bytes: Uint8Array, where: string): unknown {
  let values: unknown[];
  try {
    // Every value, rather than unpack(): on trailing data unpack's error message renders the value
    // it decoded (a large bigint in decimal takes seconds per MiB); here trailing data is just counted.
    values = unpackr.unpackMultiple(bytes) as unknown[];
  } catch (e) {
    throw new PagableError('CORRUPT', `${where}: the blob does not decode (${e instanceof Error ? e.message : String(e)})`, { cause: e });
  }
  if (values.length !== 1) throw new PagableError('CORRUPT', `${where}: the blob holds ${values.length} values where one is expected`);
  return values[0];
}

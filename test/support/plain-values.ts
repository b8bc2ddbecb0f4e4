/* fast-check generators of plain data, every kind the codec stores, at its encoding boundaries. */
import fc from 'fast-check';

const INT_EDGES = [
  0,
  1,
  0x1f,
  0x20,
  0x7f,
  0x80,
  0xff,
  0x100,
  0xffff,
  0x10000,
  2 ** 31 - 1,
  2 ** 31,
  2 ** 32 - 1,
  2 ** 32,
  2 ** 32 + 1,
  2 ** 53 - 1,
  2 ** 53,
  -1,
  -31,
  -32,
  -33,
  -127,
  -128,
  -129,
  -32767,
  -32768,
  -32769,
  -(2 ** 31),
  -(2 ** 31) - 1,
  -(2 ** 32),
  -(2 ** 53),
  Number.MAX_VALUE,
  Number.MIN_VALUE,
  -Number.MIN_VALUE,
];
/** Numbers around every msgpack integer and float boundary, -0, NaN and infinities included. */
export const numbers = fc.oneof(
  fc.constantFrom(...INT_EDGES),
  fc.integer(),
  fc.integer({ min: -(2 ** 33), max: 2 ** 33 }),
  fc.maxSafeInteger(),
  fc.double(),
  fc.constantFrom(NaN, Infinity, -Infinity, -0, 0.5, -1.5, 1e300),
);

const BIG_EDGES = [
  0n,
  1n,
  -1n,
  2n ** 63n - 1n,
  2n ** 63n,
  -(2n ** 63n),
  -(2n ** 63n) - 1n,
  2n ** 64n - 1n,
  2n ** 64n,
  -(2n ** 64n),
  2n ** 100n,
  -(2n ** 100n),
];
/** Bigints inside and outside 64 bits. */
export const bigints = fc.oneof(fc.constantFrom(...BIG_EDGES), fc.bigInt(), fc.bigInt({ min: -(2n ** 64n), max: 2n ** 64n }));

/** Code units that take 1, 2, 3 (BMP, lone surrogates) and 4 (pairs) UTF-8 bytes. */
export const UNITS = ['a', 'é', '✓', '😀', '\ud800', '\udfff', '\u0000', '\u07ff', '\u0800', '\uffff'];
/** UTF-16 lengths (and, times 3, byte lengths) around every header and encoding switch. */
const STR_EDGES = [0, 1, 10, 11, 31, 32, 33, 63, 64, 65, 85, 86, 127, 128, 255, 256, 257, 21845, 21846, 65535, 65536, 65537];
/** Strings of every UTF-8 width, lone surrogates included, of up to 100 units (built once: fast-check's string set-up is slow). */
const shortKinds = [
  { arbitrary: fc.string(), weight: 3 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 80 }), weight: 2 },
  // Any UTF-16 unit, lone surrogates included.
  { arbitrary: fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 80 }), weight: 2 },
  { arbitrary: fc.array(fc.constantFrom(...UNITS), { maxLength: 100 }).map((u) => u.join('')), weight: 2 },
];
/** Strings of `edges` lengths, of mixed units. */
const edgeStrings = (edges: readonly number[]): fc.Arbitrary<string> =>
  fc
    .tuple(fc.constantFrom(...edges), fc.constantFrom(...UNITS), fc.constantFrom(...UNITS), fc.nat(3))
    .map(([n, u, v, k]) => (v.repeat(k) + u.repeat(n)).slice(0, Math.max(n, 0)));
/** Strings of every UTF-8 width, lone surrogates included, around every header length. */
export const strings = fc.oneof(...shortKinds, { arbitrary: edgeStrings(STR_EDGES), weight: 2 });
/** The same around the short header lengths only: for whole graphs, where length costs time and shows nothing more. */
export const shortStrings = fc.oneof(...shortKinds, { arbitrary: edgeStrings(STR_EDGES.filter((n) => n <= 65)), weight: 2 });

const DATE_EDGES = [
  0,
  1,
  999,
  1000,
  -1,
  -500,
  -1000,
  -1001,
  2 ** 32 * 1000 - 1000,
  2 ** 32 * 1000 - 1,
  2 ** 32 * 1000,
  2 ** 34 * 1000 + 5,
  8.64e15,
  -8.64e15,
  1709210096789,
  NaN,
];
/** Dates around every timestamp encoding, invalid ones included. */
export const dates = fc.oneof(
  fc.constantFrom(...DATE_EDGES).map((t) => new Date(t)),
  fc.date(),
  fc.integer({ min: 0, max: 2 ** 32 - 1 }).map((s) => new Date(s * 1000)),
);

const BYTE_EDGES = [0, 1, 255, 256, 65535, 65536];
const shortBytes = [
  fc.uint8Array({ maxLength: 300 }),
  fc.uint8Array({ maxLength: 20 }).map((b) => Buffer.from(b)),
  // A view into a larger buffer.
  fc.uint8Array({ minLength: 4, maxLength: 40 }).map((b) => b.subarray(1, b.length - 1)),
];
/** Uint8Arrays and Buffers, views into larger buffers included. */
export const bytes = fc.oneof(
  ...shortBytes,
  fc.constantFrom(...BYTE_EDGES).map((n) => new Uint8Array(n).fill(n & 0xff)),
);
/** The same without the 64 KiB edges. */
export const smallBytes = fc.oneof(...shortBytes);

/** Typed arrays other than Uint8Array. */
export const typed = fc.oneof(
  fc.float64Array({ maxLength: 5 }),
  fc.int16Array({ maxLength: 5 }),
  fc.int32Array({ maxLength: 5 }),
  fc.bigInt64Array({ maxLength: 3 }),
  fc.float32Array({ maxLength: 5 }),
  fc.uint8Array({ maxLength: 5 }).map((b) => new Uint8ClampedArray(b)),
);

/** Any non-container value, with strings and bytes from the arbitraries given. */
const leafOf = (str: fc.Arbitrary<string>, bin: fc.Arbitrary<Uint8Array>): fc.Arbitrary<unknown> =>
  fc.oneof(
    { arbitrary: numbers, weight: 4 },
    { arbitrary: str, weight: 4 },
    { arbitrary: bigints, weight: 1 },
    { arbitrary: dates, weight: 1 },
    { arbitrary: bin, weight: 1 },
    { arbitrary: typed, weight: 1 },
    { arbitrary: fc.constantFrom<unknown>(true, false, null, undefined), weight: 2 },
  );
/** Any non-container value. */
export const leaf = leafOf(strings, bytes);

/** Object keys, `__proto__` and `constructor` included. */
export const keys = fc.oneof(
  { arbitrary: fc.string({ maxLength: 6 }), weight: 6 },
  { arbitrary: fc.constantFrom('__proto__', 'constructor', 'toJSON', '0', '7', 'a', 'b'), weight: 1 },
);

/** An object defined key by key, so that `__proto__` is an own key; with or without a prototype. */
export function objectOf(entries: Array<[string, unknown]>, nullProto: boolean): Record<string, unknown> {
  const o: Record<string, unknown> = nullProto ? Object.create(null) : {};
  for (const [k, v] of entries) Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  return o;
}

/** Plain data over the leaves `leaves`. */
const plainOf = (leaves: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> =>
  fc.letrec<{ node: unknown }>((tie) => ({
    node: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      { arbitrary: leaves, weight: 6 },
      { arbitrary: fc.array(tie('node'), { maxLength: 18 }), weight: 2 },
      // Sparse, with a hole last or in the middle.
      { arbitrary: fc.sparseArray(tie('node'), { maxLength: 6 }), weight: 1 },
      { arbitrary: fc.array(fc.tuple(keys, tie('node')), { maxLength: 18 }).map((e) => objectOf(e, false)), weight: 2 },
      { arbitrary: fc.array(fc.tuple(keys, tie('node')), { maxLength: 4 }).map((e) => objectOf(e, true)), weight: 1 },
      { arbitrary: fc.array(fc.tuple(tie('node'), tie('node')), { maxLength: 5 }).map((e) => new Map(e)), weight: 1 },
      { arbitrary: fc.array(tie('node'), { maxLength: 5 }).map((e) => new Set(e)), weight: 1 },
    ),
  })).node;
/** Any plain data: arrays (sparse too), objects (with and without a prototype), Maps, Sets. */
export const plain = plainOf(leaf);
/** The same with short strings and bytes (shortStrings, smallBytes): for whole graphs. */
export const smallPlain = plainOf(leafOf(shortStrings, smallBytes));

/*
 * Mutations of real blobs for the fuzzer (test/fuzz.test.ts): blind byte edits (flip, set, insert,
 * delete, splice from another blob, truncate, duplicate), msgpack-aware edits (type bytes, huge
 * lengths and counts, values swapped, dropped or duplicated, tags swapped, escapes and msgpackr
 * extensions injected, nesting bombs, prototype-named keys) and edits of the child-key list. Each
 * returns what it did in words, so a failing case says how it was made.
 */
import type { DataKey, PagableData } from '../../src/index.js';
import { type MsgpackValue, scanMsgpack } from './msgpack-layout.js';
import type { Rng } from './prng.js';

/** A mutated blob and how it was made. */
export interface Mutant {
  data: Uint8Array;
  arcs: DataKey[];
  what: string;
}

/** What mutations may borrow from: the other blobs, the keys of the store, the registered tags. */
export interface MutationPool {
  blobs: readonly PagableData[];
  keys: readonly DataKey[];
  /** Keys of roots (ancestors of most blobs): pointing a child at one makes cycles. */
  rootKeys: readonly DataKey[];
  tags: readonly string[];
}

const utf8 = new TextEncoder();

function concat(...parts: ArrayLike<number>[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** `b` with [from, to) replaced by `by`. */
function replace(b: Uint8Array, from: number, to: number, by: ArrayLike<number>): Uint8Array {
  return concat(b.subarray(0, from), by, b.subarray(to));
}

function fixstr(s: string): number[] {
  const b = utf8.encode(s);
  if (b.length > 31) throw new Error(`fixstr too long: ${s}`);
  return [0xa0 | b.length, ...b];
}

function str8(s: string): number[] {
  const b = utf8.encode(s);
  return [0xd9, b.length, ...b];
}

function be32(n: number): number[] {
  return [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];
}

/** Bytes worth writing over a byte: msgpack type bytes that change meaning most. */
const INTERESTING_BYTES = [
  0x00, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcf, 0xd3, 0xd4, 0xd8, 0xd9,
  0xdb, 0xdc, 0xdd, 0xde, 0xdf, 0xe0, 0xff,
];

/** Type bytes a retyped value may get (every format family). */
const TYPE_BYTES = [
  0x00, 0x01, 0x80, 0x81, 0x8f, 0x90, 0x91, 0x9f, 0xa0, 0xa5, 0xbf, 0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xcb,
  0xcc, 0xcd, 0xce, 0xcf, 0xd0, 0xd1, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xdb, 0xdc, 0xdd, 0xde, 0xdf, 0xe0, 0xff,
];

/** Values for a length or count field: huge, off by one, zero. */
function hugeLengths(v: MsgpackValue): number[] {
  const max = v.lenSize === 1 ? 0xff : v.lenSize === 2 ? 0xffff : 0xffffffff;
  return [max, max - 1, 0x7fffffff & max, v.len + 1, Math.max(0, v.len - 1), 0, 0x10000 & max];
}

/**
 * Hand-written msgpack snippets a writer of pagable never produces: msgpackr extensions (errors,
 * regexps, typed arrays, big bigints, structured-clone references, string bundles, dates, Sets),
 * malformed escapes (C1 arrays), prototype-named keys and nesting bombs. Each replaces one value.
 */
const SNIPPETS: ReadonlyArray<readonly [string, () => Uint8Array]> = [
  ['msgpackr Error ext', () => Uint8Array.from([0xd4, 0x65, 0x00, 0x93, ...fixstr('TypeError'), ...fixstr('boom'), 0xc0])],
  ['msgpackr Error ext with unknown name', () => Uint8Array.from([0xd4, 0x65, 0x00, 0x93, ...fixstr('__proto__'), ...fixstr('x'), 0xc0])],
  ['msgpackr RegExp ext (invalid pattern)', () => Uint8Array.from([0xd4, 0x78, 0x00, 0x92, ...fixstr('('), ...fixstr('')])],
  ['msgpackr RegExp ext', () => Uint8Array.from([0xd4, 0x78, 0x00, 0x92, ...fixstr('(a+)+$'), ...fixstr('g')])],
  ['msgpackr Int16Array ext', () => Uint8Array.from([0xc7, 0x05, 0x74, 0x03, 0x01, 0x00, 0x02, 0x00])],
  ['msgpackr typed array ext, odd length', () => Uint8Array.from([0xc7, 0x04, 0x74, 0x07, 0x01, 0x00, 0x02])],
  ['msgpackr ArrayBuffer ext', () => Uint8Array.from([0xc7, 0x03, 0x74, 0x10, 0x01, 0x02])],
  ['msgpackr DataView ext', () => Uint8Array.from([0xc7, 0x03, 0x74, 0x11, 0x01, 0x02])],
  ['msgpackr Uint8Array ext', () => Uint8Array.from([0xc7, 0x03, 0x74, 0x01, 0x01, 0x02])],
  ['msgpackr bigint ext', () => Uint8Array.from([0xc7, 0x09, 0x42, 0x80, 1, 2, 3, 4, 5, 6, 7, 8])],
  ['msgpackr bigint ext, 64 KiB', () => concat([0xc9, ...be32(65536), 0x42], new Uint8Array(65536).fill(0x7f))],
  ['msgpackr structured-clone id ext', () => Uint8Array.from([0xd6, 0x69, 0, 0, 0, 1, 0x91, 0x01])],
  ['msgpackr structured-clone pointer ext', () => Uint8Array.from([0xd6, 0x70, 0, 0, 0, 1])],
  ['msgpackr string bundle ext', () => Uint8Array.from([0xd6, 0x62, 0xff, 0xff, 0xff, 0xff])],
  ['msgpackr string bundle ext, small', () => Uint8Array.from([0xd6, 0x62, 0, 0, 0, 8, 0xa1, 0x61])],
  ['msgpackr undefined ext', () => Uint8Array.from([0xd4, 0x00, 0x00])],
  ['msgpackr Date ext, invalid length', () => Uint8Array.from([0xd4, 0xff, 0x00])],
  [
    'msgpackr Date ext, 96-bit extreme',
    () => Uint8Array.from([0xc7, 0x0c, 0xff, 0xff, 0xff, 0xff, 0xff, 0x80, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
  ],
  ['msgpackr Set ext', () => Uint8Array.from([0xd4, 0x73, 0x00, 0x93, 0x01, 0x02, 0x03])],
  ['msgpackr record ext', () => Uint8Array.from([0xd4, 0x72, 0x40, 0x92, ...fixstr('a'), ...fixstr('b')])],
  ['unknown ext type', () => Uint8Array.from([0xd4, 0x10, 0x00])],
  ['ext with huge length', () => Uint8Array.from([0xc9, 0xff, 0xff, 0xff, 0xff, 0x42, 0x01])],
  ['escape: instance of an unknown tag', () => Uint8Array.from([0x94, 0xc1, 0x00, ...fixstr('nobody.Here'), 0x01])],
  ['escape: instance, tag not a string', () => Uint8Array.from([0x94, 0xc1, 0x00, 0x07, 0x01])],
  ['escape: instance of test.Circle', () => Uint8Array.from([0x94, 0xc1, 0x00, ...fixstr('test.Circle'), 0x01])],
  ['escape: instance of test.Kitchen, no fields', () => Uint8Array.from([0x93, 0xc1, 0x00, ...fixstr('test.Kitchen')])],
  ['escape: Map, odd entries', () => Uint8Array.from([0x93, 0xc1, 0x01, 0x01])],
  ['escape: Map, object keys', () => Uint8Array.from([0x94, 0xc1, 0x01, 0x90, 0x80])],
  ['escape: Set of containers', () => Uint8Array.from([0x94, 0xc1, 0x02, 0x90, 0x80])],
  ['escape: bigint, not digits', () => Uint8Array.from([0x93, 0xc1, 0x04, ...fixstr('12x')])],
  ['escape: bigint, 0x', () => Uint8Array.from([0x93, 0xc1, 0x04, ...fixstr('0x1f')])],
  ['escape: bigint, 100,001 digits', () => concat([0x93, 0xc1, 0x04, 0xdb, ...be32(100_001)], new Uint8Array(100_001).fill(0x39))],
  ['escape: bigint, 60,000 digits', () => concat([0x93, 0xc1, 0x04, 0xda, 0xea, 0x60], new Uint8Array(60_000).fill(0x37))],
  ['escape: bigint, not a string', () => Uint8Array.from([0x93, 0xc1, 0x04, 0x90])],
  [
    'escape: object with __proto__ key',
    () => Uint8Array.from([0x94, 0xc1, 0x05, ...fixstr('__proto__'), 0x81, ...fixstr('polluted'), 0xc3]),
  ],
  ['escape: object, non-string key', () => Uint8Array.from([0x94, 0xc1, 0x05, 0x01, 0x02])],
  [
    'escape: null-prototype object with constructor key',
    () => Uint8Array.from([0x94, 0xc1, 0x07, ...fixstr('constructor'), ...fixstr('x')]),
  ],
  ['escape: typed array, bad index', () => Uint8Array.from([0x94, 0xc1, 0x06, 0x63, 0xc4, 0x02, 0x01, 0x02])],
  [
    'escape: typed array, index not a number',
    () => Uint8Array.from([0x94, 0xc1, 0x06, ...fixstr('Float64Array'), 0xc4, 0x08, 0, 0, 0, 0, 0, 0, 0, 0]),
  ],
  ['escape: Float64Array, 7 bytes', () => Uint8Array.from([0x94, 0xc1, 0x06, 0x07, 0xc4, 0x07, 0, 0, 0, 0, 0, 0, 0])],
  ['escape: typed array, payload not bytes', () => Uint8Array.from([0x94, 0xc1, 0x06, 0x02, 0x92, 0x01, 0x02])],
  ['escape: unknown kind', () => Uint8Array.from([0x92, 0xc1, 0x63])],
  ['escape: kind not a number', () => Uint8Array.from([0x92, 0xc1, ...fixstr('Map')])],
  ['escape: empty after C1', () => Uint8Array.from([0x91, 0xc1])],
  ['stray C1', () => Uint8Array.from([0xc1])],
  ['map with __proto__ key', () => Uint8Array.from([0x81, ...fixstr('__proto__'), 0x81, ...fixstr('polluted'), 0xc3])],
  [
    'map with constructor / prototype keys',
    () =>
      Uint8Array.from([
        0x82,
        ...fixstr('constructor'),
        0x81,
        ...fixstr('prototype'),
        0x81,
        ...fixstr('polluted'),
        0xc3,
        ...fixstr('toString'),
        0x01,
      ]),
  ],
  ['map with non-string keys', () => Uint8Array.from([0x83, 0x01, 0x02, 0x90, 0x03, 0x80, 0x04])],
  ['map with a 300-byte key', () => Uint8Array.from([0x81, ...str8('k'.repeat(300)), 0x01])],
  ['array nested 2,000 deep', () => concat(new Uint8Array(2000).fill(0x91), [0x01])],
  [
    'map nested 1,500 deep',
    () => {
      const out: number[] = [];
      for (let i = 0; i < 1500; i++) out.push(0x81, 0xa1, 0x61);
      out.push(0xc0);
      return Uint8Array.from(out);
    },
  ],
  ['array of 65,535 nils', () => concat([0xdc, 0xff, 0xff], new Uint8Array(0xffff).fill(0xc0))],
  ['array of 20,000 empty arrays', () => concat([0xdc, 0x4e, 0x20], new Uint8Array(20_000).fill(0x90))],
  ['str32 of huge length', () => Uint8Array.from([0xdb, 0xff, 0xff, 0xff, 0xff, 0x61])],
  ['bin32 of huge length', () => Uint8Array.from([0xc6, 0x7f, 0xff, 0xff, 0xff, 0x61])],
  ['array32 of huge count', () => Uint8Array.from([0xdd, 0xff, 0xff, 0xff, 0xff, 0xc0])],
  ['map32 of huge count', () => Uint8Array.from([0xdf, 0xff, 0xff, 0xff, 0xff, 0xa1, 0x61, 0xc0])],
  ['invalid UTF-8 string', () => Uint8Array.from([0xa4, 0xff, 0xfe, 0xed, 0x80])],
  ['lone surrogate as CESU-8', () => Uint8Array.from([0xa3, 0xed, 0xa0, 0x80])],
  ['uint64 max', () => Uint8Array.from([0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])],
  ['int64 min', () => Uint8Array.from([0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0])],
  ['float64 NaN with payload', () => Uint8Array.from([0xcb, 0x7f, 0xf8, 0, 0, 0, 0, 0, 0x01])],
  ['float64 -Infinity', () => Uint8Array.from([0xcb, 0xff, 0xf0, 0, 0, 0, 0, 0, 0])],
  ['arc placeholder', () => Uint8Array.from([0x00])],
  ['array of arc placeholders', () => Uint8Array.from([0x94, 0x00, 0x00, 0x00, 0x00])],
];

type ByteOp = (rng: Rng, b: Uint8Array, pool: MutationPool) => [Uint8Array, string];

/** Blind edits: they know nothing of msgpack. */
const BYTE_OPS: ReadonlyArray<readonly [number, ByteOp]> = [
  [
    4,
    (rng, b) => {
      if (b.length === 0) return [b, 'bit flip (empty)'];
      const out = new Uint8Array(b);
      const n = rng.range(1, 4);
      const at: string[] = [];
      for (let i = 0; i < n; i++) {
        const p = rng.int(out.length);
        const bit = rng.int(8);
        out[p]! ^= 1 << bit;
        at.push(`${p}.${bit}`);
      }
      return [out, `bit flip @${at.join(',')}`];
    },
  ],
  [
    3,
    (rng, b) => {
      if (b.length === 0) return [b, 'byte set (empty)'];
      const out = new Uint8Array(b);
      const p = rng.int(out.length);
      out[p] = rng.chance(0.7) ? rng.pick(INTERESTING_BYTES) : rng.u32() & 0xff;
      return [out, `byte set @${p}=0x${out[p]!.toString(16)}`];
    },
  ],
  [
    2,
    (rng, b) => {
      const p = rng.int(b.length + 1);
      const ins = rng.chance(0.5) ? rng.bytes(rng.range(1, 8)) : Uint8Array.of(rng.pick(INTERESTING_BYTES));
      return [replace(b, p, p, ins), `insert ${ins.length} @${p}`];
    },
  ],
  [
    2,
    (rng, b) => {
      if (b.length === 0) return [b, 'delete (empty)'];
      const p = rng.int(b.length);
      const n = Math.min(b.length - p, rng.range(1, 8));
      return [replace(b, p, p + n, []), `delete ${n} @${p}`];
    },
  ],
  [
    2,
    (rng, b, pool) => {
      const other = rng.pick(pool.blobs).data;
      const p = rng.int(b.length + 1);
      const q = Math.min(b.length, p + rng.int(16));
      const s = rng.int(other.length + 1);
      const t = Math.min(other.length, s + rng.range(1, 24));
      return [replace(b, p, q, other.subarray(s, t)), `splice [${p},${q}) <- other blob [${s},${t})`];
    },
  ],
  [
    2,
    (rng, b) => {
      const p = rng.int(b.length);
      return [b.subarray(0, p), `truncate to ${p}`];
    },
  ],
  [
    1,
    (rng, b) => {
      if (b.length === 0) return [b, 'duplicate (empty)'];
      const p = rng.int(b.length);
      const q = Math.min(b.length, p + rng.range(1, 32));
      const at = rng.int(b.length + 1);
      return [replace(b, at, at, b.subarray(p, q)), `duplicate [${p},${q}) @${at}`];
    },
  ],
  [
    1,
    (rng, b) => {
      const n = rng.range(1, 8);
      return [concat(b, rng.bytes(n)), `append ${n} bytes`];
    },
  ],
  [
    1,
    (rng) => {
      const n = rng.int(65);
      return [rng.bytes(n), `random ${n} bytes`];
    },
  ],
];

type StructOp = (rng: Rng, b: Uint8Array, vs: MsgpackValue[], pool: MutationPool) => [Uint8Array, string] | undefined;

/** Edits that know where msgpack values are. */
const STRUCT_OPS: ReadonlyArray<readonly [number, StructOp]> = [
  [
    3,
    (rng, b, vs) => {
      const v = rng.pick(vs);
      const t = rng.pick(TYPE_BYTES);
      return [replace(b, v.at, v.at + 1, [t]), `retype ${v.kind} @${v.at}: 0x${b[v.at]!.toString(16)} -> 0x${t.toString(16)}`];
    },
  ],
  [
    3,
    (rng, b, vs) => {
      const sized = vs.filter((v) => v.lenSize > 0);
      if (sized.length > 0 && rng.chance(0.5)) {
        const v = rng.pick(sized);
        const n = rng.pick(hugeLengths(v));
        const field = v.lenSize === 1 ? [n & 0xff] : v.lenSize === 2 ? [(n >> 8) & 0xff, n & 0xff] : be32(n);
        return [replace(b, v.lenAt, v.lenAt + v.lenSize, field), `${v.kind} length @${v.at}: ${v.len} -> ${n}`];
      }
      // A fixed-size header rewritten in its 32-bit form with a huge length.
      const fix = vs.filter((v) => v.lenSize === 0 && (v.kind === 'array' || v.kind === 'map' || v.kind === 'str'));
      if (fix.length === 0) return undefined;
      const v = rng.pick(fix);
      const big = v.kind === 'array' ? 0xdd : v.kind === 'map' ? 0xdf : 0xdb;
      const n = rng.pick([0xffffffff, 0x7fffffff, 0x10000, v.len + 1]);
      return [replace(b, v.at, v.at + 1, [big, ...be32(n)]), `${v.kind} @${v.at} widened to 32 bits, length ${v.len} -> ${n}`];
    },
  ],
  [
    2,
    (rng, b, vs) => {
      const c = vs.filter((v) => v.lenSize === 0 && (v.kind === 'array' || v.kind === 'map'));
      if (c.length === 0) return undefined;
      const v = rng.pick(c);
      const n = Math.max(0, Math.min(15, v.len + rng.pick([-1, 1, 2, 15 - v.len])));
      const base = v.kind === 'array' ? 0x90 : 0x80;
      return [replace(b, v.at, v.at + 1, [base | n]), `${v.kind} count @${v.at}: ${v.len} -> ${n}`];
    },
  ],
  [
    2,
    (rng, b, vs, pool) => {
      const v = rng.pick(vs);
      const other = rng.pick(pool.blobs).data;
      const ovs = scanMsgpack(other);
      if (ovs.length === 0) return undefined;
      const o = rng.pick(ovs);
      return [
        replace(b, v.at, v.end, other.subarray(o.at, o.end)),
        `value swap @${v.at} (${v.kind}) <- other ${o.kind} of ${o.end - o.at} bytes`,
      ];
    },
  ],
  [
    1,
    (rng, b, vs) => {
      const v = rng.pick(vs.slice(1));
      if (v === undefined) return undefined;
      return [replace(b, v.at, v.end, []), `value delete @${v.at} (${v.kind})`];
    },
  ],
  [
    1,
    (rng, b, vs) => {
      const v = rng.pick(vs);
      return [replace(b, v.end, v.end, b.subarray(v.at, v.end)), `value duplicate @${v.at} (${v.kind})`];
    },
  ],
  [
    2,
    (rng, b, vs, pool) => {
      const tags = vs.filter((v) => v.kind === 'str' && pool.tags.includes(new TextDecoder().decode(b.subarray(v.end - v.len, v.end))));
      if (tags.length === 0) return undefined;
      const v = rng.pick(tags);
      const to = rng.pick(pool.tags);
      return [replace(b, v.at, v.end, fixstr(to)), `tag swap @${v.at} -> "${to}"`];
    },
  ],
  [
    2,
    (rng, b, vs) => {
      // The kind number after a C1 escape sentinel.
      const i = vs.findIndex((v, j) => v.kind === 'never' && j + 1 < vs.length && rng.chance(0.6));
      if (i < 0) return undefined;
      const k = vs[i + 1]!;
      const kind = rng.range(0, 12);
      return [replace(b, k.at, k.end, [kind]), `escape kind @${k.at} -> ${kind}`];
    },
  ],
  [
    3,
    (rng, b, vs) => {
      const v = rng.pick(vs);
      const [name, make] = rng.pick(SNIPPETS);
      return [replace(b, v.at, v.end, make()), `${name} in place of ${v.kind} @${v.at}`];
    },
  ],
  [
    1,
    (rng, b, vs) => {
      const keys = vs.filter((v) => v.kind === 'str');
      if (keys.length === 0) return undefined;
      const v = rng.pick(keys);
      const name = rng.pick(['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'then']);
      return [replace(b, v.at, v.end, fixstr(name)), `string @${v.at} -> "${name}"`];
    },
  ],
];

function weighted<T>(rng: Rng, ops: ReadonlyArray<readonly [number, T]>): T {
  let total = 0;
  for (const [w] of ops) total += w;
  let r = rng.int(total);
  for (const [w, op] of ops) {
    if ((r -= w) < 0) return op;
  }
  return ops[ops.length - 1]![1];
}

function randomKey(rng: Rng): DataKey {
  return Array.from(rng.bytes(16), (x) => x.toString(16).padStart(2, '0')).join('');
}

/** Edits of the child-key list: drop, add, reorder, replace (with cousins, ancestors or nothing). */
function mutateArcs(rng: Rng, arcs: readonly DataKey[], pool: MutationPool): [DataKey[], string] {
  const out = arcs.slice();
  const op = rng.int(out.length === 0 ? 2 : 8);
  switch (op) {
    case 0: {
      const k = rng.chance(0.5) ? rng.pick(pool.keys) : rng.chance(0.5) ? rng.pick(pool.rootKeys) : randomKey(rng);
      const at = rng.int(out.length + 1);
      out.splice(at, 0, k);
      return [out, `child key added @${at}`];
    }
    case 1: {
      const n = rng.range(1, 40);
      for (let i = 0; i < n; i++) out.push(rng.pick(pool.keys));
      return [out, `${n} child keys appended`];
    }
    case 2: {
      const at = rng.int(out.length);
      out.splice(at, 1);
      return [out, `child key ${at} dropped`];
    }
    case 3: {
      if (out.length < 2) return [out.reverse(), 'child keys reversed'];
      const i = rng.int(out.length);
      const j = rng.int(out.length);
      [out[i], out[j]] = [out[j]!, out[i]!];
      return [out, `child keys ${i} and ${j} swapped`];
    }
    case 4: {
      const at = rng.int(out.length);
      out[at] = rng.pick(pool.keys);
      return [out, `child key ${at} replaced by another blob's`];
    }
    case 5: {
      const at = rng.int(out.length);
      out[at] = rng.pick(pool.rootKeys);
      return [out, `child key ${at} replaced by a root's (a cycle where it is an ancestor)`];
    }
    case 6: {
      const at = rng.int(out.length);
      out[at] = randomKey(rng);
      return [out, `child key ${at} replaced by a missing key`];
    }
    default:
      return [[], 'child keys cleared'];
  }
}

/** One to three mutations of `blob` (data and/or child keys). */
export function mutateBlob(rng: Rng, blob: PagableData, pool: MutationPool): Mutant {
  let data = blob.data;
  let arcs = blob.arcs.slice();
  const what: string[] = [];
  const n = rng.chance(0.7) ? 1 : rng.chance(0.6) ? 2 : 3;
  for (let i = 0; i < n; i++) {
    const r = rng.int(10);
    if (r < 2) {
      [arcs, what[i]] = mutateArcs(rng, arcs, pool);
      continue;
    }
    if (r < 6) {
      const vs = scanMsgpack(data);
      const got = vs.length > 0 ? weighted(rng, STRUCT_OPS)(rng, data, vs, pool) : undefined;
      if (got !== undefined) {
        [data, what[i]] = got;
        continue;
      }
    }
    [data, what[i]] = weighted(rng, BYTE_OPS)(rng, data, pool);
  }
  return { data, arcs, what: what.join(' + ') };
}

/**
 * Blind edits of a whole stored record (count, child keys and data together, whatever the
 * backend's layout), plus a few of its first byte, where record layouts keep their count.
 */
export function mutateRecord(rng: Rng, record: Uint8Array, pool: MutationPool): [Uint8Array, string] {
  if (rng.chance(0.3) && record.length > 0) {
    const first = rng.pick([0x00, 0x01, 0x7f, 0x80, 0xff, (record[0]! + 1) & 0xff, (record[0]! - 1) & 0xff]);
    const out = new Uint8Array(record);
    out[0] = first;
    return [out, `record byte 0: 0x${record[0]!.toString(16)} -> 0x${first.toString(16)}`];
  }
  if (rng.chance(0.15)) {
    const head = rng.pick([[0xff, 0xff, 0xff, 0xff, 0x0f], [0x80, 0x80, 0x80, 0x80, 0x80, 0x01], [0x81, 0x00], [0x80]]);
    return [concat(head, record.subarray(1)), `record count -> ${head.map((x) => x.toString(16)).join(' ')}`];
  }
  const [out, what] = weighted(rng, BYTE_OPS)(rng, record, pool);
  return [out, `record ${what}`];
}

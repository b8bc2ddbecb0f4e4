/*
 * Where the values of a msgpack byte string are, for structure-aware mutation: each value's type
 * byte, its length or count field, its payload and its whole extent (children included). Written
 * from the msgpack spec, independently of msgpackr and of pagable's codec, so the fuzzer never
 * shares a misreading with the code it attacks. A flat scan: containers are followed by their
 * items, so no recursion is needed; an explicit stack closes extents.
 */

/** What kind of msgpack value a type byte starts. */
export type MsgpackKind = 'int' | 'nil' | 'never' | 'bool' | 'float' | 'str' | 'bin' | 'ext' | 'array' | 'map';

/** One value in a msgpack byte string. */
export interface MsgpackValue {
  /** Offset of the type byte. */
  at: number;
  kind: MsgpackKind;
  /** Offset and width (0, 1, 2 or 4 bytes, big-endian) of the explicit length / count field. */
  lenAt: number;
  lenSize: 0 | 1 | 2 | 4;
  /** Byte length (str, bin, ext payload) or item count (array: n, map: n pairs). */
  len: number;
  /** Where this value ends, its items included (`at` + header + payload + items). */
  end: number;
}

interface Header {
  kind: MsgpackKind;
  lenSize: 0 | 1 | 2 | 4;
  /** Fixed-format length or count (used when lenSize is 0). */
  fixed: number;
  /** Bytes after the type byte and length field that are not items (ext type byte, numbers). */
  extra: number;
  /** True when `len` counts bytes of payload, false when it counts items. */
  bytes: boolean;
}

/** The header of type byte `t` (every byte is one: 0xc1 is "never used"). */
export function headerOf(t: number): Header {
  const h = (kind: MsgpackKind, lenSize: 0 | 1 | 2 | 4, fixed: number, extra: number, bytes: boolean): Header => ({
    kind,
    lenSize,
    fixed,
    extra,
    bytes,
  });
  if (t <= 0x7f || t >= 0xe0) return h('int', 0, 0, 0, true);
  if (t <= 0x8f) return h('map', 0, t & 0x0f, 0, false);
  if (t <= 0x9f) return h('array', 0, t & 0x0f, 0, false);
  if (t <= 0xbf) return h('str', 0, t & 0x1f, 0, true);
  switch (t) {
    case 0xc0:
      return h('nil', 0, 0, 0, true);
    case 0xc1:
      return h('never', 0, 0, 0, true);
    case 0xc2:
    case 0xc3:
      return h('bool', 0, 0, 0, true);
    case 0xc4:
      return h('bin', 1, 0, 0, true);
    case 0xc5:
      return h('bin', 2, 0, 0, true);
    case 0xc6:
      return h('bin', 4, 0, 0, true);
    case 0xc7:
      return h('ext', 1, 0, 1, true);
    case 0xc8:
      return h('ext', 2, 0, 1, true);
    case 0xc9:
      return h('ext', 4, 0, 1, true);
    case 0xca:
      return h('float', 0, 4, 0, true);
    case 0xcb:
      return h('float', 0, 8, 0, true);
    case 0xcc:
    case 0xd0:
      return h('int', 0, 1, 0, true);
    case 0xcd:
    case 0xd1:
      return h('int', 0, 2, 0, true);
    case 0xce:
    case 0xd2:
      return h('int', 0, 4, 0, true);
    case 0xcf:
    case 0xd3:
      return h('int', 0, 8, 0, true);
    case 0xd4:
      return h('ext', 0, 1, 1, true);
    case 0xd5:
      return h('ext', 0, 2, 1, true);
    case 0xd6:
      return h('ext', 0, 4, 1, true);
    case 0xd7:
      return h('ext', 0, 8, 1, true);
    case 0xd8:
      return h('ext', 0, 16, 1, true);
    case 0xd9:
      return h('str', 1, 0, 0, true);
    case 0xda:
      return h('str', 2, 0, 0, true);
    case 0xdb:
      return h('str', 4, 0, 0, true);
    case 0xdc:
      return h('array', 2, 0, 0, false);
    case 0xdd:
      return h('array', 4, 0, 0, false);
    case 0xde:
      return h('map', 2, 0, 0, false);
    default:
      return h('map', 4, 0, 0, false); // 0xdf
  }
}

function readLen(b: Uint8Array, at: number, size: 1 | 2 | 4): number {
  if (size === 1) return b[at]!;
  if (size === 2) return (b[at]! << 8) | b[at + 1]!;
  return ((b[at]! << 24) >>> 0) + ((b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!);
}

/**
 * The values of `bytes`, in byte order (a container before its items), from offset 0 on. Stops
 * quietly at the first value that does not fit (the rest is not msgpack a mutator can use).
 * Values still open at the end get `end` = bytes.length.
 */
export function scanMsgpack(bytes: Uint8Array): MsgpackValue[] {
  const out: MsgpackValue[] = [];
  const open: Array<{ index: number; left: number }> = [];
  let at = 0;
  while (at < bytes.length) {
    const h = headerOf(bytes[at]!);
    const lenAt = at + 1;
    if (lenAt + h.lenSize > bytes.length) break;
    const len = h.lenSize === 0 ? h.fixed : readLen(bytes, lenAt, h.lenSize);
    const payload = h.bytes ? len + h.extra : h.extra;
    const next = lenAt + h.lenSize + payload;
    if (next > bytes.length) break;
    const v: MsgpackValue = { at, kind: h.kind, lenAt, lenSize: h.lenSize, len, end: next };
    out.push(v);
    at = next;
    const items = h.bytes ? 0 : h.kind === 'map' ? 2 * len : len;
    if (items > 0) {
      open.push({ index: out.length - 1, left: items });
      continue;
    }
    // A complete value: it closes every container whose last item it was.
    while (open.length > 0) {
      const top = open[open.length - 1]!;
      if (--top.left > 0) break;
      out[top.index]!.end = at;
      open.pop();
    }
  }
  for (const o of open) out[o.index]!.end = bytes.length;
  return out;
}

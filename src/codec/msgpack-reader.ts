import { PagableError } from '../error.js';
import { C1_BYTE, MAX_INLINE_DEPTH } from './wire.js';

/*
 * A msgpack reader over one blob's bytes, the mirror of MsgpackWriter: it reads values where they
 * lie, so the decoder builds instances, arrays and Maps straight from bytes with no plain-object
 * tree in between. It reads what msgpackr reads for the subset our writer produces (msgpackr stays
 * the reference in test/msgpack-reader.test.ts), plus exact strings: WTF-8, so a lone UTF-16
 * surrogate (written as its own 3-byte sequence) comes back as itself.
 *
 * Hostile bytes yield a value or a PagableError CORRUPT: every length is checked against the bytes
 * left before anything is allocated (each element costs at least one byte, so nothing allocates
 * more than the blob's size), nesting is bounded, and map keys become own data properties by
 * definition (never an assignment through `__proto__`).
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
const { latin1Slice, utf8Slice } = Buffer.prototype as unknown as NativeSlices;

const EMPTY = new Uint8Array(0);

/** Recently read map keys by a hash of their bytes (see `MsgpackReader.key`). */
const KEY_CACHE_SIZE = 4096;
const keyCache: Array<{ n: number; bytes: Uint8Array; key: string } | undefined> = new Array(KEY_CACHE_SIZE);

/** Reads msgpack values; subclasses give meaning to arrays that begin with the 0xC1 byte (escapes). */
export class MsgpackReader {
  protected src: Uint8Array = EMPTY;
  /** For floats and 64-bit integers, made when first needed. */
  private view: DataView | undefined = undefined;
  /** Next byte to read, and the end of the value(s) being read. */
  pos = 0;
  protected end = 0;
  protected depth = 0;
  /** The whole source as Latin-1 text, made on the first long ASCII string (see `str`). */
  private text: string | undefined = undefined;
  /** The source's 4-byte-aligned words, to test strings for ASCII a word at a time; made on first use. */
  private words: Uint32Array | undefined = undefined;
  /** Where word 0 begins, in source offsets. */
  private wordsAt = 0;
  /** Names the blob in messages. */
  where = 'blob';

  /** Reads from `bytes[start..]`. */
  reset(bytes: Uint8Array, start: number, where: string): void {
    // Always a plain Uint8Array (a Buffer is one too, of another map): byte loads stay monomorphic.
    this.src = bytes.constructor === Uint8Array ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.view = undefined;
    this.words = undefined;
    this.pos = start;
    this.end = this.src.length;
    this.depth = 0;
    this.text = undefined;
    this.where = where;
  }

  /** True when every byte was read. */
  get atEnd(): boolean {
    return this.pos === this.end;
  }

  corrupt(msg: string): PagableError {
    return new PagableError('CORRUPT', `${this.where}: ${msg}`);
  }

  protected truncated(): PagableError {
    return this.corrupt('the blob is truncated');
  }

  /** Enters one container level; CORRUPT past MAX_INLINE_DEPTH. */
  protected enter(): void {
    if (++this.depth > MAX_INLINE_DEPTH) throw this.corrupt(`nesting deeper than ${MAX_INLINE_DEPTH}`);
  }

  /** `n` elements of at least `size` bytes each must fit in what is left. */
  protected fits(n: number, size: number): void {
    if (n * size > this.end - this.pos) throw this.truncated();
  }

  /** The next byte, not consumed (-1 at the end). */
  peek(): number {
    return this.pos < this.end ? this.src[this.pos]! : -1;
  }

  u8(): number {
    if (this.pos >= this.end) throw this.truncated();
    return this.src[this.pos++]!;
  }

  private u16(): number {
    if (this.pos + 2 > this.end) throw this.truncated();
    const v = (this.src[this.pos]! << 8) | this.src[this.pos + 1]!;
    this.pos += 2;
    return v;
  }

  private u32(): number {
    if (this.pos + 4 > this.end) throw this.truncated();
    const b = this.src;
    const p = this.pos;
    const v = ((b[p]! << 24) >>> 0) + ((b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!);
    this.pos += 4;
    return v;
  }

  /** If the next value is nil or undefined, consumes it and returns true. */
  nullish(): boolean {
    const b = this.src[this.pos];
    if (b === 0xc0) { this.pos++; return true; }
    if (b === 0xd4 && this.src[this.pos + 1] === 0 && this.pos + 3 <= this.end) { this.pos += 3; return true; }
    return false;
  }

  /** An array header's length, or -1 (nothing consumed) when the next value is not an array. */
  arrayHeader(): number {
    const b = this.src[this.pos];
    if (b === undefined) throw this.truncated();
    let n: number;
    if (b >= 0x90 && b <= 0x9f) { this.pos++; n = b & 0x0f; }
    else if (b === 0xdc) { this.pos++; n = this.u16(); }
    else if (b === 0xdd) { this.pos++; n = this.u32(); }
    else return -1;
    this.fits(n, 1);
    return n;
  }

  /** A map header's entry count, or -1 (nothing consumed) when the next value is not a map. */
  mapHeader(): number {
    const b = this.src[this.pos];
    if (b === undefined) throw this.truncated();
    let n: number;
    if (b >= 0x80 && b <= 0x8f) { this.pos++; n = b & 0x0f; }
    else if (b === 0xde) { this.pos++; n = this.u16(); }
    else if (b === 0xdf) { this.pos++; n = this.u32(); }
    else return -1;
    this.fits(n, 2);
    return n;
  }

  /** A non-negative integer that must be there (an index or count written by us). */
  uint(what: string): number {
    const b = this.u8();
    if (b < 0x80) return b;
    if (b === 0xcc) return this.u8();
    if (b === 0xcd) return this.u16();
    if (b === 0xce) return this.u32();
    throw this.corrupt(`expected ${what}`);
  }

  /** A string that must be there. */
  string(what: string): string {
    const b = this.u8();
    let n: number;
    if ((b & 0xe0) === 0xa0) n = b & 0x1f;
    else if (b === 0xd9) n = this.u8();
    else if (b === 0xda) n = this.u16();
    else if (b === 0xdb) n = this.u32();
    else throw this.corrupt(`expected ${what}`);
    return this.str(n);
  }

  /** If the next value is a string, reads it; otherwise undefined (nothing consumed). */
  maybeString(): string | undefined {
    const b = this.src[this.pos];
    if (b === undefined || !((b & 0xe0) === 0xa0 || b === 0xd9 || b === 0xda || b === 0xdb)) return undefined;
    return this.string('a string');
  }

  /**
   * `n` bytes of WTF-8 as a string. Most strings are ASCII: short ones are built from their bytes
   * in one call (concatenating characters would allocate a string per character), longer ones
   * are cut from the whole source decoded once as Latin-1 (one native call per blob instead of
   * one per string, as msgpackr does). Others go through Node's UTF-8 decoder, exact for
   * well-formed UTF-8, which writes U+FFFD for anything else: a lone surrogate's 3-byte
   * sequence, malformed bytes, or a real U+FFFD; only strings holding one are decoded again, by
   * the exact WTF-8 decoder below.
   */
  str(n: number): string {
    const p = this.pos;
    const e = p + n;
    if (e > this.end) throw this.truncated();
    this.pos = e;
    const b = this.src;
    if (n <= 8) {
      const s = shortAscii(b, p, n);
      if (s !== undefined) return s;
    }
    if (this.ascii(p, e)) return (this.text ??= latin1Slice.call(b, 0, this.end)).slice(p, e);
    const s = utf8Slice.call(b, p, e);
    return s.indexOf('\ufffd') < 0 ? s : decodeWtf8(b, p, e);
  }

  /** True when bytes [p, e) are all ASCII: tested a 4-byte word at a time (a byte loop costs more than decoding). */
  private ascii(p: number, e: number): boolean {
    const b = this.src;
    let w = this.words;
    if (w === undefined) {
      const off = b.byteOffset;
      const first = (off + 3) & ~3;
      this.wordsAt = first - off;
      this.words = w = new Uint32Array(b.buffer, first, Math.max(0, (off + b.byteLength - first) >> 2));
    }
    let i = p;
    const at = this.wordsAt;
    while (i < e && ((i - at) & 3) !== 0) if (b[i++]! >= 0x80) return false;
    if (i === e) return true;
    let k = (i - at) >> 2;
    const kEnd = (e - at) >> 2;
    for (; k < kEnd; k++) if ((w[k]! & 0x80808080) !== 0) return false;
    for (i = at + (k << 2); i < e; i++) if (b[i]! >= 0x80) return false;
    return true;
  }

  /** `n` bytes, copied into a Uint8Array of their own. */
  bytes(n: number): Uint8Array {
    if (this.pos + n > this.end) throw this.truncated();
    const out = new Uint8Array(n);
    out.set(this.src.subarray(this.pos, this.pos + n));
    this.pos += n;
    return out;
  }

  /** One msgpack value. Arrays beginning with 0xC1 are escapes (`escape`); maps become plain objects. */
  value(): unknown {
    const b = this.src[this.pos++];
    if (b === undefined) { this.pos--; throw this.truncated(); }
    if (b < 0x80) return b;
    if (b >= 0xe0) return b - 0x100;
    if (b >= 0xa0) {
      if (b < 0xc0) return this.str(b & 0x1f);
    } else if (b >= 0x90) {
      return this.array(b & 0x0f);
    } else {
      return this.map(b & 0x0f);
    }
    switch (b) {
      case 0xc0: return null;
      case 0xc2: return false;
      case 0xc3: return true;
      case 0xc4: return this.bytes(this.u8());
      case 0xc5: return this.bytes(this.u16());
      case 0xc6: return this.bytes(this.u32());
      case 0xc7: return this.ext(this.u8());
      case 0xc8: return this.ext(this.u16());
      case 0xc9: return this.ext(this.u32());
      case 0xca: { this.need(4); const v = this.dv().getFloat32(this.pos); this.pos += 4; return v; }
      case 0xcb: { this.need(8); const v = this.dv().getFloat64(this.pos); this.pos += 8; return v; }
      case 0xcc: return this.u8();
      case 0xcd: return this.u16();
      case 0xce: return this.u32();
      case 0xcf: { this.need(8); const v = this.dv().getBigUint64(this.pos); this.pos += 8; return v; }
      case 0xd0: { const v = this.u8(); return v < 0x80 ? v : v - 0x100; }
      case 0xd1: { const v = this.u16(); return v < 0x8000 ? v : v - 0x10000; }
      case 0xd2: return this.u32() | 0;
      case 0xd3: { this.need(8); const v = this.dv().getBigInt64(this.pos); this.pos += 8; return v; }
      case 0xd4: return this.ext(1);
      case 0xd5: return this.ext(2);
      case 0xd6: return this.ext(4);
      case 0xd7: return this.ext(8);
      case 0xd8: return this.ext(16);
      case 0xd9: return this.str(this.u8());
      case 0xda: return this.str(this.u16());
      case 0xdb: return this.str(this.u32());
      case 0xdc: return this.array(this.u16());
      case 0xdd: return this.array(this.u32());
      case 0xde: return this.map(this.u16());
      case 0xdf: return this.map(this.u32());
      default: throw this.corrupt(b === C1_BYTE ? 'a stray 0xC1 byte' : `unexpected byte 0x${b.toString(16)}`);
    }
  }

  private dv(): DataView {
    return (this.view ??= new DataView(this.src.buffer, this.src.byteOffset, this.src.byteLength));
  }

  private need(n: number): void {
    if (this.pos + n > this.end) throw this.truncated();
  }

  /** An array of `n` values (the header read), or an escape when it begins with 0xC1. */
  protected array(n: number): unknown {
    this.fits(n, 1);
    if (n > 0 && this.src[this.pos] === C1_BYTE) {
      this.pos++;
      return this.escape(n - 1);
    }
    this.enter();
    const a = new Array<unknown>(n);
    for (let i = 0; i < n; i++) a[i] = this.value();
    this.depth--;
    return a;
  }

  /** A map of `n` entries as a plain object; keys must be strings. */
  protected map(n: number): Record<string, unknown> {
    this.fits(n, 2);
    this.enter();
    const o: Record<string, unknown> = {};
    for (let i = 0; i < n; i++) {
      const k = this.key();
      const v = this.value();
      // Definition, not assignment: a `__proto__` key becomes an own property.
      if (k === '__proto__') Object.defineProperty(o, k, { value: v, writable: true, enumerable: true, configurable: true });
      else o[k] = v;
    }
    this.depth--;
    return o;
  }

  /**
   * A map key. Keys repeat (the same record shapes over and over), so short ones are cached by
   * their bytes, as msgpackr does: no string to decode, and one V8 already knows as a property name.
   */
  private key(): string {
    const b = this.src;
    const h = b[this.pos];
    if (h === undefined || (h & 0xe0) !== 0xa0) {
      const k = this.maybeString();
      if (k === undefined) throw this.corrupt('a map key that is not a string');
      return k;
    }
    const n = h & 0x1f;
    const p = this.pos + 1;
    if (n === 0 || n > 16 || p + n > this.end) return this.string('a map key');
    const slot = ((n << 7) ^ b[p]! ^ (b[p + n - 1]! << 3) ^ (b[p + (n >> 1)]! << 5)) & (KEY_CACHE_SIZE - 1);
    const hit = keyCache[slot];
    if (hit !== undefined && hit.n === n) {
      const kb = hit.bytes;
      let i = 0;
      while (i < n && kb[i] === b[p + i]) i++;
      if (i === n) {
        this.pos = p + n;
        return hit.key;
      }
    }
    this.pos = p;
    const key = this.str(n);
    keyCache[slot] = { n, bytes: b.slice(p, p + n), key };
    return key;
  }

  /** An escape: `rest` more values follow the 0xC1 byte. Plain msgpack has none. */
  protected escape(rest: number): unknown {
    void rest;
    throw this.corrupt('a stray 0xC1 byte');
  }

  /** An extension of `n` data bytes (the header read up to the type): undefined and timestamps only. */
  private ext(n: number): unknown {
    const type = this.u8();
    this.need(n);
    const p = this.pos;
    this.pos += n;
    if (type === 0) return undefined;
    if (type !== 0xff) throw this.corrupt(`unknown msgpack extension type ${type}`);
    const d = this.src;
    // msgpackr's timestamp arithmetic, exactly (including its invalid-date form).
    if (n === 4) return new Date((d[p]! * 0x1000000 + (d[p + 1]! << 16) + (d[p + 2]! << 8) + d[p + 3]!) * 1000);
    if (n === 8) {
      return new Date(((d[p]! << 22) + (d[p + 1]! << 14) + (d[p + 2]! << 6) + (d[p + 3]! >> 2)) / 1000000 +
        ((d[p + 3]! & 0x3) * 0x100000000 + d[p + 4]! * 0x1000000 + (d[p + 5]! << 16) + (d[p + 6]! << 8) + d[p + 7]!) * 1000);
    }
    if (n === 12) {
      return new Date(((d[p]! << 24) + (d[p + 1]! << 16) + (d[p + 2]! << 8) + d[p + 3]!) / 1000000 +
        (((d[p + 4]! & 0x80) ? -0x1000000000000 : 0) + d[p + 6]! * 0x10000000000 + d[p + 7]! * 0x100000000 + d[p + 8]! * 0x1000000 + (d[p + 9]! << 16) + (d[p + 10]! << 8) + d[p + 11]!) * 1000);
    }
    return new Date(NaN);
  }

  /** Skips one value without building it (plain msgpack; escapes are skipped as arrays). */
  skipValue(): void {
    const b = this.u8();
    if (b < 0x80 || b >= 0xe0 || b === 0xc0 || b === 0xc2 || b === 0xc3) return;
    if (b >= 0xa0 && b < 0xc0) return this.skipBytes(b & 0x1f);
    if (b >= 0x90 && b < 0xa0) return this.skipValues(b & 0x0f);
    if (b >= 0x80 && b < 0x90) return this.skipValues(2 * (b & 0x0f));
    switch (b) {
      case 0xc4: case 0xd9: return this.skipBytes(this.u8());
      case 0xc5: case 0xda: return this.skipBytes(this.u16());
      case 0xc6: case 0xdb: return this.skipBytes(this.u32());
      case 0xc7: return this.skipBytes(this.u8() + 1);
      case 0xc8: return this.skipBytes(this.u16() + 1);
      case 0xc9: return this.skipBytes(this.u32() + 1);
      case 0xcc: case 0xd0: return this.skipBytes(1);
      case 0xcd: case 0xd1: return this.skipBytes(2);
      case 0xca: case 0xce: case 0xd2: return this.skipBytes(4);
      case 0xcb: case 0xcf: case 0xd3: return this.skipBytes(8);
      case 0xd4: return this.skipBytes(2);
      case 0xd5: return this.skipBytes(3);
      case 0xd6: return this.skipBytes(5);
      case 0xd7: return this.skipBytes(9);
      case 0xd8: return this.skipBytes(17);
      case 0xdc: return this.skipValues(this.u16());
      case 0xdd: return this.skipValues(this.u32());
      case 0xde: return this.skipValues(2 * this.u16());
      case 0xdf: return this.skipValues(2 * this.u32());
      case C1_BYTE: return;
      default: throw this.corrupt(`unexpected byte 0x${b.toString(16)}`);
    }
  }

  private skipBytes(n: number): void {
    this.need(n);
    this.pos += n;
  }

  private skipValues(n: number): void {
    this.fits(n, 1);
    this.enter();
    for (let i = 0; i < n; i++) this.skipValue();
    this.depth--;
  }
}

/** Up to 8 bytes of ASCII as a string, in one allocation; undefined when a byte is not ASCII. */
function shortAscii(b: Uint8Array, p: number, n: number): string | undefined {
  switch (n) {
    case 0: return '';
    case 1: { const x = b[p]!; return x < 0x80 ? fcc(x) : undefined; }
    case 2: { const x = b[p]!, y = b[p + 1]!; return (x | y) < 0x80 ? fcc(x, y) : undefined; }
    case 3: { const x = b[p]!, y = b[p + 1]!, z = b[p + 2]!; return (x | y | z) < 0x80 ? fcc(x, y, z) : undefined; }
    case 4: {
      const x = b[p]!, y = b[p + 1]!, z = b[p + 2]!, w = b[p + 3]!;
      return (x | y | z | w) < 0x80 ? fcc(x, y, z, w) : undefined;
    }
    case 5: {
      const x = b[p]!, y = b[p + 1]!, z = b[p + 2]!, w = b[p + 3]!, v = b[p + 4]!;
      return (x | y | z | w | v) < 0x80 ? fcc(x, y, z, w, v) : undefined;
    }
    case 6: {
      const x = b[p]!, y = b[p + 1]!, z = b[p + 2]!, w = b[p + 3]!, v = b[p + 4]!, u = b[p + 5]!;
      return (x | y | z | w | v | u) < 0x80 ? fcc(x, y, z, w, v, u) : undefined;
    }
    case 7: {
      const x = b[p]!, y = b[p + 1]!, z = b[p + 2]!, w = b[p + 3]!, v = b[p + 4]!, u = b[p + 5]!, t = b[p + 6]!;
      return (x | y | z | w | v | u | t) < 0x80 ? fcc(x, y, z, w, v, u, t) : undefined;
    }
    default: {
      const x = b[p]!, y = b[p + 1]!, z = b[p + 2]!, w = b[p + 3]!, v = b[p + 4]!, u = b[p + 5]!, t = b[p + 6]!, r = b[p + 7]!;
      return (x | y | z | w | v | u | t | r) < 0x80 ? fcc(x, y, z, w, v, u, t, r) : undefined;
    }
  }
}

/**
 * WTF-8 (UTF-8 that also carries lone surrogates as 3-byte sequences) to a string; malformed
 * sequences become U+FFFD, one per bad byte, as TextDecoder does.
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
    } else if (c >= 0xe0 && c < 0xf0 && p + 1 < e && (b[p]! & 0xc0) === 0x80 && (b[p + 1]! & 0xc0) === 0x80 && !(c === 0xe0 && b[p]! < 0xa0)) {
      units.push(((c & 0x0f) << 12) | ((b[p]! & 0x3f) << 6) | (b[p + 1]! & 0x3f));
      p += 2;
    } else if (c >= 0xf0 && c < 0xf5 && p + 2 < e && (b[p]! & 0xc0) === 0x80 && (b[p + 1]! & 0xc0) === 0x80 && (b[p + 2]! & 0xc0) === 0x80 &&
      !(c === 0xf0 && b[p]! < 0x90) && !(c === 0xf4 && b[p]! >= 0x90)) {
      const u = (((c & 0x07) << 18) | ((b[p]! & 0x3f) << 12) | ((b[p + 1]! & 0x3f) << 6) | (b[p + 2]! & 0x3f)) - 0x10000;
      units.push(0xd800 | (u >> 10), 0xdc00 | (u & 0x3ff));
      p += 3;
    } else {
      units.push(0xfffd);
    }
    if (units.length >= 0x1000) {
      out += fcc(...units);
      units.length = 0;
    }
  }
  return units.length > 0 ? out + fcc(...units) : out;
}

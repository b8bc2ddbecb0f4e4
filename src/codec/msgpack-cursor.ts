import { PagableError } from '../error.js';
import { keyFromBytes } from '../keys/data.js';
import { decodeWtf8 } from '../text/wtf8.js';
import { C1_BYTE } from './wire.js';
import { MAX_INLINE_DEPTH } from './wire-rules.js';
import { latin1Slice, shortAscii, utf8Slice } from './string-slices.js';

/*
 * The byte side of reading msgpack: a position over one blob's bytes, bounds and nesting checks,
 * headers, numbers, strings and skipping, shared by MsgpackReader (values) and the decoders
 * above it. Every length is checked against the bytes left before anything is allocated, so
 * hostile bytes are CORRUPT, never a huge allocation or a read past the end.
 */

const EMPTY = new Uint8Array(0);

/*
 * Floats and 64-bit integers are read through one scratch word, not a DataView of the blob: a
 * DataView is an allocation and a runtime call, and a page-in reads thousands of small blobs, each
 * from its own view, many with a float or two (measured: 30k records [int, float, string, float],
 * each read from its own view, 0.106-0.123 us a record, against 0.149-0.170 with a DataView each).
 * msgpack is big-endian; the scratch's byte order is the host's, so the bytes go in reversed on a
 * little-endian host.
 */
const SCRATCH = new ArrayBuffer(8);
const F64 = new Float64Array(SCRATCH);
const F32 = new Float32Array(SCRATCH);
const U64 = new BigUint64Array(SCRATCH);
const I64 = new BigInt64Array(SCRATCH);
const WORD = new Uint8Array(SCRATCH);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** A cursor over msgpack bytes: what MsgpackReader builds values with. */
export class MsgpackCursor {
  protected src: Uint8Array = EMPTY;

  /** Next byte to read, and the end of the value(s) being read. */
  pos = 0;

  protected end = 0;

  protected depth = 0;

  /** The source from `textAt` to `end` as Latin-1 text, made on the first long ASCII string (see `str`). */
  private text: string | undefined = undefined;

  /** Where `text` starts, in source offsets: where reading started (the source may be a store's whole chunk). */
  private textAt = 0;

  /** The source's 4-byte-aligned words, to test strings for ASCII a word at a time; made on first use. */
  private words: Uint32Array | undefined = undefined;

  /** Where word 0 begins, in source offsets. */
  private wordsAt = 0;

  /** Names the blob in messages; undefined: made from the key bytes on first use. */
  #where: string | undefined = 'blob';
  #whereKey: Uint8Array = EMPTY;
  #whereAt = 0;

  /** Names the blob in messages ("blob <key>"). */
  get where(): string {
    return (this.#where ??= `blob ${keyFromBytes(this.#whereKey, this.#whereAt)}`);
  }

  /**
   * Reads `bytes[start, end)`; `where` names the blob in messages, or, when undefined, the key at
   * `keyBytes[keyAt, keyAt + 16)` does (its string made only if a message needs it). Nothing
   * outside the range is read: every read is bounded by `end`, not by the source's length.
   */
  reset(bytes: Uint8Array, start: number, where: string | undefined, keyBytes: Uint8Array = EMPTY, keyAt = 0, end = bytes.length): void {
    // Always a plain Uint8Array (a Buffer is one too, of another map): byte loads stay monomorphic.
    this.src = bytes.constructor === Uint8Array ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.words = undefined;
    this.pos = this.textAt = start;
    this.end = end;
    this.depth = 0;
    this.text = undefined;
    this.#where = where;
    this.#whereKey = keyBytes;
    this.#whereAt = keyAt;
  }

  /** Lets go of the bytes last read (and what was made from them); `reset` starts again. */
  release(): void {
    this.reset(EMPTY, 0, 'blob');
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

  protected u16(): number {
    if (this.pos + 2 > this.end) throw this.truncated();
    const v = (this.src[this.pos]! << 8) | this.src[this.pos + 1]!;
    this.pos += 2;
    return v;
  }

  protected u32(): number {
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
    if (b === 0xc0) {
      this.pos++;
      return true;
    }
    if (b === 0xd4 && this.src[this.pos + 1] === 0 && this.pos + 3 <= this.end) {
      this.pos += 3;
      return true;
    }
    return false;
  }

  /** An array header's length, or -1 (nothing consumed) when the next value is not an array. */
  arrayHeader(): number {
    const b = this.src[this.pos];
    if (b === undefined) throw this.truncated();
    let n: number;
    if (b >= 0x90 && b <= 0x9f) {
      this.pos++;
      n = b & 0x0f;
    } else if (b === 0xdc) {
      this.pos++;
      n = this.u16();
    } else if (b === 0xdd) {
      this.pos++;
      n = this.u32();
    } else return -1;
    this.fits(n, 1);
    return n;
  }

  /** A map header's entry count, or -1 (nothing consumed) when the next value is not a map. */
  mapHeader(): number {
    const b = this.src[this.pos];
    if (b === undefined) throw this.truncated();
    let n: number;
    if (b >= 0x80 && b <= 0x8f) {
      this.pos++;
      n = b & 0x0f;
    } else if (b === 0xde) {
      this.pos++;
      n = this.u16();
    } else if (b === 0xdf) {
      this.pos++;
      n = this.u32();
    } else return -1;
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
   * the WTF-8 decoder (text/wtf8.ts).
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
    if (this.ascii(p, e)) return (this.text ??= latin1Slice.call(b, this.textAt, this.end)).slice(p - this.textAt, e - this.textAt);
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
      // A short view can end before the first aligned word (and its buffer with it): no words then.
      const words = Math.max(0, (off + b.byteLength - first) >> 2);
      this.words = w = words === 0 ? new Uint32Array(0) : new Uint32Array(b.buffer, first, words);
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
    const src = this.src;
    const at = this.pos;
    this.pos += n;
    // One object: a loop for a few bytes, else a slice (no subarray view to copy from).
    if (n >= 64) return src.slice(at, at + n);
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = src[at + i]!;
    return out;
  }

  /** Moves the next `n` (4 or 8) bytes into the scratch word in host order. */
  #word(n: number): void {
    this.need(n);
    const src = this.src;
    const p = this.pos;
    if (LITTLE_ENDIAN) for (let i = 0; i < n; i++) WORD[i] = src[p + n - 1 - i]!;
    else for (let i = 0; i < n; i++) WORD[i] = src[p + i]!;
    this.pos = p + n;
  }

  /** A big-endian float64. */
  protected f64(): number {
    this.#word(8);
    return F64[0]!;
  }

  /** A big-endian float32. */
  protected f32(): number {
    this.#word(4);
    return F32[0]!;
  }

  /** A big-endian uint64. */
  protected u64(): bigint {
    this.#word(8);
    return U64[0]!;
  }

  /** A big-endian int64. */
  protected i64(): bigint {
    this.#word(8);
    return I64[0]!;
  }

  protected need(n: number): void {
    if (this.pos + n > this.end) throw this.truncated();
  }

  /** Skips one value without building it (plain msgpack; escapes are skipped as arrays). */
  skipValue(): void {
    const b = this.u8();
    if (b < 0x80 || b >= 0xe0 || b === 0xc0 || b === 0xc2 || b === 0xc3) return;
    if (b >= 0xa0 && b < 0xc0) return this.skipBytes(b & 0x1f);
    if (b >= 0x90 && b < 0xa0) return this.skipValues(b & 0x0f);
    if (b >= 0x80 && b < 0x90) return this.skipValues(2 * (b & 0x0f));
    switch (b) {
      case 0xc4:
      case 0xd9:
        return this.skipBytes(this.u8());
      case 0xc5:
      case 0xda:
        return this.skipBytes(this.u16());
      case 0xc6:
      case 0xdb:
        return this.skipBytes(this.u32());
      case 0xc7:
        return this.skipBytes(this.u8() + 1);
      case 0xc8:
        return this.skipBytes(this.u16() + 1);
      case 0xc9:
        return this.skipBytes(this.u32() + 1);
      case 0xcc:
      case 0xd0:
        return this.skipBytes(1);
      case 0xcd:
      case 0xd1:
        return this.skipBytes(2);
      case 0xca:
      case 0xce:
      case 0xd2:
        return this.skipBytes(4);
      case 0xcb:
      case 0xcf:
      case 0xd3:
        return this.skipBytes(8);
      case 0xd4:
        return this.skipBytes(2);
      case 0xd5:
        return this.skipBytes(3);
      case 0xd6:
        return this.skipBytes(5);
      case 0xd7:
        return this.skipBytes(9);
      case 0xd8:
        return this.skipBytes(17);
      case 0xdc:
        return this.skipValues(this.u16());
      case 0xdd:
        return this.skipValues(this.u32());
      case 0xde:
        return this.skipValues(2 * this.u16());
      case 0xdf:
        return this.skipValues(2 * this.u32());
      case C1_BYTE:
        return;
      default:
        throw this.corrupt(`unexpected byte 0x${b.toString(16)}`);
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

/*
 * A msgpack writer that makes the byte choices msgpackr's `Packr` makes with our options (wire.ts:
 * no records, variableMapSize, no moreTypes, no bundled strings, undefined as fixext), with one
 * deliberate difference: strings are WTF-8 at every length, so a lone UTF-16 surrogate is written
 * as its own 3-byte sequence and reads back as itself (msgpackr does that only below 64 units and
 * writes U+FFFD above). Blob keys are hashes of these bytes; msgpackr stays the reference, checked
 * by a differential test (test/codec/msgpack-writer.test.ts). Where msgpackr's choice is unusual it is
 * copied and says so.
 */

import { writeWtf8 } from '../text/wtf8.js';

/** `String.prototype.isWellFormed` (ES2024, in every supported Node): no lone surrogate. */
const isWellFormed = (String.prototype as unknown as { isWellFormed: (this: string) => boolean }).isWellFormed;

/** A fresh slab is this big by default; blobs are views into slabs, as msgpackr's own output is. */
const SLAB = 0x2000;
/** Slabs a recycling writer keeps for reuse (see `recycle`). */
const MAX_FREE = 16;
/** A blob does not start in the last bytes of a slab (it would likely have to move at once). */
const MIN_ROOM = 0x800;
/** A slab grown past this for a big value is let go after it, not kept for the writer's lifetime. */
const MAX_KEPT = 0x100000;
/**
 * Bytes of grown slabs a recycling writer keeps for the next values, so that a workload of large
 * values reuses its slabs instead of allocating (and collecting) external memory per growth, as
 * msgpackr keeps its one grown buffer.
 */
const MAX_BIG_KEPT = 32 * 0x100000;
/** A string this long is sized exactly before it is written, when its worst case does not fit. */
const SIZED_STRING = 0x1000;
/** The most bytes one number takes (float64). */
const NUM_MAX = 9;

/**
 * Appends msgpack values to a growable buffer. Between `begin` and `finish` it writes one value
 * (one blob); `finish` returns a view of those bytes that is never written over again, so blobs
 * cost no copy. Not reentrant: use one per walk.
 *
 * A page-out writes its blobs framed for their keys instead (`beginFramed`, `reserve`): bytes
 * kept free before and after each value, filled in once its children have keys, so the key is
 * hashed where the blob lies and nothing per blob is allocated (keys/blob-batch.ts). Its blobs are
 * read by offset (`slab`, `frame`), and once they are stored `recycle` reuses the slabs.
 */
export class MsgpackWriter {
  private buf: Buffer;
  private view: DataView;
  /** `buf` as 32-bit words (slabs start 4-aligned), for hashing framed blobs in place. */
  private wordView: Int32Array;
  /** Where the next byte goes, where the current value began, and where its frame began. */
  private pos = 0;
  private start = 0;
  private frameAt = 0;
  /** `buf.length`, kept in a field so that bound checks read no typed array length. */
  private end: number;
  /** Recycling writers: slabs left since the last `recycle`, and slabs free for reuse. */
  private readonly left: Buffer[] = [];
  private readonly free: Buffer[] = [];
  /** Recycling writers: grown slabs (larger than `slab`) free for reuse, and their total bytes. */
  private readonly bigFree: Buffer[] = [];
  private bigFreeBytes = 0;

  /** A writer whose fresh slabs are `slab` bytes; with `recycles`, see `recycle`. */
  constructor(
    private readonly slab = SLAB,
    private readonly recycles = false,
  ) {
    this.buf = Buffer.allocUnsafeSlow(slab);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.length);
    this.wordView = new Int32Array(this.buf.buffer, this.buf.byteOffset, this.buf.length >>> 2);
    this.end = this.buf.length;
  }

  /** Starts a new value after what earlier values left (bytes of a failed value are abandoned). */
  begin(): void {
    this.start = this.frameAt = this.pos;
    if (this.end - this.pos < MIN_ROOM || (this.end > MAX_KEPT && !this.recycles)) this.newSlab(this.slab);
  }

  /**
   * Starts a value framed for its key: `head` bytes kept free before it, the frame 4-byte aligned.
   * A recycling writer goes on in a grown slab while it has room (its values are copied out before
   * the slab is written over), so that large values share slabs.
   */
  beginFramed(head: number): void {
    const at = (this.pos + 3) & ~3;
    if (this.end - at < MIN_ROOM + head || (this.end > MAX_KEPT && !this.recycles)) {
      this.frameAt = this.start = this.pos;
      this.newSlab(this.slab);
    } else {
      this.pos = this.frameAt = at;
    }
    this.pos += head;
    this.start = this.pos;
  }

  /** `n` bytes kept free after the value (its frame's tail); returns where they start. */
  reserve(n: number): number {
    if (this.pos + n > this.end) this.room(n);
    const at = this.pos;
    this.pos += n;
    return at;
  }

  /** The bytes written since `begin`, exactly sized. */
  finish(): Uint8Array {
    return this.buf.subarray(this.start, this.pos);
  }

  /** The slab the current value lies in (it never moves once the value is finished). */
  get slabBytes(): Buffer {
    return this.buf;
  }

  /** `slabBytes` as 32-bit words. */
  get slabWords(): Int32Array {
    return this.wordView;
  }

  /** Where the current value's frame, the value itself, and what was written so far end, in `slabBytes`. */
  get frame(): number {
    return this.frameAt;
  }

  get valueStart(): number {
    return this.start;
  }

  get offset(): number {
    return this.pos;
  }

  /**
   * Every value written so far was copied out (stored): their slabs are written over from now on.
   * Only for a writer whose values are read by offset and never handed out as views.
   */
  recycle(): void {
    if (!this.recycles) return;
    for (const b of this.left) {
      if (b.length === this.slab) {
        if (this.free.length < MAX_FREE) this.free.push(b);
      } else if (b.length > this.slab && this.bigFreeBytes + b.length <= MAX_BIG_KEPT) {
        this.bigFree.push(b);
        this.bigFreeBytes += b.length;
      }
    }
    this.left.length = 0;
    this.pos = this.start = this.frameAt = 0;
  }

  /** A slab of at least `size` bytes: a free one of a recycling writer where one is big enough. */
  private takeSlab(size: number): Buffer {
    if (size === this.slab) return this.free.pop() ?? Buffer.allocUnsafeSlow(size);
    const big = this.bigFree;
    // The smallest free grown slab that fits (there are few).
    let best = -1;
    for (let i = 0; i < big.length; i++) if (big[i]!.length >= size && (best < 0 || big[i]!.length < big[best]!.length)) best = i;
    if (best < 0) return Buffer.allocUnsafeSlow(size);
    const buf = big[best]!;
    big[best] = big[big.length - 1]!;
    big.pop();
    this.bigFreeBytes -= buf.length;
    return buf;
  }

  private newSlab(size: number): void {
    const buf = this.takeSlab(size);
    // Only the current value moves (from its frame on): earlier values must stay where they are.
    this.buf.copy(buf, 0, this.frameAt, this.pos);
    if (this.recycles) this.left.push(this.buf);
    this.pos -= this.frameAt;
    this.start -= this.frameAt;
    this.frameAt = 0;
    this.buf = buf;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.length);
    this.wordView = new Int32Array(buf.buffer, buf.byteOffset, buf.length >>> 2);
    this.end = buf.length;
  }

  /** Makes room for `n` more bytes. */
  private room(n: number): void {
    if (this.pos + n > this.end) this.newSlab(Math.max(this.slab, ((this.pos - this.frameAt + n) * 2 + 0xfff) & ~0xfff));
  }

  /** Bytes that are already msgpack (a tag header, msgpackr's own output). */
  raw(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** 0xc1, msgpack's "never used" byte, which begins our escapes. */
  c1(): void {
    if (this.pos + 1 > this.end) this.room(1);
    this.buf[this.pos++] = 0xc1;
  }

  nil(): void {
    if (this.pos + 1 > this.end) this.room(1);
    this.buf[this.pos++] = 0xc0;
  }

  /** msgpackr writes undefined as fixext 1, type 0, data 0. */
  undef(): void {
    if (this.pos + 3 > this.end) this.room(3);
    const b = this.buf;
    b[this.pos] = 0xd4;
    b[this.pos + 1] = 0;
    b[this.pos + 2] = 0;
    this.pos += 3;
  }

  bool(v: boolean): void {
    if (this.pos + 1 > this.end) this.room(1);
    this.buf[this.pos++] = v ? 0xc3 : 0xc2;
  }

  /**
   * A number as msgpackr writes it: the smallest int format for integers in uint32 or int32 range
   * (positive fixint up to 0x7f, since records are off), float64 for everything else (larger
   * integers, fractions, NaN, ±Infinity). -0 comes out as 0, as from msgpackr; callers escape it.
   */
  num(v: number): void {
    if (this.pos + NUM_MAX > this.end) this.room(NUM_MAX);
    this.pos = writeNum(this.buf, this.view, this.pos, v);
  }

  /**
   * An array of numbers, none of them -0 (the caller checks): `array(a.length)` and `num` of each
   * element, with the room for all of them made once.
   */
  numbers(a: readonly number[]): void {
    const n = a.length;
    this.header(n, 0x90, 0xdc);
    if (this.pos + NUM_MAX * n > this.end) this.room(NUM_MAX * n);
    const b = this.buf;
    const view = this.view;
    let p = this.pos;
    for (let i = 0; i < n; i++) p = writeNum(b, view, p, a[i]!);
    this.pos = p;
  }

  /** A bigint within int64 (as int64, even when positive) or uint64 range (as uint64); callers check the range. */
  bigint(v: bigint): void {
    if (this.pos + 9 > this.end) this.room(9);
    if (v < 0x8000000000000000n && v >= -0x8000000000000000n) {
      this.buf[this.pos] = 0xd3;
      this.view.setBigInt64(this.pos + 1, v);
    } else {
      this.buf[this.pos] = 0xcf;
      this.view.setBigUint64(this.pos + 1, v);
    }
    this.pos += 9;
  }

  /**
   * A string as WTF-8: strings under 16 UTF-16 units, and longer ones with a lone surrogate, are
   * encoded by writeWtf8 (a lone surrogate as its own 3-byte sequence); other ones go through Buffer's
   * UTF-8 encoder, which writes the same bytes for well-formed strings. msgpackr switches at 64;
   * on the bench workload's 390k strings (most 32-63 units) the native call wins from about 16
   * (34-44 ms against 45-51 ms at 64; 45-78 ms at 4-8). The header is the smallest for the byte
   * length.
   */
  str(s: string): void {
    const n = s.length;
    // The header is guessed from the length in units (bytes are never fewer), then the bytes
    // are moved in the rare case the guess was short: by up to 2 more bytes (3 to 5), which
    // must be there too.
    const guess = n < 0x20 ? 1 : n < 0x100 ? 2 : n < 0x10000 ? 3 : 5;
    if (this.pos + guess + 2 + n * 3 > this.end) {
      // A long string is sized first rather than making room for its worst case (3 bytes per
      // unit): the room made would be mostly unused and likely force the next growth. WTF-8 and
      // Buffer's UTF-8 have the same length (a lone surrogate is 3 bytes in both).
      this.room(guess + 2 + (n < SIZED_STRING ? n * 3 : Buffer.byteLength(s)));
    }
    const b = this.buf;
    const at = this.pos + guess;
    const len = n < 0x10 || !isWellFormed.call(s) ? writeWtf8(s, b, at) - at : b.write(s, at);
    let p = this.pos;
    if (len < 0x20) {
      b[p++] = 0xa0 | len;
    } else if (len < 0x100) {
      if (guess < 2) b.copyWithin(p + 2, p + 1, p + 1 + len);
      b[p++] = 0xd9;
      b[p++] = len;
    } else if (len < 0x10000) {
      if (guess < 3) b.copyWithin(p + 3, p + guess, p + guess + len);
      b[p++] = 0xda;
      b[p++] = len >> 8;
      b[p++] = len & 0xff;
    } else {
      if (guess < 5) b.copyWithin(p + 5, p + guess, p + guess + len);
      b[p++] = 0xdb;
      this.view.setUint32(p, len);
      p += 4;
    }
    this.pos = p + len;
  }

  /** Bytes as msgpack bin (how msgpackr writes a Uint8Array or Buffer without moreTypes). */
  bin(v: Uint8Array): void {
    const n = v.byteLength;
    this.room(n + 5);
    const b = this.buf;
    let p = this.pos;
    if (n < 0x100) {
      b[p++] = 0xc4;
      b[p++] = n;
    } else if (n < 0x10000) {
      b[p++] = 0xc5;
      b[p++] = n >> 8;
      b[p++] = n & 0xff;
    } else {
      b[p++] = 0xc6;
      this.view.setUint32(p, n);
      p += 4;
    }
    b.set(v, p);
    this.pos = p + n;
  }

  /**
   * A Date as msgpackr writes it (timestamp extension -1): 32-bit seconds when it has no
   * milliseconds and fits, 64-bit when it is positive and fits, 96-bit otherwise, and an invalid
   * date as fixext 1 with data 0xff. The arithmetic is msgpackr's, including its truncations.
   */
  date(d: Date): void {
    if (this.pos + 15 > this.end) this.room(15);
    const b = this.buf;
    const p = this.pos;
    const seconds = d.getTime() / 1000;
    if (d.getMilliseconds() === 0 && seconds >= 0 && seconds < 0x100000000) {
      b[p] = 0xd6;
      b[p + 1] = 0xff;
      this.view.setUint32(p + 2, seconds);
      this.pos = p + 6;
    } else if (seconds > 0 && seconds < 0x100000000) {
      b[p] = 0xd7;
      b[p + 1] = 0xff;
      this.view.setUint32(p + 2, d.getMilliseconds() * 4000000 + ((seconds / 1000 / 0x100000000) >> 0));
      this.view.setUint32(p + 6, seconds);
      this.pos = p + 10;
    } else if (isNaN(seconds)) {
      b[p] = 0xd4;
      b[p + 1] = 0xff;
      b[p + 2] = 0xff;
      this.pos = p + 3;
    } else {
      b[p] = 0xc7;
      b[p + 1] = 12;
      b[p + 2] = 0xff;
      this.view.setUint32(p + 3, d.getMilliseconds() * 1000000);
      this.view.setBigInt64(p + 7, BigInt(Math.floor(seconds)));
      this.pos = p + 15;
    }
  }

  /** An array header for `n` elements (fixarray, array16, array32). */
  array(n: number): void {
    this.header(n, 0x90, 0xdc);
  }

  /** A map header for `n` entries (fixmap, map16, map32): msgpackr's `variableMapSize`. */
  map(n: number): void {
    this.header(n, 0x80, 0xde);
  }

  /** A container header: the fix form (`fix | n`), then the 16-bit (`x16`) or 32-bit (`x16 + 1`) one. */
  private header(n: number, fix: number, x16: number): void {
    if (this.pos + 5 > this.end) this.room(5);
    const b = this.buf;
    if (n < 0x10) {
      b[this.pos++] = fix | n;
    } else if (n < 0x10000) {
      b[this.pos] = x16;
      b[this.pos + 1] = n >> 8;
      b[this.pos + 2] = n & 0xff;
      this.pos += 3;
    } else {
      b[this.pos] = x16 + 1;
      this.view.setUint32(this.pos + 1, n);
      this.pos += 5;
    }
  }
}

/** Writes the number `v` at `p` of `b` (`view` over the same bytes) as `num` says; returns where it ends. */
function writeNum(b: Buffer, view: DataView, p: number, v: number): number {
  if (v >>> 0 === v) {
    if (v < 0x80) {
      b[p] = v;
      return p + 1;
    }
    if (v < 0x100) {
      b[p] = 0xcc;
      b[p + 1] = v;
      return p + 2;
    }
    if (v < 0x10000) {
      b[p] = 0xcd;
      b[p + 1] = v >> 8;
      b[p + 2] = v & 0xff;
      return p + 3;
    }
    b[p] = 0xce;
    view.setUint32(p + 1, v);
    return p + 5;
  }
  if (v >> 0 === v) {
    if (v >= -0x20) {
      b[p] = 0x100 + v;
      return p + 1;
    }
    if (v >= -0x80) {
      b[p] = 0xd0;
      b[p + 1] = v + 0x100;
      return p + 2;
    }
    if (v >= -0x8000) {
      b[p] = 0xd1;
      view.setInt16(p + 1, v);
      return p + 3;
    }
    b[p] = 0xd2;
    view.setInt32(p + 1, v);
    return p + 5;
  }
  b[p] = 0xcb;
  view.setFloat64(p + 1, v);
  return p + 9;
}

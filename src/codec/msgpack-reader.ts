import { C1_BYTE } from './wire.js';
import { MsgpackCursor } from './msgpack-cursor.js';

/*
 * A msgpack reader over one blob's bytes, the mirror of MsgpackWriter: it reads values where they
 * lie, so the decoder builds instances, arrays and Maps straight from bytes with no plain-object
 * tree in between. It reads what msgpackr reads for the subset our writer produces (msgpackr stays
 * the reference in test/codec/msgpack-reader.test.ts), plus exact strings: WTF-8, so a lone UTF-16
 * surrogate (written as its own 3-byte sequence) comes back as itself.
 *
 * Hostile bytes yield a value or a PagableError CORRUPT: every length is checked against the bytes
 * left before anything is allocated (each element costs at least one byte, so nothing allocates
 * more than the blob's size), nesting is bounded, and map keys become own data properties by
 * definition (never an assignment through `__proto__`).
 */

/** Recently read map keys by a hash of their bytes (see `MsgpackReader.key`). */
const KEY_CACHE_SIZE = 4096;
const keyCache: Array<{ n: number; bytes: Uint8Array; key: string } | undefined> = new Array(KEY_CACHE_SIZE);

/** Reads msgpack values; subclasses give meaning to arrays that begin with the 0xC1 byte (escapes). */
export class MsgpackReader extends MsgpackCursor {
  /** One msgpack value. Arrays beginning with 0xC1 are escapes (`escape`); maps become plain objects. */
  value(): unknown {
    const b = this.src[this.pos++];
    if (b === undefined) {
      this.pos--;
      throw this.truncated();
    }
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
      case 0xc0:
        return null;
      case 0xc2:
        return false;
      case 0xc3:
        return true;
      case 0xc4:
        return this.bytes(this.u8());
      case 0xc5:
        return this.bytes(this.u16());
      case 0xc6:
        return this.bytes(this.u32());
      case 0xc7:
        return this.ext(this.u8());
      case 0xc8:
        return this.ext(this.u16());
      case 0xc9:
        return this.ext(this.u32());
      case 0xca:
        return this.f32();
      case 0xcb:
        return this.f64();
      case 0xcc:
        return this.u8();
      case 0xcd:
        return this.u16();
      case 0xce:
        return this.u32();
      case 0xcf:
        return this.u64();
      case 0xd0: {
        const v = this.u8();
        return v < 0x80 ? v : v - 0x100;
      }
      case 0xd1: {
        const v = this.u16();
        return v < 0x8000 ? v : v - 0x10000;
      }
      case 0xd2:
        return this.u32() | 0;
      case 0xd3:
        return this.i64();
      case 0xd4:
        return this.ext(1);
      case 0xd5:
        return this.ext(2);
      case 0xd6:
        return this.ext(4);
      case 0xd7:
        return this.ext(8);
      case 0xd8:
        return this.ext(16);
      case 0xd9:
        return this.str(this.u8());
      case 0xda:
        return this.str(this.u16());
      case 0xdb:
        return this.str(this.u32());
      case 0xdc:
        return this.array(this.u16());
      case 0xdd:
        return this.array(this.u32());
      case 0xde:
        return this.map(this.u16());
      case 0xdf:
        return this.map(this.u32());
      default:
        throw this.corrupt(b === C1_BYTE ? 'a stray 0xC1 byte' : `unexpected byte 0x${b.toString(16)}`);
    }
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

  /**
   * A value that is often one of a few short strings used over and over (a Map key, a Set member):
   * a non-empty short string goes through the key cache, anything else is read as a value.
   */
  protected repeatedValue(): unknown {
    const h = this.src[this.pos];
    return h !== undefined && h > 0xa0 && h < 0xc0 ? this.key() : this.value();
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
      return new Date(
        ((d[p]! << 22) + (d[p + 1]! << 14) + (d[p + 2]! << 6) + (d[p + 3]! >> 2)) / 1000000 +
          ((d[p + 3]! & 0x3) * 0x100000000 + d[p + 4]! * 0x1000000 + (d[p + 5]! << 16) + (d[p + 6]! << 8) + d[p + 7]!) * 1000,
      );
    }
    if (n === 12) {
      return new Date(
        ((d[p]! << 24) + (d[p + 1]! << 16) + (d[p + 2]! << 8) + d[p + 3]!) / 1000000 +
          ((d[p + 4]! & 0x80 ? -0x1000000000000 : 0) +
            d[p + 6]! * 0x10000000000 +
            d[p + 7]! * 0x100000000 +
            d[p + 8]! * 0x1000000 +
            (d[p + 9]! << 16) +
            (d[p + 10]! << 8) +
            d[p + 11]!) *
            1000,
      );
    }
    return new Date(NaN);
  }
}

import { MsgpackReader } from './msgpack-reader.js';
import { C1 } from './wire.js';

/*
 * Blobs read without classes (the CLI's views, plain exports) as msgpack trees: maps as Maps (any
 * key survives, `__proto__` included), escapes as arrays beginning with msgpackr's C1 sentinel, and
 * strings exact (WTF-8: a lone surrogate comes back as itself, where msgpackr gives U+FFFD). The
 * bounds and nesting checks are MsgpackReader's, so hostile bytes are CORRUPT.
 */

/** Reads one msgpack value as a tree; see the top of this file. */
export class TreeReader extends MsgpackReader {
  /** The one value that spans `bytes[start..]`; CORRUPT (naming `where`) otherwise. */
  read(bytes: Uint8Array, start: number, where: string): unknown {
    this.reset(bytes, start, where);
    try {
      const v = this.value();
      if (!this.atEnd) throw this.corrupt('trailing bytes after the value');
      return v;
    } finally {
      this.release();
    }
  }

  protected override map(n: number): Record<string, unknown> {
    this.fits(n, 2);
    this.enter();
    const m = new Map<unknown, unknown>();
    for (let i = 0; i < n; i++) {
      const k = this.value();
      m.set(k, this.value());
    }
    this.depth--;
    // A tree's maps are Maps; the signature is MsgpackReader's, whose maps are records.
    return m as unknown as Record<string, unknown>;
  }

  protected override escape(rest: number): unknown {
    this.enter();
    const a = new Array<unknown>(rest + 1);
    a[0] = C1;
    for (let i = 1; i <= rest; i++) a[i] = this.value();
    this.depth--;
    return a;
  }
}

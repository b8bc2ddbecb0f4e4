import { PagableError } from '../error.js';
import { getClassMeta } from '../metadata/class-meta.js';
import { codecForName } from '../metadata/codec-registry.js';
import { ANY } from '../metadata/schema.js';
import { classForTag } from '../metadata/tag-registry.js';
import { BlobReader, NOT_NIL } from './blob-reader.js';
import { readerFor } from './class-readers.js';
import { decodeThrough } from './codec-calls.js';
import type { TypeDesc } from './schema-parser.js';
import { C1_BYTE, ESC_CLASS, Esc } from './wire.js';

/*
 * Reading a stored value by its stored type alone, with no declared type to read it as: what a
 * field's `migrate` is given when the stored value's kind cannot be the declared type. Plain data
 * reads as itself; an instance of a loaded tagged class as that class; an instance of a class no
 * loaded class reads (untagged, or a tag nobody registered) as a plain object of its stored
 * fields; a value stored through a codec through the codec registered under its name, or as its
 * encoding when none is; a @Lazy child as a PagedOut arc. A @Shared child cannot be given: its
 * value is restored after its parent.
 */

/** A blob reader that can also read stored values without a declared type (decoder.ts `conv`). */
export abstract class UntypedReader extends BlobReader {
  /** The value stored with type `w`, read by that type alone; `at` names the field in messages. */
  protected untyped(w: TypeDesc, at: string): unknown {
    const nil = this.nil();
    if (nil !== NOT_NIL) return nil;
    switch (w.t) {
      case 'plain':
        return this.value();
      case 'array': {
        const n = this.arrayHeader();
        if (n < 0 || (n > 0 && this.src[this.pos] === C1_BYTE)) throw this.corrupt(`${at}: expected an array`);
        this.enter();
        const a = new Array<unknown>(n);
        for (let i = 0; i < n; i++) a[i] = this.untyped(w.of, at);
        this.depth--;
        return a;
      }
      case 'lazy':
        return this.lazyChild(this.placeholder(), ANY);
      case 'shared':
        throw new PagableError(
          'TYPE_MISMATCH',
          `${this.where}: ${at}: a @Shared child is restored after its parent, so it cannot be migrated`,
        );
      case 'codec':
        return this.encoded(w.name, at);
      default:
        return this.instance(w, at);
    }
  }

  /** A value stored through codec `name`: decoded by the registered codec, else its encoding as stored. */
  private encoded(name: string, at: string): unknown {
    const start = this.pos;
    const n = this.arrayHeader();
    if (n === 4 && this.src[this.pos] === C1_BYTE && this.src[this.pos + 1] === Esc.Codec) {
      this.pos += 2;
      name = this.string('a codec name');
      this.enter();
      const v = this.encoded(name, at);
      this.depth--;
      return v;
    }
    if (n >= 2 && this.src[this.pos] === C1_BYTE && this.src[this.pos + 1]! >= ESC_CLASS) return this.restoreInstance(n, at);
    this.pos = start;
    const plain = this.value();
    const c = codecForName(name);
    return c === undefined ? plain : decodeThrough(c, plain, c.cls, () => `${this.where}: ${at}`);
  }

  /** An instance stored with type `w` (a class, dyn, union or abstract base). */
  private instance(w: TypeDesc, at: string): unknown {
    const n = this.arrayHeader();
    if (n < 0) throw this.corrupt(`${at}: expected an instance`);
    if (n > 0 && this.src[this.pos] === C1_BYTE) return this.restoreInstance(n, at, w.t === 'union' ? w.members : undefined);
    if (w.t !== 'class') throw this.corrupt(`${at}: expected a polymorphic value`);
    return this.fieldsOf(w.index, n, at);
  }

  /** An instance escape of `n` values (its header read), by its class, its discriminator name or its codec. */
  private restoreInstance(n: number, at: string, members?: ReadonlyMap<string, number>): unknown {
    this.pos++;
    const kind = this.uint('an escape kind');
    if (kind >= ESC_CLASS) return this.fieldsOf(kind - ESC_CLASS, n - 2, at);
    if (kind === Esc.Codec && n === 4) {
      const name = this.string('a codec name');
      this.enter();
      const v = this.encoded(name, at);
      this.depth--;
      return v;
    }
    const name = kind === Esc.Instance && n >= 3 ? this.maybeString() : undefined;
    const index = name === undefined ? undefined : members?.get(name);
    if (index === undefined) throw this.corrupt(`${at}: expected an instance`);
    return this.fieldsOf(index, n - 3, at);
  }

  /** Set class `index`'s `n` stored values: as its loaded tagged class, else as a plain object of its fields. */
  private fieldsOf(index: number, n: number, at: string): unknown {
    const e = this.set!.classes[index];
    if (e === undefined) throw this.corrupt(`class index ${index} is not in its schema set`);
    const cls = e.tag === undefined ? undefined : classForTag(e.tag);
    const meta = cls === undefined ? undefined : getClassMeta(cls);
    if (meta !== undefined) return this.build(readerFor(this.set!, index, meta, { where: `${this.where}: ${at}` }), n);
    if (n !== e.fields.length + (e.rest ? 1 : 0)) throw this.corrupt(`a ${e.name} of ${n} values where its schema has ${e.fields.length}`);
    this.enter();
    const o: Record<string, unknown> = {};
    for (const f of e.fields) {
      // Definition, not assignment: a field named `__proto__` stays a property.
      Object.defineProperty(o, f.name, { value: this.untyped(f.type, at), enumerable: true, writable: true, configurable: true });
    }
    // A class-transformer model's properties are its record of other properties: given too.
    if (e.rest) this.otherPropertiesInto(o, e.name, (k) => Object.hasOwn(o, k));
    this.depth--;
    return o;
  }
}

import { ChildView, CodecView, InstanceView, scalarJson, typedValues } from '../view/blob-view.js';
import { C1, ESC_CLASS, Esc } from '../codec/wire.js';
import { PagableError } from '../error.js';

/*
 * The plain (JSON) form of one blob's body, from its schema-labelled view (view/blob-view.ts).
 * JSON says null, booleans, finite numbers, well-formed strings, arrays and string-keyed objects;
 * everything else is an object whose first key begins with one `$` (the README lists them):
 *
 *   {"$class": "Name", field: value, ...}   an instance (its tag, else its class name); a field
 *                                           holding undefined is left out
 *   {"$ref": key} / {"$ref": key, "lazy": true}   a @Shared / @Lazy child: another blob of the graph
 *   {"$codec": name, "value": encoding}   a value stored through the codec of that name
 *   {"$undefined": true}   {"$number": "-0" | "NaN" | "Infinity" | "-Infinity"}   {"$bigint": "123"}
 *   {"$date": "ISO 8601" | null (an invalid Date)}   {"$bytes": base64}   {"$utf16": [code units]}
 *   {"$map": [[k, v], ...]}   {"$set": [v, ...]}   {"$typed": "Float64Array", "values": [...]}
 *   {"$object": [[k, v], ...]}   an object whose keys JSON cannot carry (a lone surrogate)
 *   {"$proto": null, ...}   an object without a prototype
 *
 * Data keys beginning with `$` are written with one more `$` (`$$x` is the key `$x`), so a key of
 * the representation never collides with one of the data.
 */

/** A JSON value: what `JSON.stringify` writes as it is. */
export type Plain = null | boolean | number | string | Plain[] | { [key: string]: Plain };

/** A string with a lone surrogate (one that a UTF-8 encoder would replace). */
const LONE_SURROGATE = /\p{Cs}/u;

function define(o: { [key: string]: Plain }, k: string, v: Plain): void {
  // Definition, not assignment: a `__proto__` key stays an own property and reaches JSON.
  Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
}

/** Converts one blob's view to plain data, collecting the child links it meets. */
export class PlainWriter {
  /** The child links met, in body order. */
  readonly refs: ChildView[] = [];

  /** `where` names the blob in messages. */
  constructor(private readonly where: string) {}

  /** `v`, a value of a blob view, as plain data. */
  of(v: unknown): Plain {
    if (typeof v === 'string') return this.str(v);
    const scalar = scalarJson(v);
    if (scalar !== undefined) return scalar;
    if (v === null) return null;
    if (v instanceof ChildView) {
      if (v.key === undefined) throw this.corrupt(`it refers to child ${v.index}, which it does not list`);
      this.refs.push(v);
      return v.lazy ? { $ref: v.key, lazy: true } : { $ref: v.key };
    }
    if (v instanceof InstanceView) return this.instance(v);
    if (v instanceof CodecView) return { $codec: this.str(v.name), value: this.of(v.value) };
    if (v instanceof Uint8Array) return { $bytes: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') };
    if (v instanceof Date) return { $date: Number.isNaN(v.getTime()) ? null : v.toISOString() };
    // A msgpack map is a plain object of the graph (a JS Map is an escape, below).
    if (v instanceof Map) return this.object([...v], false);
    if (Array.isArray(v)) return v[0] === C1 ? this.escape(v) : v.map((x) => this.of(x));
    throw this.corrupt(`a value that pagable does not write (${(v as object).constructor?.name ?? 'object'})`);
  }

  private corrupt(msg: string): PagableError {
    return new PagableError('CORRUPT', `${this.where}: ${msg}`);
  }

  private str(s: string): Plain {
    if (!LONE_SURROGATE.test(s)) return s;
    const units: number[] = [];
    for (let i = 0; i < s.length; i++) units.push(s.charCodeAt(i));
    return { $utf16: units };
  }

  /** An object key as written: one more `$` before a key beginning with `$`. */
  private key(k: string): string {
    return k.startsWith('$') ? '$' + k : k;
  }

  private instance(v: InstanceView): Plain {
    const o: { [key: string]: Plain } = { $class: this.str(v.cls) };
    const fields = v.fields;
    for (let i = 0; i < v.stored; i++) {
      const [name, x] = fields[i]!;
      if (x !== undefined) define(o, this.key(name), this.of(x));
    }
    let at = v.stored;
    if (v.rest) {
      const rest = fields[at++]?.[1];
      // The other own properties of a class-transformer layout are the instance's properties too.
      if (rest instanceof Map && [...rest.keys()].every((k) => typeof k === 'string' && !LONE_SURROGATE.test(k))) {
        for (const [k, x] of rest as Map<string, unknown>) define(o, this.key(k), this.of(x));
      } else if (rest !== undefined) {
        o.$rest = this.of(rest);
      }
    }
    if (at < fields.length) o.$extra = fields.slice(at).map(([, x]) => this.of(x));
    return o;
  }

  /** A plain object from its entries; `{"$object": [...]}` when a key is not a well-formed string. */
  private object(entries: Array<[unknown, unknown]>, nullProto: boolean): Plain {
    const o: { [key: string]: Plain } = nullProto ? { $proto: null } : {};
    if (entries.every(([k]) => typeof k === 'string' && !LONE_SURROGATE.test(k))) {
      for (const [k, x] of entries) define(o, this.key(k as string), this.of(x));
    } else {
      o.$object = entries.map(([k, x]) => [this.of(k), this.of(x)]);
    }
    return o;
  }

  private pairs(v: readonly unknown[]): Array<[unknown, unknown]> {
    if (v.length % 2 !== 0) throw this.corrupt('an escape of keys and values of odd length');
    const out: Array<[unknown, unknown]> = [];
    for (let i = 2; i < v.length; i += 2) out.push([v[i], v[i + 1]]);
    return out;
  }

  private escape(v: readonly unknown[]): Plain {
    const kind = v[1];
    switch (kind) {
      case Esc.Map:
        return { $map: this.pairs(v).map(([k, x]) => [this.of(k), this.of(x)]) };
      case Esc.Set:
        return { $set: v.slice(2).map((x) => this.of(x)) };
      case Esc.NegZero:
        return { $number: '-0' };
      case Esc.BigInt:
        if (typeof v[2] !== 'string' || !/^-?\d+$/.test(v[2])) throw this.corrupt('a malformed bigint');
        return { $bigint: v[2] };
      case Esc.Object:
        return this.object(this.pairs(v), false);
      case Esc.NullObject:
        return this.object(this.pairs(v), true);
      case Esc.Typed: {
        const t = typedValues(v[2], v[3]);
        if (t === undefined) throw this.corrupt('a malformed typed array');
        return { $typed: t.name, values: t.values.map((x) => this.of(x)) };
      }
      case Esc.Codec:
        return { $codec: typeof v[2] === 'string' ? this.str(v[2]) : null, value: this.of(v[3]) };
      case Esc.Instance:
        // Named by a tag the schema does not resolve (a blob written before schemas were stored).
        return { $class: typeof v[2] === 'string' ? v[2] : null, $values: v.slice(3).map((x) => this.of(x)) };
      default:
        throw this.corrupt(
          typeof kind === 'number' && kind >= ESC_CLASS ? `class ${kind - ESC_CLASS} is not in its schema set` : 'an unknown escape',
        );
    }
  }
}

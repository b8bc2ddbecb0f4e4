import { PagableError } from '../error.js';
import { claimCodecName } from './tag-registry.js';
import type { Class, Codec } from './type-spec.js';

/** A codec as the encoder and decoder use it: registered for exactly `cls`, or a field's own (`cls` undefined). */
export interface CodecEntry {
  readonly name: string;
  /** The class the codec is registered for; undefined for a field's own codec. */
  readonly cls: Class | undefined;
  /** Replaced in place when the same class registers the same name again (hot reloading). */
  codec: Codec<unknown, unknown>;
}

const byClass = new Map<Class, CodecEntry>();
const byName = new Map<string, CodecEntry>();

/**
 * A codec given by a user checked for shape (INVALID_ARGUMENT naming `where` otherwise): a
 * non-empty string name, and encode and decode functions.
 */
export function checkedCodec(codec: unknown, where: string): Codec<unknown, unknown> {
  if (typeof codec !== 'object' || codec === null) {
    throw new PagableError(
      'INVALID_ARGUMENT',
      `${where}: a codec is an object { name, encode, decode }, got ${codec === null ? 'null' : typeof codec}`,
    );
  }
  const c = codec as Partial<Codec<unknown, unknown>>;
  if (typeof c.name !== 'string' || c.name.length === 0) {
    throw new PagableError('INVALID_ARGUMENT', `${where}: a codec's name must be a non-empty string, got ${typeof c.name}`);
  }
  if (typeof c.encode !== 'function' || typeof c.decode !== 'function') {
    throw new PagableError('INVALID_ARGUMENT', `${where}: codec "${c.name}" needs encode and decode functions`);
  }
  return c as Codec<unknown, unknown>;
}

/**
 * Records `codec` for exactly `cls` (subclasses are not covered: each needs a codec or a
 * decorator of its own). DUPLICATE_TAG when the name is a tag or another class's codec name, or
 * `cls` has a codec of another name. The checks against the class's decorators are the caller's.
 */
export function addCodec(cls: Class, codec: Codec<unknown, unknown>): CodecEntry {
  const where = `registerCodec(${cls.name})`;
  const own = byClass.get(cls);
  if (own !== undefined && own.name !== codec.name) {
    throw new PagableError('DUPLICATE_TAG', `${where}: the class already has codec "${own.name}"; a class is stored under one name`);
  }
  claimCodecName(codec.name, cls);
  if (own !== undefined) {
    own.codec = codec;
    return own;
  }
  const entry: CodecEntry = { name: codec.name, cls, codec };
  byClass.set(cls, entry);
  byName.set(codec.name, entry);
  return entry;
}

/** True once any class has a codec: until then, paths that look for one need not. */
export function anyCodecs(): boolean {
  return byClass.size > 0;
}

/** The codec registered for exactly `cls`, if any (a subclass has none unless registered itself). */
export function codecOfClass(cls: unknown): CodecEntry | undefined {
  return typeof cls === 'function' ? byClass.get(cls as Class) : undefined;
}

/** The codec registered under `name`, if any. */
export function codecForName(name: string): CodecEntry | undefined {
  return byName.get(name);
}

/** A field's own codec (`@Field({ codec })`): used for that field only, its name not registered. */
export function fieldCodec(codec: Codec<unknown, unknown>): CodecEntry {
  return { name: codec.name, cls: undefined, codec };
}

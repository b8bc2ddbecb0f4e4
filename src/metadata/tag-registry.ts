import { PagableError } from '../error.js';
import type { Class } from './type-spec.js';

/**
 * The global type-tag registry. Tags, not `constructor.name`, name classes on the wire: minifiers
 * rename classes, and a tag is a promise to keep decoding old blobs. The names of registered
 * codecs (codec-registry.ts) are names of classes on the wire too, and share one namespace with
 * tags: a name read back, a `$class` in a plain view, a class in a message, always means one class.
 */
const byTag = new Map<string, Class>();
const byClass = new Map<Class, string>();
const codecNames = new Map<string, Class>();

/** Registers `tag` for `cls`; DUPLICATE_TAG if another class holds it or `cls` has another tag. */
export function registerTag(tag: string, cls: Class): void {
  if (typeof tag !== 'string' || tag.length === 0) {
    throw new PagableError('TYPE_MISMATCH', `@TypeTag on ${cls.name}: the tag must be a non-empty string`);
  }
  const codec = codecNames.get(tag);
  if (codec !== undefined) {
    throw new PagableError('DUPLICATE_TAG', `@TypeTag("${tag}") on ${cls.name}: the name is already the codec name of class ${codec.name}`);
  }
  const holder = byTag.get(tag);
  if (holder !== undefined && holder !== cls) {
    throw new PagableError('DUPLICATE_TAG', `@TypeTag("${tag}") on ${cls.name}: the tag is already registered by class ${holder.name}`);
  }
  const own = byClass.get(cls);
  if (own !== undefined && own !== tag) {
    throw new PagableError('DUPLICATE_TAG', `@TypeTag("${tag}") on ${cls.name}: the class already has tag "${own}"`);
  }
  byTag.set(tag, cls);
  byClass.set(cls, tag);
}

/** The class registered under `tag`, if any. */
export function classForTag(tag: string): Class | undefined {
  return byTag.get(tag);
}

/** The tag registered for exactly `cls` (not inherited), if any. */
export function tagOfClass(cls: Class): string | undefined {
  return byClass.get(cls);
}

/** Every registered tag, for tools such as the CLI. */
export function registeredTags(): IterableIterator<[string, Class]> {
  return byTag.entries();
}

/**
 * Claims `name` for the codec of `cls` in the namespace tags live in; DUPLICATE_TAG when a tag or
 * another class's codec holds it.
 */
export function claimCodecName(name: string, cls: Class): void {
  const tagged = byTag.get(name);
  if (tagged !== undefined) {
    throw new PagableError(
      'DUPLICATE_TAG',
      `registerCodec(${cls.name}, "${name}"): the name is already the @TypeTag of class ${tagged.name}`,
    );
  }
  const holder = codecNames.get(name);
  if (holder !== undefined && holder !== cls) {
    throw new PagableError(
      'DUPLICATE_TAG',
      `registerCodec(${cls.name}, "${name}"): the name is already the codec name of class ${holder.name}`,
    );
  }
  codecNames.set(name, cls);
}

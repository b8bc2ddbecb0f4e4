import { PagableError } from '../error.js';
import type { ClassMeta } from '../metadata/class-meta.js';
import type { ClassSchema } from '../metadata/schema.js';
import type { Class } from '../metadata/type-spec.js';
import { className, metaOf } from './plain-encoder.js';
import { classFits, kindOf } from './wire-rules.js';

/*
 * The writer's checks of an instance against its declared class, and the TYPE_MISMATCH for a
 * built-in kind: the write side of the rules in wire-rules.ts (what the reader would refuse, the
 * writer refuses first). Messages are built only on failure: `enc.where()` names the field.
 */

/** Names the place being encoded (class and field), asked only when a check fails. */
export interface Where {
  where(): string;
}

/**
 * The metadata to encode `value` with where `declared` is expected; TYPE_MISMATCH / NOT_PAGABLE
 * naming `at` (the field being encoded when undefined: messages are built only on failure).
 */
export function checkInstance(value: unknown, declared: ClassSchema | undefined, at: string | undefined, enc: Where): ClassMeta {
  if (typeof value !== 'object' || value === null) {
    throw new PagableError(
      'TYPE_MISMATCH',
      `${at ?? enc.where()}: expected ${declared ? 'an instance of ' + declared.cls.name : 'an object'}, got ${className(value)}`,
    );
  }
  if (declared !== undefined && !(value instanceof declared.cls)) {
    throw new PagableError('TYPE_MISMATCH', `${at ?? enc.where()}: expected an instance of ${declared.cls.name}, got ${className(value)}`);
  }
  const meta = metaOf(value);
  if (meta === undefined) {
    throw new PagableError('NOT_PAGABLE', `${at ?? enc.where()}: class ${className(value)} is not decorated with @Pagable()`);
  }
  if (declared !== undefined && meta.cls !== declared.cls) {
    if (meta.tag === undefined) {
      throw new PagableError(
        'TYPE_MISMATCH',
        `${at ?? enc.where()}: a ${meta.name} where ${declared.cls.name} is declared needs a @TypeTag on ${meta.name}, so that it comes back as ${meta.name}`,
      );
    }
    // What is written is the class of `constructor`, which the reader checks against the declared one.
    if (!classFits(meta.cls, declared.cls)) {
      throw new PagableError('TYPE_MISMATCH', `${at ?? enc.where()}: expected an instance of ${declared.cls.name}, got a ${meta.name}`);
    }
  }
  return meta;
}

/** TYPE_MISMATCH for `v` where built-in type `native` is declared (at `where`): the reader would refuse it. */
export function kindMismatch(v: unknown, native: Class, where: string): PagableError {
  const shown =
    typeof v === 'string'
      ? ` ${JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v)}`
      : typeof v === 'number' || typeof v === 'boolean'
        ? ` ${String(v)}`
        : '';
  return new PagableError(
    'TYPE_MISMATCH',
    `${where}: declared ${native.name}, holds a ${kindOf(v)}${shown}, which would not read back as a ${native.name}`,
  );
}

import './symbol-metadata.js';
import { PagableError } from '../error.js';
import { forgetClassMeta } from '../metadata/class-meta.js';
import {
  DECORATOR_OF,
  type FieldArgs,
  type StandardMemberContext,
  adoptStandardFields,
  fieldDeclsOf,
  recordLegacyField,
  recordStandardField,
} from '../metadata/field-records.js';
import type { Class, FieldKind } from '../metadata/type-spec.js';

/*
 * Both decorator dialects, told apart on every call: legacy decorators (`experimentalDecorators`)
 * are called as `(prototype, propertyKey)` or `(constructor)`; TC39 standard decorators as
 * `(value, context)`, where `context.kind` says what is decorated. A project compiles one way or
 * the other, but a library may be used by both, so nothing is decided once for the process.
 */

/**
 * A pagable field decorator: callable as a legacy property decorator and as a TC39 standard field
 * decorator alike, so the same `@Field()` compiles under either tsconfig.
 */
export interface PagableFieldDecorator {
  /** Legacy (`experimentalDecorators`): the class prototype and the field's name. */
  (prototype: object, propertyKey: string | symbol): void;
  /**
   * TC39 standard decorators: a field has no value to decorate; the context names it. Only public
   * instance fields with string names can be stored, so the others do not type-check (and are
   * refused at run time, for code compiled without type checks).
   */
  <This, Value>(value: undefined, context: ClassFieldDecoratorContext<This, Value> & StorableFieldContext): void;
}

/** What a standard field decorator context says of a field pagable can store. */
export interface StorableFieldContext {
  /** The field's name: a string (symbol-named fields are not stored). */
  readonly name: string;
  /** Not a `#private` field. */
  readonly private: false;
  /** An instance field, not a static one. */
  readonly static: false;
}

/** A pagable class decorator (`@Pagable`, `@TypeTag`), callable in both dialects. */
export interface PagableClassDecorator {
  /** Legacy (`experimentalDecorators`): the constructor. */
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  (target: Function): void;
  /** TC39 standard decorators: the class and its context. */
  <C extends Class>(value: C, context: ClassDecoratorContext<C>): void;
}

/** True when a decorator's second argument is a TC39 decorator context. */
export function isStandardContext(x: unknown): x is StandardMemberContext {
  return typeof x === 'object' && x !== null && typeof (x as { kind?: unknown }).kind === 'string';
}

/** The decorator a field decorator factory returns, for either dialect. */
export function fieldDecorator(kind: FieldKind, args: FieldArgs): PagableFieldDecorator {
  return ((target: unknown, key: unknown): void => {
    if (isStandardContext(key)) {
      if (key.kind === 'class') {
        throw new PagableError('NOT_PAGABLE', `${DECORATOR_OF[kind]} decorates a field; it was applied to class ${String(key.name)}`);
      }
      recordStandardField(key, kind, args);
      return;
    }
    if (key !== undefined && typeof key !== 'string' && typeof key !== 'symbol') {
      throw new PagableError(
        'NOT_PAGABLE',
        `${DECORATOR_OF[kind]} was called with ${typeof key} as its second argument: neither a legacy property key nor a standard decorator context`,
      );
    }
    forgetClassMeta(recordLegacyField(target as object, key, kind, args));
  }) as PagableFieldDecorator;
}

/**
 * The decorator a class decorator factory returns, for either dialect: it takes the fields the
 * standard field decorators left in `context.metadata`, checks every field of the class and its
 * ancestors (so mistakes surface where the class is defined), then runs `apply`.
 */
export function classDecorator(decorator: string, apply: (cls: Class) => void): PagableClassDecorator {
  return ((target: unknown, context?: unknown): void => {
    if (isStandardContext(context)) {
      if (context.kind !== 'class') {
        throw new PagableError(
          'NOT_PAGABLE',
          `${decorator} decorates a class; it was applied to the ${context.kind} ${String(context.name)}`,
        );
      }
      adoptStandardFields(target as Class, context.metadata);
    } else if (typeof target !== 'function' || context !== undefined) {
      throw new PagableError(
        'NOT_PAGABLE',
        `${decorator} decorates a class; it was applied to ${context === undefined ? String(target) : `the member ${String(context)}`}`,
      );
    }
    const cls = target as Class;
    fieldDeclsOf(cls);
    apply(cls);
  }) as PagableClassDecorator;
}

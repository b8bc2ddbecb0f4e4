/*
 * Fields pagable cannot store, decorated as TC39 standard decorators allow: each does not
 * type-check (hence the @ts-expect-error), and each definition fails where the class is defined
 * with NOT_PAGABLE naming the class and the field, for code built without type checks.
 */
import type { PagableApi } from '../dialects/model.js';

/** One refused definition and what its message must name. */
export interface RefusedCase {
  readonly define: (p: PagableApi) => unknown;
  readonly names: readonly string[];
}

const hidden = Symbol('hidden');

/** Refused fields, by kind. */
export const refusedFields: Readonly<Record<string, RefusedCase>> = {
  'a private #field': {
    define: ({ Pagable, Field }) => {
      @Pagable()
      class Secretive {
        // @ts-expect-error private fields cannot be stored
        @Field() #secret = 1;
        peek(): number {
          return this.#secret;
        }
      }
      return Secretive;
    },
    names: ['Secretive.#secret', 'private'],
  },
  'a static field': {
    define: ({ Pagable, Field }) => {
      @Pagable()
      class Counter {
        // @ts-expect-error static fields cannot be stored
        @Field() static count = 0;
      }
      return Counter;
    },
    names: ['Counter.count', 'static'],
  },
  'a symbol-named field': {
    define: ({ Pagable, Field }) => {
      @Pagable()
      class Symbolic {
        // @ts-expect-error symbol-keyed fields cannot be stored
        @Field() [hidden] = 1;
      }
      return Symbolic;
    },
    names: ['Symbolic', 'Symbol(hidden)', 'symbol'],
  },
  'an auto-accessor': {
    define: ({ Pagable, Field }) => {
      @Pagable()
      class Accessed {
        // @ts-expect-error only plain fields can be stored
        @Field() accessor size = 0;
      }
      return Accessed;
    },
    names: ['Accessed.size', 'accessor'],
  },
  'a private field of an undecorated base, found through its @Pagable subclass': {
    define: ({ Pagable, Field }) => {
      class Hiding {
        // @ts-expect-error private fields cannot be stored
        @Field() #inner = 1;
        peek(): number {
          return this.#inner;
        }
      }
      @Pagable()
      class Open extends Hiding {
        @Field() outer = 2;
      }
      return Open;
    },
    names: ['Hiding.#inner', 'private'],
  },
};

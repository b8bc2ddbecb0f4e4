/*
 * Classes whose field options are wrong, compiled under both decorator dialects: each definition
 * must fail where the class is defined, with INVALID_ARGUMENT naming the class and the field.
 */
import type { FieldOptions } from '../../src/index.js';
import type { PagableApi } from './model.js';

/** One wrong definition and what its message must name. */
export interface BadOptionsCase {
  readonly define: (p: PagableApi) => unknown;
  readonly names: readonly string[];
}

/** Wrong field options, by what is wrong with them. */
export const badFieldOptions: Readonly<Record<string, BadOptionsCase>> = {
  "an alias equal to the field's own name": {
    define: ({ Pagable, Field }) => {
      @Pagable()
      class SelfAlias {
        @Field({ aliases: ['title'] }) title!: string;
      }
      return SelfAlias;
    },
    names: ['SelfAlias.title', '"title"'],
  },
  'an empty alias': {
    define: ({ Pagable, Field }) => {
      @Pagable()
      class EmptyAlias {
        @Field({ aliases: [''] }) title!: string;
      }
      return EmptyAlias;
    },
    names: ['EmptyAlias.title', 'non-empty'],
  },
  'an alias that is not a string': {
    define: ({ Pagable, Field }) => {
      @Pagable()
      class NumberAlias {
        @Field({ aliases: [7 as unknown as string] }) title!: string;
      }
      return NumberAlias;
    },
    names: ['NumberAlias.title', 'number'],
  },
  'an alias listed twice': {
    define: ({ Pagable, Shared }) => {
      @Pagable()
      class Twice {
        @Shared(() => Twice, { aliases: ['old', 'old'] }) next!: Twice;
      }
      return Twice;
    },
    names: ['Twice.next', '"old"'],
  },
  "an alias that is another field's name, declared after it": {
    define: ({ Pagable, Field }) => {
      @Pagable()
      class Clash {
        @Field({ aliases: ['b'] }) a!: string;
        @Field() b!: string;
      }
      return Clash;
    },
    names: ['Clash.a', 'Clash.b'],
  },
  'an alias that two fields claim': {
    define: ({ Pagable, Field, Dyn }) => {
      @Pagable()
      class TwoClaims {
        @Field({ aliases: ['old'] }) a!: string;
        @Dyn({ aliases: ['old'] }) b!: unknown;
      }
      return TwoClaims;
    },
    names: ['TwoClaims.a', 'TwoClaims.b', '"old"'],
  },
  "an alias that is an inherited field's name": {
    define: ({ Pagable, Field, Lazy }) => {
      @Pagable()
      class Parent {
        @Field() old!: string;
      }
      @Pagable()
      class Child extends Parent {
        @Lazy(() => Parent, { aliases: ['old'] }) renamed!: unknown;
      }
      return Child;
    },
    names: ['Child.renamed', 'Parent.old'],
  },
  'a misspelt option': {
    define: ({ Pagable, Field }) => {
      @Pagable()
      class Misspelt {
        @Field(() => Misspelt, { alias: ['old'] } as unknown as FieldOptions) self!: Misspelt;
      }
      return Misspelt;
    },
    names: ['Misspelt.self', '"alias"'],
  },
  'a default that is not a function': {
    define: ({ Pagable, Field }) => {
      @Pagable()
      class Defaulted {
        @Field({ default: [] as unknown as () => unknown }) tags!: string[];
      }
      return Defaulted;
    },
    names: ['Defaulted.tags', 'default must be a function'],
  },
  'a codec without decode': {
    define: ({ Pagable, Field }) => {
      @Pagable()
      class HalfCodec {
        @Field({ codec: { name: 'half', encode: String } as unknown as FieldOptions['codec'] }) at!: Date;
      }
      return HalfCodec;
    },
    names: ['HalfCodec.at', 'encode and decode'],
  },
  'a codec on a @Shared field': {
    define: ({ Pagable, Shared }) => {
      @Pagable()
      class SharedCodec {
        @Shared(() => Date, { codec: { name: 'iso', encode: String, decode: (s: string) => new Date(s) } }) at!: Date;
      }
      return SharedCodec;
    },
    names: ['SharedCodec.at', 'give it to @Field'],
  },
};

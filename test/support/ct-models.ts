/* A class-transformer discriminated hierarchy made pagable by @Pagable() alone, shared by tests. */
import { Type } from 'class-transformer';
import { Pagable } from '../../src/index.js';

export abstract class Pet {
  name!: string;
}

@Pagable()
export class Dog extends Pet {
  barks = true;
}

@Pagable()
export class Cat extends Pet {
  lives = 9;
}

/** The discriminator options class-transformer's @Type takes for a Pet field. */
export const PET_DISCRIMINATOR = {
  discriminator: {
    property: '__type',
    subTypes: [
      { value: Dog, name: 'dog' },
      { value: Cat, name: 'cat' },
    ],
  },
};

/** Not @Pagable: a discriminator may list it, but no instance of it is read. */
export class Unpagable {
  a = 1;
}

/** A discriminator listing a class that is not @Pagable (as if it lost @Pagable since its blobs were written). */
@Pagable({ name: 'test.UnpagablePen' })
export class UnpagablePen {
  @Type(() => Object, { discriminator: { property: '__type', subTypes: [{ value: Unpagable, name: 'bare' }] } }) pet: unknown = null;
}

/** A discriminator listing Cat only. */
export const CAT_ONLY = { discriminator: { property: '__type', subTypes: [{ value: Cat, name: 'cat' }] } };

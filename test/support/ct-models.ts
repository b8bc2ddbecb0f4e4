/* A class-transformer discriminated hierarchy made pagable by @Pagable() alone, shared by tests. */
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

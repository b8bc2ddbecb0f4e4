import { expect } from 'chai';
import { Exclude, Expose, Type, instanceToPlain, plainToInstance } from 'class-transformer';
import { InMemoryPagableStorage, Pagable, PagableError } from '../../src/index.js';
import { Cat, Dog, PET_DISCRIMINATOR, Pet } from '../support/ct-models.js';

/*
 * A model written for class-transformer (its decorators only), made pagable by adding @Pagable()
 * and nothing else.
 */
@Pagable()
class Address {
  street!: string;
  city!: string;
}

@Pagable()
class Owner {
  id!: number;
  @Exclude() password = 'secret';
  @Type(() => Date) since!: Date;
  @Type(() => Address) address!: Address;
  @Type(() => Address) previous!: Address[];
  @Type(() => Pet, PET_DISCRIMINATOR)
  pets!: Pet[];
  tags!: string[];
  @Expose() get label(): string {
    return `owner ${this.id}`;
  }
}

function owner(): Owner {
  return plainToInstance(Owner, {
    id: 7,
    since: '2020-01-02T03:04:05.000Z',
    address: { street: 'Main St 1', city: 'Springfield' },
    previous: [{ street: 'Old Rd 2', city: 'Shelbyville' }],
    pets: [
      { __type: 'dog', name: 'Rex', barks: true },
      { __type: 'cat', name: 'Tom', lives: 7 },
    ],
    tags: ['a', 'b'],
  });
}

describe('class-transformer interop', () => {
  let s: InMemoryPagableStorage;
  beforeEach(() => {
    s = new InMemoryPagableStorage();
  });

  it('round trips a class-transformer model with nothing but @Pagable() added', async () => {
    const o = owner();
    o.password = 'hunter2';
    const back = await s.load(Owner, await s.save(o));
    expect(back).to.be.instanceOf(Owner);
    expect(back.id).to.equal(7);
    expect(back.since).to.be.instanceOf(Date);
    expect(back.since.toISOString()).to.equal('2020-01-02T03:04:05.000Z');
    expect(back.address).to.be.instanceOf(Address);
    expect(back.address.city).to.equal('Springfield');
    expect(back.previous[0]).to.be.instanceOf(Address);
    expect(back.pets.map((p) => p.constructor)).to.deep.equal([Dog, Cat]);
    expect((back.pets[1] as Cat).lives).to.equal(7);
    expect(back.tags).to.deep.equal(['a', 'b']);
    expect(back.label).to.equal('owner 7');
    // @Exclude: not stored, as class-transformer would not serialize it.
    expect(back).to.not.have.own.property('password');
    // The same plain form class-transformer produces for the original.
    expect(instanceToPlain(back)).to.deep.equal(instanceToPlain(o));
  });

  it('refuses a value outside the discriminator subtypes with TYPE_MISMATCH naming the field', async () => {
    class Fish extends Pet {}
    const o = owner();
    o.pets.push(Object.assign(new Fish(), { name: 'Nemo' }));
    const e = await s.save(o).catch((x: unknown) => x);
    expect(e).to.be.instanceOf(PagableError);
    expect((e as PagableError).code).to.equal('TYPE_MISMATCH');
    expect((e as Error).message)
      .to.contain('Owner.pets')
      .and.contain('Fish');
  });

  it('stores equal class-transformer graphs once', async () => {
    const k1 = await s.save(owner());
    const blobs = s.stats().blobs;
    const k2 = await s.save(owner());
    expect(k2).to.equal(k1);
    expect(s.stats().blobs).to.equal(blobs);
  });
});

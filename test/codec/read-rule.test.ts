/*
 * The reader's side of the write rule (src/codec/wire-rules.ts): what the writer never produces is
 * refused when a damaged or hostile store holds it, by the same rules. Blobs are forged from real
 * ones, with their keys recomputed, as an attacker with write access to a store would.
 */
import { expect } from 'chai';
import { Type } from 'class-transformer';
import { packr } from '../../src/codec/wire.js';
import { computeKey } from '../../src/keys/compute-key.js';
import { type DataKey, Field, InMemoryPagableStorage, Pagable, PagableError } from '../../src/index.js';
import { PET_DISCRIMINATOR, Dog, Pet } from '../support/ct-models.js';
import { expectError } from '../support/expect-error.js';

/** Stores `data` (with `arcs`) and returns its key. */
async function put(s: InMemoryPagableStorage, data: Uint8Array, arcs: DataKey[]): Promise<DataKey> {
  const key = await s.storeData({ data, arcs });
  expect(key).to.equal(computeKey({ data, arcs }));
  return key;
}

/** Where `from` first occurs in `data`, or -1. */
function find(data: Uint8Array, from: readonly number[]): number {
  for (let i = 0; i + from.length <= data.length; i++) if (from.every((b, j) => data[i + j] === b)) return i;
  return -1;
}

/**
 * The blob of `key` stored again with `from` replaced by `to` (of the same length) in the first
 * class schema of its schema set holding it: the data key of the result.
 */
async function withPatchedClass(s: InMemoryPagableStorage, key: DataKey, from: number[], to: number[]): Promise<DataKey> {
  const data = await s.fetchData(key);
  const set = await s.fetchData(data.arcs[data.arcs.length - 1]!);
  const classes = [...set.arcs];
  for (let c = 0; c < classes.length; c++) {
    const cls = await s.fetchData(classes[c]!);
    const at = find(cls.data, from);
    if (at < 0) continue;
    const patched = Uint8Array.from(cls.data);
    patched.set(to, at);
    classes[c] = await put(s, patched, []);
    const newSet = await put(s, set.data, classes);
    return put(s, data.data, [...data.arcs.slice(0, -1), newSet]);
  }
  throw new Error(`bytes ${from.join(' ')} are in no class schema`);
}

describe('read rule: schema blobs naming a thing twice are CORRUPT', () => {
  it('a class schema naming one field twice is CORRUPT, not the last value', async () => {
    @Pagable()
    class Pt {
      @Field() a!: number;
      @Field() b!: number;
    }
    const s = new InMemoryPagableStorage();
    const key = await s.save(Object.assign(new Pt(), { a: 1, b: 2 }));
    // The field name "b" (fixstr a1 62) becomes "a".
    const forged = await withPatchedClass(s, key, [0xa1, 0x62], [0xa1, 0x61]);
    const e = await s.load(Pt, forged).then(
      (v) => v,
      (x: unknown) => x,
    );
    expect(e, `load returned ${JSON.stringify(e)}`).to.be.instanceOf(PagableError);
    expect((e as PagableError).code).to.equal('CORRUPT');
    expect((e as Error).message).to.contain('"a" is named twice');
  });

  it('a discriminator naming one subtype twice is CORRUPT', async () => {
    @Pagable()
    class Owner {
      @Type(() => Pet, PET_DISCRIMINATOR) pet!: Pet;
    }
    const s = new InMemoryPagableStorage();
    const key = await s.save(Object.assign(new Owner(), { pet: Object.assign(new Dog(), { name: 'rex' }) }));
    // The subtype name "dog" (fixstr a3 64 6f 67) becomes "cat".
    const forged = await withPatchedClass(s, key, [0xa3, 0x64, 0x6f, 0x67], [0xa3, 0x63, 0x61, 0x74]);
    const e = await expectError(s.load(Owner, forged), 'CORRUPT');
    expect(e.message).to.contain('"cat" twice');
  });
});

describe('read rule: elements of an array of a built-in type are checked as the writer checks them', () => {
  @Pagable()
  class Numbers {
    @Field(() => [Number]) xs!: number[];
  }

  it('a blob holding a string in a [Number] field is TYPE_MISMATCH, not the string', async () => {
    const s = new InMemoryPagableStorage();
    const { data, arcs } = await s.fetchData(await s.save(Object.assign(new Numbers(), { xs: [7] })));
    // The instance [[7]] (91 91 07) becomes [["x"]].
    const at = data.findIndex((b, i) => b === 0x91 && data[i + 1] === 0x91 && data[i + 2] === 0x07);
    expect(at).to.be.greaterThan(0);
    const forged = Uint8Array.from([...data.subarray(0, at + 2), 0xa1, 0x78, ...data.subarray(at + 3)]);
    const e = await expectError(s.load(Numbers, await put(s, forged, arcs)), 'TYPE_MISMATCH');
    expect(e.message).to.contain('Numbers.xs').and.contain('stored string');
  });

  it('so is a schemaless blob (no schema) holding one', async () => {
    const s = new InMemoryPagableStorage();
    const e = await expectError(s.load(Numbers, await put(s, packr.pack([['x']]), [])), 'TYPE_MISMATCH');
    expect(e.message).to.contain('Numbers.xs').and.contain('stored string');
  });
});

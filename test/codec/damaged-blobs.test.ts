import { expect } from 'chai';
import { type DataKey, Field, InMemoryPagableStorage, Pagable, type PagableData, Shared } from '../../src/index.js';
import { expectError } from '../support/expect-error.js';

/*
 * A data blob whose bytes and child keys do not agree, or a key that names a schema blob, is
 * CORRUPT naming the blob and what is wrong with it: never a value built from part of it.
 */

@Pagable({ name: 'DamagedLeaf' })
class Leaf {
  @Field() n!: number;
}

@Pagable({ name: 'DamagedPair' })
class Pair {
  @Field() label!: string;
  @Shared(() => Leaf) leaf!: Leaf;
}

describe('damaged data blobs', () => {
  let s: InMemoryPagableStorage;
  let key: DataKey;
  let blob: PagableData;

  before(async () => {
    s = new InMemoryPagableStorage();
    key = await s.save(Object.assign(new Pair(), { label: 'ok', leaf: Object.assign(new Leaf(), { n: 1 }) }));
    blob = await s.fetchData(key);
  });

  after(() => s.close());

  /** Stores `damaged` and loads it as a Pair: the CORRUPT error. */
  async function loadDamaged(damaged: PagableData): Promise<Error> {
    const k = await s.storeData(damaged);
    const e = await expectError(s.load(Pair, k), 'CORRUPT');
    expect(e.message).to.contain(k);
    return e;
  }

  it('the undamaged blob loads', async () => {
    expect((await s.load(Pair, key)).leaf.n).to.equal(1);
  });

  it('a key naming a schema blob is CORRUPT: not a data blob', async () => {
    const schemaKey = blob.arcs.at(-1)!;
    const e = await expectError(s.load(Pair, schemaKey), 'CORRUPT');
    expect(e.message).to.contain(schemaKey).and.contain('schema blob');
  });

  it('bytes after the value are CORRUPT', async () => {
    const e = await loadDamaged({ data: Uint8Array.from([...blob.data, 0xc0]), arcs: blob.arcs });
    expect(e.message).to.contain('trailing bytes');
  });

  it('a truncated blob is CORRUPT as truncated, though other records follow it in the store: nothing past its end is read', async () => {
    for (let cut = 1; cut < blob.data.length - 1; cut++) {
      const k = await s.storeData({ data: blob.data.subarray(0, blob.data.length - cut), arcs: blob.arcs });
      // A record after it in the store's memory, of bytes a read past the end could take for more of the value.
      await s.storeData({ data: new Uint8Array(64).fill(0xa1 + cut), arcs: [] });
      const e = await expectError(s.load(Pair, k), 'CORRUPT');
      expect(e.message, `cut ${cut}`)
        .to.contain(k)
        .and.match(/truncated|expected|refers to/);
      expect(e.message, `cut ${cut}`).to.not.contain('trailing bytes');
    }
  });

  it('a child key the value does not refer to is CORRUPT', async () => {
    const extra = blob.arcs[0]!;
    const e = await loadDamaged({ data: blob.data, arcs: [extra, ...blob.arcs] });
    expect(e.message).to.match(/lists \d+ child keys but refers to \d+/);
  });

  it('a data blob without its schema set key is CORRUPT', async () => {
    const e = await loadDamaged({ data: blob.data, arcs: [] });
    expect(e.message).to.contain('without its schema set key');
  });
});

@Pagable({ name: 'DamagedList' })
class ListV1 {
  @Field(() => [String]) tags!: string[];
  @Field() after!: string;
}

describe('a stored array that is not one', () => {
  it('is CORRUPT naming class and field, where the reader declares it otherwise or no longer has it', async () => {
    @Pagable({ name: 'DamagedList' })
    class Numbers {
      @Field(() => [Number]) tags!: number[];
      @Field() after!: string;
    }
    @Pagable({ name: 'DamagedList' })
    class Without {
      @Field() after!: string;
    }
    const s = new InMemoryPagableStorage();
    const blob = await s.fetchData(await s.save(Object.assign(new ListV1(), { tags: ['x'], after: 'z' })));
    const at = Buffer.from(blob.data).indexOf(Buffer.from([0x91, 0xa1, 0x78]));
    expect(at).to.be.greaterThan(0);
    // The one-string array ["x"] replaced, in as many bytes, by the string "xx" and by the escape of -0.
    for (const instead of [
      [0xa2, 0x78, 0x78],
      [0x92, 0xc1, 0x03],
    ]) {
      const data = Uint8Array.from(blob.data);
      data.set(instead, at);
      const k = await s.storeData({ data, arcs: blob.arcs });
      const e = await expectError(s.load(Numbers, k), 'CORRUPT');
      expect(e.message, String(instead)).to.contain(k).and.contain('DamagedList.tags: expected an array');
      if (instead[0] === 0xa2) expect((await expectError(s.load(Without, k), 'CORRUPT')).message).to.contain('expected an array');
    }
    await s.close();
  });
});

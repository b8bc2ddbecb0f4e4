/*
 * The comparison behind `pagable check`, in process: a stored version of a class against a loaded
 * one, including the field options it reads from metadata (`default`, `migrate`).
 */
import { expect } from 'chai';
import { type DataKey, Field, InMemoryPagableStorage, Pagable, type PagableData } from '../../src/index.js';
import { type VersionCheck, checkClasses, checkVersion, looksMinified } from '../../src/cli/class-check.js';
import { storedClasses } from '../../src/cli/schemas.js';
import { type ClassMeta, type FieldMeta, getClassMeta } from '../../src/metadata/class-meta.js';
import { Money, epochCodec } from '../support/codec-models.js';
import { Circle } from '../support/models.js';

@Pagable({ name: 'Item' })
class ItemV1 {
  @Field() title!: string;
  @Field() count!: string;
  @Field() extra!: unknown;
  @Field() gone!: number;
}

@Pagable({ name: 'Item' })
class ItemV2 {
  @Field() title!: string;
  @Field() count!: number;
  @Field() extra!: number;
  @Field() added!: string;
}

/** What `check` finds for a stored ItemV1 (or `value`, of one class) read as `meta`. */
async function check(
  meta: ClassMeta,
  value: object = Object.assign(new ItemV1(), { title: 't', count: '1', extra: 2, gone: 3 }),
): Promise<VersionCheck> {
  const s = new InMemoryPagableStorage();
  await s.save(value);
  const blobs = new Map<DataKey, PagableData>();
  for await (const k of s.keys()) blobs.set(k, await s.fetchData(k));
  await s.close();
  const [stored] = await storedClasses(
    (async function* () {
      yield* blobs.keys();
    })(),
    (k) => blobs.get(k),
  );
  return checkVersion(stored!.key, stored!.source!.cls, stored!.source!.set, meta);
}

/** ItemV2's metadata with options added to one field, as FieldOptions would set them. */
function withOptions(field: string, options: Pick<FieldMeta, 'default' | 'migrate'>): ClassMeta {
  const meta = getClassMeta(ItemV2)!;
  return { ...meta, fields: meta.fields.map((f) => (f.name === field ? { ...f, ...options } : f)) };
}

describe('cli: the class check', () => {
  it('finds dropped, added and retyped fields; a retyped kind fails, plain data depends on its values', async () => {
    const v = await check(getClassMeta(ItemV2)!);
    expect(v.same).to.equal(false);
    expect(v.dropped).to.deep.equal([{ field: 'gone', type: 'Number' }]);
    expect(v.added).to.deep.equal([{ field: 'added', type: 'String', default: false }]);
    expect(v.mismatches).to.deep.equal([
      { field: 'count', stored: 'String', declared: 'Number', verdict: 'mismatch', migrate: false },
      { field: 'extra', stored: 'plain data', declared: 'Number', verdict: 'values', migrate: false },
    ]);
    expect(v.renames).to.deep.equal([]); // a Number and a String: not a rename
    expect(v).to.include({ fails: true, losesData: true });
  });

  it('reads a field default and migrate from the field metadata', async () => {
    const v = await check(withOptions('added', { default: () => 'none' }));
    expect(v.added).to.deep.equal([{ field: 'added', type: 'String', default: true }]);
    const m = await check(withOptions('count', { migrate: (x) => Number(x) }));
    expect(m.mismatches[0]).to.deep.include({ field: 'count', verdict: 'mismatch', migrate: true });
    expect(m.fails).to.equal(false);
  });

  it('reads values stored through a codec as what its registered class can be, and tells an unknown codec', async () => {
    @Pagable({ name: 'Priced' })
    class PricedV1 {
      @Field() price!: Money;
      @Field() label!: string;
      @Field({ codec: epochCodec }) at!: Date;
    }
    @Pagable({ name: 'Priced' })
    class PricedV2 {
      @Field() price!: string;
      @Field() label!: Money;
      @Field() at!: Date;
    }
    @Pagable({ name: 'Priced' })
    class PricedV3 {
      @Field() price!: unknown;
      @Field({ migrate: (s) => Money.of(s as string) }) label!: Money;
      @Field({ codec: epochCodec }) at!: Date;
    }
    const value = Object.assign(new PricedV1(), { price: Money.of('1.5'), label: 'x', at: new Date(0) });
    const v2 = await check(getClassMeta(PricedV2)!, value);
    expect(v2.mismatches).to.deep.equal([
      { field: 'price', stored: 'codec test.codec.money', declared: 'String', verdict: 'mismatch', migrate: false },
      { field: 'label', stored: 'String', declared: 'Money', verdict: 'mismatch', migrate: false },
      // A field's own codec is not registered: nothing reads its values but a field with that codec.
      { field: 'at', stored: 'codec test.codec.epoch', declared: 'Date', verdict: 'unknown tag', migrate: false },
    ]);
    const v3 = await check(getClassMeta(PricedV3)!, value);
    expect(v3.mismatches).to.deep.equal([{ field: 'label', stored: 'String', declared: 'Money', verdict: 'mismatch', migrate: true }]);
    expect(v3).to.include({ fails: false, losesData: false, same: false });
  });

  it('a stored tag no loaded class has, with a loaded untagged class of its name, suggests another copy of pagable', async () => {
    @Pagable({ name: 'Circle' })
    class LookAlike {
      @Field() r!: number;
    }
    const s = new InMemoryPagableStorage();
    await s.save(Circle.of(1));
    const blobs = new Map<DataKey, PagableData>();
    for await (const k of s.keys()) blobs.set(k, await s.fetchData(k));
    await s.close();
    const stored = await storedClasses(
      (async function* () {
        yield* blobs.keys();
      })(),
      (k) => blobs.get(k),
    );
    const [c] = checkClasses(
      stored,
      () => undefined,
      (name) => (name === 'Circle' ? [getClassMeta(LookAlike)!] : []),
    );
    expect(c!.problem).to.contain('no loaded class has tag "test.Circle"').and.contain('does the module import another copy of pagable');
    expect(c!.losesData).to.equal(true);
  });

  it('is the same for a class read as written', async () => {
    const v = await check(getClassMeta(ItemV1)!);
    expect(v).to.deep.include({ same: true, fails: false, losesData: false });
  });

  it('takes short names for minified ones', () => {
    for (const n of ['', 'e', 'nn', 'a1', '_b', 'A$']) expect(looksMinified(n), n).to.equal(true);
    for (const n of ['Task', 'Doc', 'Map', 'Item']) expect(looksMinified(n), n).to.equal(false);
  });
});

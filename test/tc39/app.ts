/*
 * A small program as a bundler user writes it: TC39 standard decorators, no design:type. The tests
 * bundle it with esbuild and also run tsc's TC39 output of it; each prints one JSON line per check.
 */
import * as pagable from '../../src/index.js';
import { InMemoryPagableStorage, PagableError } from '../../src/index.js';
import { defineModel } from '../dialects/model.js';
import { sampleDoc } from '../dialects/sample.js';
import { defineUntyped } from '../dialects/untyped.js';

async function main(): Promise<void> {
  const m = defineModel(pagable, 'app');
  const storage = new InMemoryPagableStorage();
  const { doc } = sampleDoc(pagable, m, storage);
  const key = await storage.save(doc);
  const back = await storage.load(m.Doc, key);
  const pin = await back.lazy!.pin();
  console.log(
    JSON.stringify({
      key,
      title: back.title,
      shared: back.deps[0] === back.main && back.deps[1]!.deps[0] === back.main,
      lazy: pin.value.name,
      shapes: back.shapes.map((x) => (x instanceof m.Square ? 'Square' : x instanceof m.Circle ? 'Circle' : '?')),
      leaf: back.base instanceof m.Leaf ? [back.base.id, back.base.note, back.base.extra] : null,
    }),
  );
  pin.release();

  const { Point, Loose } = defineUntyped(pagable, 'app');
  const plain = await storage.load(Loose, await storage.save(Object.assign(new Loose(), { data: { a: [1] } })));
  console.log(JSON.stringify({ plain: plain.data }));
  try {
    await storage.save(Object.assign(new Loose(), { point: Object.assign(new Point(), { x: 1 }), data: null }));
    console.log(JSON.stringify({ untyped: 'saved' }));
  } catch (e) {
    console.log(JSON.stringify({ untyped: e instanceof PagableError ? e.code : String(e), message: (e as Error).message }));
  }
  console.log(JSON.stringify(await codecs(storage)));
  await storage.close();
}

/** A foreign class through registerCodec, a field's own codec, and a default, under standard decorators. */
async function codecs(storage: InMemoryPagableStorage): Promise<unknown> {
  const { Pagable, Field, registerCodec } = pagable;
  class Money {
    constructor(readonly cents: number) {}
  }
  registerCodec(Money, { name: 'app.money', encode: (m) => m.cents, decode: (c: number) => new Money(c) });
  @Pagable({ name: 'app.Bill' })
  class BillV1 {
    @Field(() => Money) total!: Money;
  }
  @Pagable({ name: 'app.Bill' })
  class Bill {
    @Field(() => Money) total!: Money;
    @Field(() => Date, { codec: { name: 'app.epoch', encode: (d: Date) => d.getTime(), decode: (t: number) => new Date(t) } }) due!: Date;
    @Field(() => [String], { default: () => ['new'] }) notes!: string[];
  }
  const back = await storage.load(Bill, await storage.save(Object.assign(new BillV1(), { total: new Money(1250) })));
  const full = await storage.load(
    Bill,
    await storage.save(Object.assign(new Bill(), { total: new Money(1), due: new Date(5), notes: [] })),
  );
  return {
    total: back.total instanceof Money ? back.total.cents : null,
    notes: back.notes,
    due: full.due instanceof Date ? full.due.getTime() : null,
  };
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});

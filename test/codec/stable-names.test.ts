/*
 * `@Pagable({ name })` is the name an untagged class is stored under, wherever the schema names
 * it: a build that renames classes (a minifier: `dyn nn[]` for `dyn Task[]`) writes the same keys
 * for the same graph when the classes carry their names.
 */
import { expect } from 'chai';
import { Dyn, Field, InMemoryPagableStorage, Lazy, Pagable, type PagableArc, Shared, TypeTag } from '../../src/index.js';
import { classesJson, storedClasses } from '../../src/cli/schemas.js';

/** The same model twice, its constructors named differently (as two builds would name them). */
function model(renamed: boolean) {
  @Pagable({ name: 'Step' })
  abstract class StepA {}
  @Pagable({ name: 'Step' })
  abstract class S {}
  @Pagable({ name: 'Lib' })
  class LibA {
    @Field() name!: string;
  }
  @Pagable({ name: 'Lib' })
  class L {
    @Field() name!: string;
  }
  const Step = renamed ? S : StepA;
  const Lib = renamed ? L : LibA;
  @Pagable({ name: 'Task' })
  class TaskA {
    @Field() title!: string;
    @Dyn(() => [Step]) steps!: unknown[];
    @Field(() => Lib) lib!: unknown;
    @Shared(() => Lib) shared!: unknown;
    @Lazy(() => Lib) lazy?: PagableArc<unknown>;
  }
  @Pagable({ name: 'Task' })
  class nn {
    @Field() title!: string;
    @Dyn(() => [Step]) steps!: unknown[];
    @Field(() => Lib) lib!: unknown;
    @Shared(() => Lib) shared!: unknown;
    @Lazy(() => Lib) lazy?: PagableArc<unknown>;
  }
  const Task = renamed ? nn : TaskA;
  const lib = (): object => Object.assign(new Lib(), { name: 'std' });
  return { Task, value: Object.assign(new Task(), { title: 't', steps: [], lib: lib(), shared: lib() }) };
}

@TypeTag('stable-names.Tagged')
@Pagable({ name: 'Shown' })
class Tagged {
  @Field() n!: number;
}

describe('codec: stable names for untagged classes', () => {
  let s: InMemoryPagableStorage;
  beforeEach(() => {
    s = new InMemoryPagableStorage();
  });
  afterEach(async () => {
    await s.close();
  });

  it('two classes of different constructor names but one @Pagable name and the same fields write one key', async () => {
    const a = model(false);
    const b = model(true);
    expect(a.Task.name).to.not.equal(b.Task.name);
    expect(await s.save(a.value)).to.equal(await s.save(b.value));
  });

  it('the schema names the @Pagable name, never the constructor name', async () => {
    await s.save(model(true).value);
    const blobs = new Map<string, { data: Uint8Array; arcs: string[] }>();
    const keys: string[] = [];
    for await (const k of s.keys()) {
      keys.push(k);
      blobs.set(k, await s.fetchData(k));
    }
    const list = classesJson(
      await storedClasses(
        (async function* () {
          yield* keys;
        })(),
        (k) => blobs.get(k),
      ),
    ) as Array<{ name: string; fields: Array<{ name: string; type: string }> }>;
    expect(list.map((c) => c.name).sort()).to.deep.equal(['Lib', 'Task']);
    const task = list.find((c) => c.name === 'Task')!;
    expect(task.fields.map((f) => f.type)).to.deep.equal(['String', 'dyn Step[]', 'Lib', 'shared Lib', 'lazy Lib']);
  });

  it('loads what either wrote through the other', async () => {
    const a = model(false);
    const b = model(true);
    const back = (await s.load(b.Task, await s.save(a.value))) as { title: string; lib: { name: string } };
    expect(back).to.be.instanceOf(b.Task);
    expect(back.lib.name).to.equal('std');
  });

  it('a tagged class is stored under its tag, with its @Pagable name as its name', async () => {
    const key = await s.save(Object.assign(new Tagged(), { n: 1 }));
    expect(((await s.load(Tagged, key)) as Tagged).n).to.equal(1);
  });
});

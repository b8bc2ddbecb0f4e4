/**
 * Tutorial 1: annotate classes, save a graph, load it back.
 *
 * Run: npm run example -- 01
 */
import { Dyn, Field, InMemoryPagableStorage, Lazy, Pagable, PagableArc, Shared, TypeTag } from 'pagable';
import { roundTrip } from 'pagable/testing';

// A polymorphic base: subclasses carry a stable @TypeTag, never the (minifiable) class name.
abstract class Step {
  abstract describe(): string;
}

@TypeTag('quickstart.Compile') @Pagable()
class Compile extends Step {
  @Field() file!: string;
  describe(): string { return `compile ${this.file}`; }
}

@TypeTag('quickstart.Link') @Pagable()
class LinkStep extends Step {
  @Field() output!: string;
  describe(): string { return `link ${this.output}`; }
}

@Pagable()
class Library {
  @Field() name!: string;
  @Field() version!: string;
}

@Pagable()
class Target {
  @Field() name!: string;
  @Field() labels!: Set<string>;
  // Stored as its own blob; one object reachable from many targets is stored and restored once.
  @Shared(() => [Library]) libs!: Library[];
  // Any tagged Step subclass; comes back as the right class.
  @Dyn(() => [Step]) steps!: Step[];
  // Its own blob too, but restored only when pinned.
  @Lazy(() => Library) docs!: PagableArc<Library> | undefined;
}

async function main(): Promise<void> {
  const storage = new InMemoryPagableStorage();

  const std = Object.assign(new Library(), { name: 'std', version: '1.0' });
  const app = Object.assign(new Target(), {
    name: 'app',
    labels: new Set(['release']),
    libs: [std, std],
    steps: [Object.assign(new Compile(), { file: 'main.ts' }), Object.assign(new LinkStep(), { output: 'app.js' })],
    docs: PagableArc.new(Object.assign(new Library(), { name: 'docs', version: '0.1' }), storage),
  });

  const key = await storage.save(app);
  console.log('saved as', key);

  const back = await storage.load(Target, key);
  console.log('steps:', back.steps.map((s) => s.describe()).join(', '));
  console.log('shared library restored once:', back.libs[0] === back.libs[1]);
  console.log('docs paged out until pinned:', back.docs!.isPagedOut);
  const docs = await back.docs!.pin();
  console.log('docs:', docs.value.name, docs.value.version);
  docs.release();

  // Saving an equal graph again stores nothing new: blobs are named by their content.
  const before = storage.stats().blobs;
  await storage.save(back);
  console.log('new blobs on re-save:', storage.stats().blobs - before);
  console.log('stats:', storage.stats());

  // A unit test of a model needs no storage: roundTrip saves into a throwaway one and loads back.
  const copy = await roundTrip(app);
  console.log('round trip: a new Target', copy.value instanceof Target && copy.value !== app, '- same key', copy.key === key);
  await storage.close();
  console.log('ok');
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});

/**
 * Tutorial 11: saving a changed graph again without re-encoding what did not change.
 *
 * A build daemon keeps a snapshot of its project graph: it loads the last one at start, changes a
 * few targets as files are edited, and saves a new snapshot every few seconds. With
 * `{ freeze: true }` the storage freezes what it stores and what it loads (Maps, Sets and Dates
 * too), and remembers the key of each frozen object: saving again encodes only what is new.
 *
 *   - frozen data is changed by copying the path to what changes (as with any immutable data);
 *     everything else is the same objects, so their keys are reused, not recomputed;
 *   - a key reused is always the key the values would get afresh: what could have changed (a typed
 *     array somewhere below, a blob written by an older version of its class) is encoded again.
 *
 * Run: npm run example -- 11
 */
import { Field, InMemoryPagableStorage, Pagable, Shared, TypeTag } from 'pagable';

@TypeTag('example11.Target') @Pagable()
class Target {
  @Field() name!: string;
  @Field() sources!: string[];
  @Field() flags!: Map<string, string>;
}

@TypeTag('example11.Package') @Pagable()
class Package {
  @Field() path!: string;
  @Shared(() => [Target]) targets!: Target[];
}

@TypeTag('example11.Project') @Pagable()
class Project {
  @Field() name!: string;
  @Shared(() => [Package]) packages!: Package[];
}

function project(): Project {
  const packages = Array.from({ length: 200 }, (_, p) =>
    Object.assign(new Package(), {
      path: `pkg/${p}`,
      targets: Array.from({ length: 20 }, (_, t) =>
        Object.assign(new Target(), { name: `t${t}`, sources: [`src/${p}/${t}.ts`], flags: new Map([['opt', 'O2']]) })),
    }));
  return Object.assign(new Project(), { name: 'daemon', packages });
}

/** A shallow copy of `o` with `changes` (same class). */
function copy<T extends object>(o: T, changes: Partial<T>): T {
  return Object.assign(Object.create(Object.getPrototypeOf(o) as object) as T, o, changes);
}

const storage = new InMemoryPagableStorage({ freeze: true });
const written = (): number => storage.stats().stores;

const first = await storage.save(project());
console.log(`first save: ${written()} blobs written`);

// Next start: the snapshot loads frozen.
const loaded = await storage.load(Project, first);
const target = loaded.packages[7]!.targets[3]!;
try {
  target.flags.set('opt', 'O0');
} catch (e) {
  console.log(`a loaded Map is frozen too: ${e instanceof TypeError}`);
}

// A file of package 7, target 3 changed: copy the target, its package and the project.
const pkg = loaded.packages[7]!;
const changedTarget = copy(target, { sources: [...target.sources, 'src/7/3-extra.ts'] });
const changedPkg = copy(pkg, { targets: pkg.targets.map((t) => (t === target ? changedTarget : t)) });
const next = copy(loaded, { packages: loaded.packages.map((p) => (p === pkg ? changedPkg : p)) });

const before = written();
const second = await storage.save(next);
console.log(`re-save after one change: ${written() - before} blobs written (the target, its package, the project, and their schema blobs)`);

const again = await storage.save(next);
console.log(`saved once more, unchanged: same key ${again === second}`);

// The key is the one the same values get in a storage that never saw them.
const fresh = new InMemoryPagableStorage();
console.log(`same key as a fresh save: ${(await fresh.save(next)) === second}`);
await fresh.close();
await storage.close();
console.log('ok');

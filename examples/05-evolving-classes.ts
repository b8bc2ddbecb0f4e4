/**
 * Tutorial 5: changing your classes — stored graphs keep loading.
 *
 * A store outlives the code that wrote it. Every blob carries its writer's schema (class, field
 * names, kinds and declared types, stored once as small shared schema blobs), so a newer version of
 * a class reads an older blob by field name: added fields come back undefined (`afterPageIn()` may
 * fill them), removed ones are skipped, reordering changes nothing, a renamed field keeps its value
 * through `aliases`, and a stored value that cannot be the declared type is TYPE_MISMATCH naming
 * class, field, stored and declared type. Never a value in the wrong field.
 *
 * As in a real upgrade, each version runs in a process of its own (a process holds one class per
 * tag): this program runs itself twice, once as version 1 writing a store, once as version 2
 * reading it.
 *
 * Run: npm run example -- 05
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Field, LmdbPagableStorage, Pagable, PagableError, TypeTag } from 'pagable';

/** Version 1: what the store was written with. */
function version1() {
  @TypeTag('example05.Book') @Pagable()
  class Book {
    @Field() title!: string;
    @Field() pages!: number;
    @Field() author!: string;
  }
  @TypeTag('example05.Edition') @Pagable()
  class Edition {
    @Field() year!: string;
  }
  return { Book, Edition };
}

/** Version 2: `author` renamed to `writer`, `pages` removed, `isbn` added, fields reordered; `year` retyped. */
function version2() {
  @TypeTag('example05.Book') @Pagable()
  class Book {
    @Field() isbn!: string;
    @Field({ aliases: ['author'] }) writer!: string;
    @Field() title!: string;
    /** Added since version 1: blobs written before it have none, so the hook supplies one. */
    afterPageIn(): void {
      this.isbn ??= 'unknown';
    }
  }
  @TypeTag('example05.Edition') @Pagable()
  class Edition {
    @Field() year!: number;
  }
  return { Book, Edition };
}

async function write(dir: string): Promise<void> {
  const { Book, Edition } = version1();
  const storage = await LmdbPagableStorage.open(dir);
  const dune = Object.assign(new Book(), { title: 'Dune', pages: 412, author: 'Frank Herbert' });
  await storage.setRoot('dune', await storage.save(dune));
  await storage.setRoot('first', await storage.save(Object.assign(new Edition(), { year: '1965' })));
  console.log('version 1 saved Book { title, pages, author } as "dune" and Edition { year: "1965" } as "first"');
  await storage.close();
}

async function read(dir: string): Promise<void> {
  const { Book, Edition } = version2();
  const storage = await LmdbPagableStorage.open(dir);
  const book = await storage.load(Book, (await storage.getRoot('dune'))!);
  console.log(`version 2 loaded: "${book.title}" by ${book.writer}; isbn ${book.isbn}; pages kept: ${'pages' in book}`);
  // A string where version 2 declares a number: an error that says so, not a wrong value.
  const e = await storage.load(Edition, (await storage.getRoot('first'))!).catch((err: unknown) => err);
  console.log(`Edition.year, stored a string, declared a number: ${PagableError.is(e) ? `${e.code} (${e.message})` : 'no error'}`);
  await storage.close();
}

async function main(): Promise<void> {
  const [mode, dir] = process.argv.slice(2);
  if (mode === 'write') return write(dir!);
  if (mode === 'read') return read(dir!);
  const store = mkdtempSync(join(tmpdir(), 'pagable-evolve-'));
  try {
    for (const step of ['write', 'read']) {
      const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), step, store], { encoding: 'utf8' });
      process.stdout.write(r.stdout);
      if (r.status !== 0) throw new Error(`the ${step} process failed:\n${r.stderr}`);
    }
  } finally {
    rmSync(store, { recursive: true, force: true });
  }
  console.log('ok');
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});

/*
 * `pagable check STORE --classes MODULE` against real stores: one written by version 1 of the
 * evolve classes (test/fixtures/evolve-v1.ts, its own process), checked with version 2 and 3
 * (ESM, and CommonJS), and one written here with the module it is checked with.
 */
import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LmdbPagableStorage } from '../../src/index.js';
import { Compile, T, nn } from '../fixtures/check-classes.js';
import { expectOneLineError, pagable } from '../support/cli-run.js';
import { runNode } from '../support/node-process.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));

interface CheckJson {
  classes: Array<{
    tag: string | null;
    name: string;
    loadedAs: string | null;
    problem: string | null;
    losesData: boolean;
    versions: Array<{
      same: boolean;
      dropped: Array<{ field: string; type: string }>;
      added: Array<{ field: string; type: string; default: boolean }>;
      renames: Array<{ from: string; to: string }>;
      mismatches: Array<{ field: string; stored: string; declared: string; verdict: string; migrate: boolean }>;
    }>;
  }>;
  notStored: string[];
  warnings: string[];
  losesData: boolean;
}

describe('pagable check', function () {
  this.timeout(120_000);
  let dir: string;
  let v1Store: string;
  let v1Keys: { library: string; cover: string };
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pagable-check-'));
    v1Store = join(dir, 'v1');
    v1Keys = JSON.parse(await runNode([join(FIXTURES, 'evolve-v1.js'), 'lmdb', v1Store])) as { library: string; cover: string };
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const byTag = (j: CheckJson, tag: string): CheckJson['classes'][number] => j.classes.find((c) => c.tag === tag)!;

  it('lists what version 2 drops, adds and retypes, and exits 1: a load would lose data', async () => {
    const r = await pagable('check', v1Store, '--classes', join(FIXTURES, 'evolve-v2-classes.js'));
    expect(r.code, r.stderr).to.equal(1);
    expect(r.stdout).to.contain('evolve.Book (Book)\n');
    expect(r.stdout).to.contain('    dropped   cover: dyn (its stored values are skipped)');
    expect(r.stdout).to.contain('    added     isbn: String (no default: loads as undefined)');
    expect(r.stdout).to.contain('    retyped   color: stored String, declared Number: TYPE_MISMATCH');
    expect(r.stdout).to.match(/evolve\.Library \(Library\)\n {2}stored [0-9a-f]{32}: reads\n/);
    expect(r.stdout.trim().split('\n').pop()).to.equal('loading this store with these classes would lose data or fail (exit 1)');
    // The README shows this very output.
    const readme = readFileSync(join(FIXTURES, '../../../README.md'), 'utf8');
    expect(readme).to.contain('`evolve-v2-classes.ts`:\n\n```\n' + r.stdout + '```');
    const j = JSON.parse(
      (await pagable('check', v1Store, '--classes', join(FIXTURES, 'evolve-v2-classes.js'), '--json')).stdout,
    ) as CheckJson;
    expect(j.losesData).to.equal(true);
    const book = byTag(j, 'evolve.Book').versions[0]!;
    expect(book.dropped).to.deep.equal([{ field: 'cover', type: 'dyn' }]);
    expect(book.added).to.deep.equal([{ field: 'isbn', type: 'String', default: false }]);
    expect(book.renames).to.deep.equal([]); // pages -> pageCount has its alias
    expect(byTag(j, 'evolve.Cover').versions[0]!.mismatches).to.deep.equal([
      { field: 'color', stored: 'String', declared: 'Number', verdict: 'mismatch', migrate: false },
    ]);
    expect(byTag(j, 'evolve.Author').losesData).to.equal(false);
    expect(byTag(j, 'evolve.Library').versions[0]!.same).to.equal(false); // reordered: reads, not the same
  });

  it('suggests an alias for a likely rename, says which classes are unchanged, warns of minified names', async () => {
    const r = await pagable('check', v1Store, '--classes', join(FIXTURES, 'evolve-v3-classes.js'));
    expect(r.code, r.stderr).to.equal(1);
    expect(r.stdout).to.contain("    renamed?  pages -> pageCount: add { aliases: ['pages'] } to pageCount to keep its values");
    expect(r.stdout).to.match(/evolve\.Cover \(Cover\)\n {2}stored [0-9a-f]{32}: same as the code\n/);
    expect(r.stdout).to.contain('not in the store: e');
    expect(r.stdout).to.contain('warning: class e is stored under a name that looks minified');
  });

  it('with a default for each added field and a migrate for the retyped one: nothing is lost (exit 0), and the load does what it says', async () => {
    const r = await pagable('check', v1Store, '--classes', join(FIXTURES, 'evolve-v4-classes.js'));
    expect(r.code, r.stdout + r.stderr).to.equal(0);
    expect(r.stdout).to.contain('    added     isbn: String (its default fills it)');
    expect(r.stdout).to.contain('    added     born: Number (its default fills it)');
    expect(r.stdout).to.contain('    retyped   color: stored String, declared Number: converted by its migrate');
    expect(r.stdout).to.not.contain('dropped');
    expect(r.stdout.trim().split('\n').pop()).to.equal('these classes read every stored class without losing data');
    const j = JSON.parse(
      (await pagable('check', v1Store, '--classes', join(FIXTURES, 'evolve-v4-classes.js'), '--json')).stdout,
    ) as CheckJson;
    expect(byTag(j, 'evolve.Book').versions[0]!.added).to.deep.equal([{ field: 'isbn', type: 'String', default: true }]);
    expect(byTag(j, 'evolve.Cover').versions[0]!.mismatches).to.deep.equal([
      { field: 'color', stored: 'String', declared: 'Number', verdict: 'mismatch', migrate: true },
    ]);
    // What check promised, the load does (its own process: one class per tag).
    const loaded = JSON.parse(await runNode([join(FIXTURES, 'evolve-v4.js'), v1Store, v1Keys.library, v1Keys.cover])) as unknown;
    expect(loaded).to.deep.equal({
      books: [
        { title: 'Dune', isbn: 'n/a', born: 0, color: 1 },
        { title: 'Dune Messiah', isbn: 'n/a', born: 0, color: 3 },
        { title: 'Children of Dune', isbn: 'n/a', born: 0, color: 0 },
      ],
      cover: 2,
    });
  });

  it('loads a CommonJS module as well', async () => {
    const cjs = join(dir, 'classes.cjs');
    writeFileSync(cjs, `module.exports = require(${JSON.stringify(join(FIXTURES, 'evolve-v2-classes.js'))});\n`);
    const j = JSON.parse((await pagable('check', v1Store, '--classes', cjs, '--json')).stdout) as CheckJson;
    expect(byTag(j, 'evolve.Book').versions[0]!.dropped).to.deep.equal([{ field: 'cover', type: 'dyn' }]);
  });

  it('exits 0 when the classes read everything; warns of a stored name that looks minified, not of a @Pagable name', async () => {
    const store = join(dir, 'mine');
    const s = await LmdbPagableStorage.open(store);
    const task = Object.assign(new T(), { title: 't', steps: [Object.assign(new Compile(), { file: 'a.ts' })] });
    await s.setRoot('task', await s.save(Object.assign(new nn(), { task })));
    await s.close();
    const r = await pagable('check', store, '--classes', join(FIXTURES, 'check-classes.js'));
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/^Task\n {2}stored [0-9a-f]{32}: same as the code$/m);
    expect(r.stdout).to.contain('warning: class nn is stored under a name that looks minified');
    expect(r.stdout).to.contain('the store holds untagged classes whose names look minified (nn)');
    expect(r.stdout).to.not.contain('class T ');
    expect(r.stdout.trim().split('\n').pop()).to.equal('these classes read every stored class without losing data');
  });

  it('usage: --classes is required, must exist, and a module that fails to load is one line, exit 1', async () => {
    expectOneLineError(await pagable('check', v1Store), 2, 'missing --classes');
    expectOneLineError(await pagable('check', v1Store, '--classes', join(dir, 'nope.js')), 2, 'no such file');
    expectOneLineError(await pagable('ls', v1Store, '--classes', 'x'), 2, '--classes applies to check only');
    const bad = join(dir, 'bad.mjs');
    writeFileSync(bad, "throw new Error('broken module');\n");
    expectOneLineError(await pagable('check', v1Store, '--classes', bad), 1, 'broken module');
  });
});

import { expect } from 'chai';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open as openEnv } from 'lmdb';
import { type DataKey, LmdbPagableStorage } from '../../src/index.js';
import { buildGraph } from '../fixtures/lmdb-graph.js';
import { type Run, expectOneLineError, runCliSync } from '../support/cli-run.js';
import { Dep, kitchen } from '../support/models.js';

/** Runs the built CLI synchronously. */
const cli = (...args: string[]): Run => runCliSync(args);

describe('pagable CLI', function () {
  this.timeout(120_000);
  let dir: string;
  let store: string;
  let main: DataKey;
  let kit: DataKey;
  let orphan: DataKey;
  let blobs: number;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pagable-cli-'));
    store = join(dir, 'store');
    const s = await LmdbPagableStorage.open(store);
    main = await s.save(buildGraph(0, s));
    await s.setRoot('main', main);
    kit = await s.save(kitchen());
    await s.setRoot('kitchen', kit);
    orphan = await s.save(Dep.of('orphan'));
    blobs = s.stats().blobs;
    await s.close();
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('--help and --version', () => {
    const h = cli('--help');
    expect(h.code).to.equal(0);
    expect(h.stdout).to.contain('Usage: pagable <command> <store>');
    for (const c of ['stats', 'roots', 'ls', 'show', 'schemas', 'graph', 'verify', 'gc', 'export', 'check'])
      expect(h.stdout).to.contain(`  ${c} `);
    const v = cli('--version');
    expect(v.code).to.equal(0);
    expect(v.stdout.trim()).to.match(/^\d+\.\d+\.\d+/);
  });

  it('usage errors are one line and exit 2', () => {
    expectOneLineError(cli(), 2, 'missing command');
    expectOneLineError(cli('frob', store), 2, 'unknown command "frob"');
    expectOneLineError(cli('ls'), 2, 'missing the store path');
    expectOneLineError(cli('show', store), 2, 'missing KEY');
    expectOneLineError(cli('ls', store, 'extra'), 2, 'unexpected argument "extra"');
    expectOneLineError(cli('ls', store, '--bogus'), 2, '--bogus');
    expectOneLineError(cli('graph', store, 'main', '--format', 'svg'), 2, 'dot or mermaid');
    expectOneLineError(cli('ls', store, '--format', 'dot'), 2, 'graph only');
  });

  it('a missing store is exit 2 and is not created', () => {
    const missing = join(dir, 'nope');
    expectOneLineError(cli('stats', missing), 2, 'no pagable store');
    expect(existsSync(missing)).to.equal(false);
    // An existing directory without a store stays untouched as well.
    expectOneLineError(cli('ls', dir), 2, 'no pagable store');
    expect(existsSync(join(dir, 'data.mdb'))).to.equal(false);
  });

  it('stats', () => {
    const r = cli('stats', store);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(new RegExp(`^blobs\\s+${blobs}$`, 'm'));
    expect(r.stdout).to.match(/^roots\s+2$/m);
    expect(r.stdout).to.match(/^on disk\s+/m);
    const j = JSON.parse(cli('stats', store, '--json').stdout) as Record<string, unknown>;
    expect(j).to.include({ blobs, roots: 2, path: store });
    expect(j.bytes).to.be.a('number').greaterThan(0);
    expect(j.fileBytes).to.be.a('number').greaterThan(0);
  });

  it('roots', () => {
    const r = cli('roots', store);
    expect(r.code).to.equal(0);
    expect(r.stdout.trim().split('\n')).to.deep.equal([`${kit}  kitchen`, `${main}  main`]);
    expect(JSON.parse(cli('roots', store, '--json').stdout)).to.deep.equal([
      { name: 'kitchen', key: kit },
      { name: 'main', key: main },
    ]);
  });

  it('ls lists every blob with its size and child count', () => {
    const r = cli('ls', store);
    expect(r.code).to.equal(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).to.match(/^KEY\s+BYTES\s+CHILDREN$/);
    expect(lines).to.have.length(blobs + 1);
    const mainLine = lines.find((l) => l.startsWith(main))!;
    // 10 modules x 3 imports + entry + main, and last its schema set.
    expect(mainLine.split(/\s+/)[2]).to.equal('33');
    const j = JSON.parse(cli('ls', store, '--json').stdout) as Array<{ key: string; bytes: number; children: number }>;
    expect(j).to.have.length(blobs);
    expect(j.find((b) => b.key === main)!.children).to.equal(33);
    expect(j.map((b) => b.key)).to.include(orphan);
  });

  it('show decodes a blob without the classes: field names from the stored schema, child links', () => {
    for (const ref of [main, main.slice(0, 8), 'main', main.toUpperCase()]) {
      const r = cli('show', store, ref);
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stdout).to.contain(`key       ${main}`);
      expect(r.stdout).to.contain('tag       test.Package');
      expect(r.stdout).to.contain('roots     main');
      expect(r.stdout).to.contain('children  32');
      expect(r.stdout).to.match(/^schema {4}[0-9a-f]{32} \(4 classes: test\.Package, test\.Module, test\.Circle, test\.Square\)$/m);
      expect(r.stdout).to.contain('test.Package {');
      expect(r.stdout).to.contain('name: "pkg-0"');
      expect(r.stdout).to.contain('icon: test.Circle { r: 0 }');
      expect(r.stdout).to.contain('hash: <3 bytes: 00 01 02>');
      // Arc placeholders are child links, never a bare 0.
      expect(r.stdout).to.match(/imports: \[ <child 0: [0-9a-f]{8}…>, <child 1: [0-9a-f]{8}…>, <child 2: [0-9a-f]{8}…> \]/);
      expect(r.stdout).to.match(/entry: <child 30: [0-9a-f]{8}…>/);
      expect(r.stdout).to.match(/main: <child 31: [0-9a-f]{8}…>/);
    }
    type Obj = { fields: Record<string, unknown> };
    const j = JSON.parse(cli('show', store, main, '--json').stdout) as {
      key: string;
      tag: string;
      schema: string;
      children: string[];
      body: Obj;
      verified: boolean;
    };
    expect(j).to.include({ key: main, tag: 'test.Package', verified: true });
    expect(j.children).to.have.length(32);
    expect(j.schema).to.match(/^[0-9a-f]{32}$/);
    expect(j.body).to.have.property('$class', 'test.Package');
    expect(j.body.fields['name']).to.equal('pkg-0');
    expect(j.body.fields['meta']).to.have.property('$map');
    expect(j.body.fields['entry']).to.deep.equal({ $child: 30, key: j.children[30] });

    // The schema set lists its classes with their fields.
    const set = cli('show', store, j.schema);
    expect(set.code, set.stderr).to.equal(0);
    expect(set.stdout).to.contain('format    schema set');
    expect(set.stdout).to.contain('test.Module (Module) {');
    expect(set.stdout).to.contain('imports: "shared Dep[]"');
  });

  it('show spells out escapes: Map, Set, -0, bigint, Date, bytes, __proto__, typed arrays', () => {
    const r = cli('show', store, 'kitchen');
    expect(r.code, r.stderr).to.equal(0);
    const out = r.stdout;
    expect(out).to.contain('tag       test.Kitchen');
    expect(out).to.contain('s: "héllo"');
    expect(out).to.contain('n: -0');
    expect(out).to.contain('big: 1267650600228229401496703205376n');
    expect(out).to.contain('when: Date(1970-01-01T00:00:00.000Z)');
    expect(out).to.contain('bytes: <3 bytes: 01 02 03>');
    expect(out).to.contain('map: Map { "a" => 1, 2 => "two" }');
    expect(out).to.contain('set: Set { 1, "x" }');
    expect(out).to.contain('[ 1, NaN, Infinity ]');
    expect(out).to.contain('"__proto__": 5');
    expect(out).to.contain('Float64Array [ 1.5 ]');
    expect(out).to.contain('anyShape: test.Square { side: 2 }');
    const j = JSON.parse(cli('show', store, 'kitchen', '--json').stdout) as { body: { fields: Record<string, unknown> } };
    const f = j.body.fields;
    expect(f['n']).to.deep.equal({ $number: '-0' });
    expect(f['big']).to.deep.equal({ $bigint: '1267650600228229401496703205376' });
    expect(f['set']).to.deep.equal({ $set: [1, 'x'] });
    expect(f['anyShape']).to.deep.equal({ $class: 'test.Square', fields: { side: 2 } });
    expect(Object.keys(f['obj'] as object)).to.include('__proto__');
  });

  it('schemas lists the classes the data was written with, and their fields', () => {
    const r = cli('schemas', store);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/^test\.Package \(Package\) {2}[0-9a-f]{32} {2}in 1 schema set$/m);
    expect(r.stdout).to.contain('  modules: test.Module[]\n');
    expect(r.stdout).to.contain('  entry: lazy test.Module\n');
    expect(r.stdout).to.match(
      /^Dep {2}[0-9a-f]{32} {2}in \d+ schema sets?\n {2}name: String\n {2}version: String\n {2}deps: shared Dep\[\]$/m,
    );
    const j = JSON.parse(cli('schemas', store, '--json').stdout) as Array<{
      tag: string | null;
      name: string;
      fields: Array<{ name: string; kind: string; type: string }>;
    }>;
    const kitchen = j.find((c) => c.tag === 'test.Kitchen')!;
    expect(kitchen.fields.map((f) => f.name)).to.deep.equal([
      's',
      'n',
      'b',
      'big',
      'nil',
      'undef',
      'when',
      'bytes',
      'map',
      'set',
      'list',
      'obj',
      'circles',
      'anyShape',
    ]);
    expect(kitchen.fields[12]).to.deep.equal({ name: 'circles', kind: 'field', type: 'test.Circle[]' });
  });

  it('show of an unknown key or root is exit 2', () => {
    expectOneLineError(cli('show', store, 'ffffffffffffffffffffffffffffffff'), 2, 'ffffffffffffffffffffffffffffffff');
    expectOneLineError(cli('show', store, 'no-such-root'), 2, 'no-such-root');
    expectOneLineError(cli('graph', store, 'abcdef01'), 2, 'abcdef01');
  });

  it('graph of a well-formed key that is not in the store is exit 2, as show of it is: nothing to draw', () => {
    for (const format of ['dot', 'mermaid']) {
      expectOneLineError(
        cli('graph', store, 'ffffffffffffffffffffffffffffffff', '--format', format),
        2,
        'ffffffffffffffffffffffffffffffff',
      );
    }
    expectOneLineError(cli('graph', store, 'ffffffffffffffffffffffffffffffff', '--json'), 2, 'ffffffffffffffffffffffffffffffff');
  });

  it('graph: the DAG from a key, each blob once, shared blobs marked (dot, mermaid, json)', async () => {
    const s = await LmdbPagableStorage.open(store, { readOnly: true });
    const reachable = new Set<string>();
    const stack = [main];
    while (stack.length > 0) {
      const k = stack.pop()!;
      if (reachable.has(k)) continue;
      reachable.add(k);
      stack.push(...(await s.fetchData(k)).arcs);
    }
    await s.close();

    const dot = cli('graph', store, 'main');
    expect(dot.code, dot.stderr).to.equal(0);
    expect(dot.stdout.startsWith('digraph pagable {')).to.equal(true);
    const nodeLines = dot.stdout.split('\n').filter((l) => /^ {2}"[0-9a-f]{32}" \[/.test(l));
    expect(nodeLines).to.have.length(reachable.size);
    expect(new Set(nodeLines.map((l) => l.slice(3, 35)))).to.deep.equal(reachable);
    expect(dot.stdout).to.contain('peripheries=2');
    expect(dot.stdout).to.contain('fillcolor="#fff3b0"');
    expect(dot.stdout).to.contain('\\ntest.Module\\n');
    // The package lists `common` several times: one edge, with a count.
    expect(dot.stdout).to.match(/ -> "[0-9a-f]{32}" \[label="x\d+"\];/);

    const mm = cli('graph', store, main.slice(0, 10), '--format', 'mermaid');
    expect(mm.code, mm.stderr).to.equal(0);
    expect(mm.stdout.startsWith('flowchart TD')).to.equal(true);
    expect(mm.stdout).to.contain(`k${main}[["`);
    expect(mm.stdout).to.match(/^ {2}class (k[0-9a-f]{32},?)+ shared$/m);

    const j = JSON.parse(cli('graph', store, 'main', '--json').stdout) as {
      top: string;
      nodes: Array<{ key: string; parents: number }>;
      edges: unknown[];
    };
    expect(j.top).to.equal(main);
    expect(j.nodes).to.have.length(reachable.size);
    expect(j.nodes.some((n) => n.parents > 1)).to.equal(true);
  });

  it('verify passes on a sound store, then fails with exit 1 listing a corrupted blob', async () => {
    const ok = cli('verify', store);
    expect(ok.code, ok.stderr).to.equal(0);
    expect(ok.stdout.trim()).to.equal(`checked ${blobs} blobs: every one matches its key`);
    // Off a terminal, no progress bar.
    expect(ok.stderr).to.equal('');
    expect(JSON.parse(cli('verify', store, '--json').stdout)).to.deep.equal({ checked: blobs, corrupt: [] });

    const copy = join(dir, 'corrupt');
    const s = await LmdbPagableStorage.open(copy);
    const key = await s.save(Dep.of('victim', '1', [Dep.of('sound')]));
    await s.close();
    const env = openEnv({ path: copy, maxDbs: 4 });
    const raw = env.openDB<Uint8Array, Uint8Array>('blobs', { keyEncoding: 'binary', encoding: 'binary' });
    const rec = Buffer.from(raw.getBinary(Buffer.from(key, 'hex'))!);
    rec[rec.length - 1] ^= 0x20;
    await raw.put(Buffer.from(key, 'hex'), rec);
    await env.close();

    const bad = cli('verify', copy);
    expect(bad.code).to.equal(1);
    // The two Dep blobs and their schema blobs (a set, Dep's class schema).
    expect(bad.stdout).to.contain('checked 4 blobs: 1 corrupt');
    expect(bad.stdout).to.contain(`corrupt ${key}`);
    const bj = cli('verify', copy, '--json');
    expect(bj.code).to.equal(1);
    expect(JSON.parse(bj.stdout)).to.deep.equal({ checked: 4, corrupt: [key] });
    // show still displays the damaged blob, says so, and exits 1.
    const sh = cli('show', copy, key);
    expect(sh.code).to.equal(1);
    expect(sh.stdout).to.contain(`CORRUPT: the content hashes to`);
    // graph marks it instead of failing.
    const g = cli('graph', copy, key);
    expect(g.code).to.equal(0);
    expect(g.stdout).to.contain('CORRUPT');
  });

  it('gc frees what no root reaches', () => {
    const r = cli('gc', store);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout.trim()).to.match(new RegExp(`^freed 1 blob \\(\\d+ B\\), kept ${blobs - 1}$`));
    expectOneLineError(cli('show', store, orphan), 2, orphan);
    expect(JSON.parse(cli('gc', store, '--json').stdout)).to.deep.equal({ freedBlobs: 0, freedBytes: 0, keptBlobs: blobs - 1 });
    expect(cli('verify', store).code).to.equal(0);
  });
});

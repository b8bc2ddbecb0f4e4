import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Field, Lazy, LmdbPagableStorage, Pagable, PagableArc, type PlainGraph, exportPlain, toPlain } from '../../src/index.js';
import { expectOneLineError, pagable } from '../support/cli-run.js';
import { Dep } from '../support/models.js';

@Pagable()
class Release {
  @Field() version!: string;
  @Field() deps!: Dep[];
  @Lazy(() => Dep) notes?: PagableArc<Dep>;
}

describe('pagable export', function () {
  this.timeout(120_000);
  let dir: string;
  let store: string;
  let live: PlainGraph;
  let deep: PlainGraph;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pagable-export-'));
    store = join(dir, 'store');
    const s = await LmdbPagableStorage.open(store);
    const base = Dep.of('base');
    const release = Object.assign(new Release(), {
      version: '1.0 \ud800',
      deps: [],
      notes: PagableArc.new(Dep.of('notes', '1', [base, base]), s),
    });
    live = toPlain(release);
    await s.setRoot('release', await s.save(release));
    deep = await exportPlain(s, live.root, { depth: 1 });
    await s.close();
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('prints the graph under a root or key as toPlain gives it; lazy children only with --depth', async () => {
    const r = await pagable('export', store, 'release');
    expect(r.code, r.stderr).to.equal(0);
    expect(JSON.parse(r.stdout)).to.deep.equal(live);
    expect(JSON.parse((await pagable('export', store, live.root.slice(0, 8), '--json')).stdout)).to.deep.equal(live);
    const d = JSON.parse((await pagable('export', store, 'release', '--depth', '1')).stdout) as PlainGraph;
    expect(d).to.deep.equal(deep);
    expect(Object.keys(d.blobs)).to.have.length(3); // the release, its notes, their shared base (once)
    expect((d.blobs[d.root] as { version: unknown }).version).to.deep.equal({
      $utf16: [...'1.0 '].map((c) => c.charCodeAt(0)).concat(0xd800),
    });
  });

  it('usage: a missing key is exit 2; --depth takes a whole number', async () => {
    expectOneLineError(await pagable('export', store), 2, 'missing KEY');
    expectOneLineError(await pagable('export', store, 'no-such-root'), 2, 'no-such-root');
    expectOneLineError(await pagable('export', store, 'release', '--depth', '-1'), 2, '--depth');
    expectOneLineError(await pagable('roots', store, '--depth', '1'), 2, '--depth applies to graph and export only');
  });
});

import { expect } from 'chai';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXAMPLES_DIR, runExample, runNode } from '../support/node-process.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Runs a compiled example in `cwd` as `npm start` would; returns its stdout. */
function run(name: string, cwd: string, args: string[] = []): Promise<string> {
  return runExample(name, args, { cwd });
}

describe('examples on LMDB', function () {
  this.timeout(180_000);
  let cwd: string;
  before(() => {
    cwd = mkdtempSync(join(tmpdir(), 'pagable-examples-'));
  });
  after(() => rmSync(cwd, { recursive: true, force: true }));

  it('03-persistent: save, reopen, load, roots, gc', async () => {
    const out = await run('03-persistent.js', cwd);
    expect(out).to.match(/^saved v1 [0-9a-f]{32} and v2 [0-9a-f]{32}$/m);
    // 7 data blobs and 4 schema blobs (the writer's schema travels with the data).
    expect(out).to.contain('blobs: 11 (the shared logo is stored once)');
    expect(out).to.contain('reopened with 11 blobs');
    expect(out).to.contain('current: v2 2024-05-01T00:00:00.000Z');
    expect(out).to.contain('logo restored shared: true');
    expect(out).to.contain('archive paged out: true');
    expect(out).to.contain('archive: v2.tar 50000 bytes');
    expect(out).to.contain('gc freed 3 blobs');
    expect(out).to.contain('v1 after gc: gone');
    expect(out).to.contain('every blob verifies: true');
    expect(out.trim().endsWith('ok')).to.equal(true);
  });

  it('05-evolving-classes: version 1 writes in one process, version 2 reads in another', async () => {
    const out = await run('05-evolving-classes.js', cwd);
    expect(out).to.contain('version 2 loaded: "Dune" by Frank Herbert; isbn unknown; pages kept: false');
    expect(out).to.match(
      /Edition\.year, stored a string, declared a number: TYPE_MISMATCH \(blob [0-9a-f]{32}: Edition\.year: stored string, declared Number\)/,
    );
    expect(out.trim().endsWith('ok')).to.equal(true);
  });

  it('main-demo (npm start): ~50k objects saved, paged out, loaded back equal; its CLI commands work', async () => {
    const out = await run('main-demo.js', cwd);
    expect(existsSync(join(cwd, '.pagable-demo', 'data.mdb'))).to.equal(true);
    const objects = Number(/objects (\d[\d,]*)/.exec(out)![1]!.replace(/,/g, ''));
    expect(objects).to.be.within(45_000, 60_000);
    expect(out).to.match(/blobs\s+[\d,]+ stored of [\d,]+ writes; dedup \d+\.\d%/);
    expect(out).to.contain('loaded graph equals the original; steps polymorphic: true');
    expect(out).to.match(/blobs verify: true/);
    // The heap the graph held is mostly gone once its packages are paged out.
    const drop = Number(/after paging out 100 packages \(-(\d+)%\)/.exec(out)![1]);
    expect(drop).to.be.at.least(80);

    const commands = out
      .split('\n')
      .filter((l) => l.startsWith('  node '))
      .map((l) => l.trim().split(' ').slice(1));
    expect(commands.map((c) => c[1])).to.deep.equal(['stats', 'roots', 'show', 'ls', 'graph', 'verify', 'gc']);
    for (const c of commands) {
      const stdout = await runNode(c, { cwd, timeout: 60_000 });
      expect(stdout.length, c.join(' ')).to.be.greaterThan(0);
    }
    // The demo's model, a module of its own, reads the store it wrote: pagable check with the
    // pagable it imports (the package's own bin, dist/cli/main.js).
    const check = await runNode(
      [join(ROOT, 'dist/cli/main.js'), 'check', '.pagable-demo', '--classes', join(EXAMPLES_DIR, 'demo-model.js')],
      {
        cwd,
        timeout: 60_000,
      },
    );
    expect(check).to.match(/^demo\.Module \(Module\)\n {2}stored [0-9a-f]{32}: same as the code$/m);
    expect(check.trim().split('\n').pop()).to.equal('these classes read every stored class without losing data');
  });

  it('main-demo takes --dir and --packages', async () => {
    const out = await run('main-demo.js', cwd, ['--dir', 'small', '--packages', '3']);
    expect(out).to.contain('(3 packages, 300 modules)');
    expect(out).to.contain('loaded graph equals the original');
    expect(existsSync(join(cwd, 'small', 'data.mdb'))).to.equal(true);
  });
});

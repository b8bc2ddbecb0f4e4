import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

describe('examples: paging', () => {
  it('02-paging pages a document cache out and back in', function () {
    this.timeout(120_000);
    const r = spawnSync(process.execPath, ['--expose-gc', path.join(root, 'build', 'examples', '02-paging.js')], {
      cwd: root, encoding: 'utf8', timeout: 120_000,
    });
    expect(r.status, `02-paging exited ${r.status}\n${r.stdout}\n${r.stderr}`).to.equal(0);
    const out = r.stdout;
    expect(out).to.contain('parsed 2000 documents: 2000 resident, 2000 waiting to be paged out');
    expect(out).to.contain('paged out 2000 documents (0 failed); 0 resident now');
    expect(out).to.contain('same as a fresh parse: true; a ParsedDocument again: true');
    expect(out).to.contain('second reader sees the same object: true, fetches: 0');
    expect(out).to.contain('after release: 0 resident');
    expect(out.trim().endsWith('ok')).to.equal(true);
  });
});

import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Runs a compiled tutorial as a user would, and returns its output. */
export function runExample(name: string, args: string[] = []): string {
  const r = spawnSync(process.execPath, ['--expose-gc', path.join(root, 'build', 'examples', name), ...args], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  expect(r.status, `${name} exited ${r.status}\n${r.stdout}\n${r.stderr}`).to.equal(0);
  return r.stdout;
}

describe('examples', () => {
  it('01-quickstart runs and restores classes, sharing and lazy children', () => {
    const out = runExample('01-quickstart.js');
    expect(out).to.contain('steps: compile main.ts, link app.js');
    expect(out).to.contain('shared library restored once: true');
    expect(out).to.contain('docs paged out until pinned: true');
    expect(out).to.contain('new blobs on re-save: 0');
    expect(out.trim().endsWith('ok')).to.equal(true);
  });
});

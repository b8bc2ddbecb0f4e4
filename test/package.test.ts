import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

function node(code: string, type: 'commonjs' | 'module'): { status: number | null; out: string } {
  const args = type === 'module' ? ['--input-type=module', '-e', code] : ['--input-type=commonjs', '-e', code];
  const r = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

describe('package', () => {
  const names = [
    'Pagable',
    'TypeTag',
    'Field',
    'Shared',
    'Lazy',
    'Dyn',
    'computeKey',
    'PagableArc',
    'PinnedPagableArc',
    'PagableStorageBase',
    'InMemoryPagableStorage',
    'LmdbPagableStorage',
    'PagableError',
    'toPlain',
    'exportPlain',
  ];

  it('imports by name from ESM through the exports map', () => {
    const r = node(`const m = await import('pagable'); console.log(JSON.stringify(Object.keys(m)));`, 'module');
    expect(r.status, r.out).to.equal(0);
    expect(JSON.parse(r.out.trim().split('\n').pop()!)).to.include.members(names);
  });

  it('can be require()d from CommonJS (no top-level await anywhere in the graph)', () => {
    const r = node(
      `const m = require('pagable'); console.log(JSON.stringify(Object.keys(m)), m.computeKey({ data: new Uint8Array([1, 2, 3]), arcs: [] }));`,
      'commonjs',
    );
    expect(r.status, r.out).to.equal(0);
    expect(r.out).to.contain('60acc560af3c172804ca72879e2bdc57');
  });
});

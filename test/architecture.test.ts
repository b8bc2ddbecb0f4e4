import { expect } from 'chai';
import { fileURLToPath } from 'node:url';
import { runNode } from './support/node-process.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

describe('architecture', () => {
  it('imports flow one way and form no cycle (dependency-cruiser, .dependency-cruiser.cjs)', async () => {
    const cli = fileURLToPath(new URL('../../node_modules/dependency-cruiser/bin/dependency-cruise.mjs', import.meta.url));
    const out = await runNode([cli, 'src', '--config', '.dependency-cruiser.cjs', '--output-type', 'err'], { cwd: ROOT }).catch(
      (e: unknown) => {
        throw new Error(`dependency-cruiser found wrong-way imports or cycles:\n${(e as Error).message}`);
      },
    );
    expect(out).to.match(/no dependency violations/);
  });
});

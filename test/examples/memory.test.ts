import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runNode } from '../support/node-process.js';

/** `npm run example -- NN` without the build step (the tests run on a fresh build). */
const EXAMPLE = fileURLToPath(new URL('../../../scripts/example.mjs', import.meta.url));

describe('examples: memory budget', () => {
  it('06-memory-budget, from `npm run example -- 06`, streams ~100 MB four ways through a 72 MB heap and reads samples back', async function () {
    this.timeout(240_000);
    const out = await runNode([EXAMPLE, '06'], { timeout: 230_000 });
    // The runner applied the tutorial's own heap cap.
    expect(out).to.match(/^--max-old-space-size=72; autoPageOut at 32 MB/m);
    const lines = out.split('\n').filter((l) => / MB in [\d.]+ s; peak heap/.test(l));
    expect(lines.map((l) => l.slice(0, 31).trim())).to.deep.equal([
      'yields every document',
      'yields every 100 documents',
      'awaits only drain(), every 100',
      'a plain loop, never yields',
    ]);
    for (const l of lines) {
      expect(Number(/(\d+) MB in/.exec(l)![1])).to.be.above(72);
      expect(Number(/peak heap ([\d.]+) MB/.exec(l)![1])).to.be.below(72);
      expect(l).to.contain('sample read back: 4 of 4 equal');
    }
    const dir = /^removed (.+)$/m.exec(out)![1]!;
    expect(existsSync(dir)).to.equal(false);
    expect(out.trim().endsWith('ok')).to.equal(true);
  });

  it('without autoPageOut (--manual) the same producer dies of heap exhaustion, and its folder is removed', async function () {
    this.timeout(240_000);
    const out = await runNode([EXAMPLE, '06', '--manual'], { timeout: 230_000 });
    expect(out).to.contain('without autoPageOut it died: JavaScript heap out of memory');
    const dir = /^removed (.+)$/m.exec(out)![1]!;
    expect(existsSync(dir)).to.equal(false);
  });
});

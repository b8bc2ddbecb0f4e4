import { expect } from 'chai';
import { runNode, EXAMPLES_DIR } from './support/node-process.js';

describe('examples: memory budget', () => {
  it('06-memory-budget streams ~220 MB through a 72 MB heap with autoPageOut, and reads a sample back', async function () {
    this.timeout(180_000);
    const out = await runNode(['--max-old-space-size=72', EXAMPLES_DIR + '06-memory-budget.js']);
    expect(out).to.match(/streamed 2200 documents, 2\d\d MB of text; 0 still resident/);
    expect(out).to.match(/peak heap [\d.]+ MB against a limit of 32 MB for page-out; automatic page-outs: \d+/);
    const peak = Number(/peak heap ([\d.]+) MB/.exec(out)![1]);
    expect(peak).to.be.below(72);
    expect(out).to.contain('sample read back: 5 of 5 equal');
    expect(out.trim().endsWith('ok')).to.equal(true);
  });

  it('the same program without autoPageOut dies of heap exhaustion', async function () {
    this.timeout(180_000);
    const err = await runNode(['--max-old-space-size=72', EXAMPLES_DIR + '06-memory-budget.js', '--manual']).then(
      () => {
        throw new Error('expected the program to run out of heap');
      },
      (e: unknown) => e as Error,
    );
    expect(err.message).to.match(/heap out of memory|Allocation failed/i);
  });
});

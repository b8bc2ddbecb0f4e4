import { expect } from 'chai';
import { runExample } from '../support/node-process.js';

describe('examples: paging', () => {
  it('02-paging pages a document cache out and back in', async function () {
    this.timeout(120_000);
    const out = await runExample('02-paging.js');
    expect(out).to.contain('parsed 2000 documents: 2000 resident, 2000 waiting to be paged out');
    expect(out).to.contain('paged out 2000 documents (0 failed); 0 resident now');
    expect(out).to.contain('same as a fresh parse: true; a ParsedDocument again: true');
    expect(out).to.contain('second reader sees the same object: true, fetches: 0');
    expect(out).to.contain('after release: 0 resident');
    expect(out.trim().endsWith('ok')).to.equal(true);
  });
});

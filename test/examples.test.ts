import { expect } from 'chai';
import { runExample } from './support/node-process.js';

describe('examples', () => {
  it('01-quickstart runs and restores classes, sharing and lazy children', async () => {
    const out = await runExample('01-quickstart.js');
    expect(out).to.contain('steps: compile main.ts, link app.js');
    expect(out).to.contain('shared library restored once: true');
    expect(out).to.contain('docs paged out until pinned: true');
    expect(out).to.contain('new blobs on re-save: 0');
    expect(out).to.contain('round trip: a new Target true - same key true');
    expect(out.trim().endsWith('ok')).to.equal(true);
  });
});

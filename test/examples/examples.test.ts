import { expect } from 'chai';
import { runExample } from '../support/node-process.js';

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

  it('10-codecs-and-migrations stores a foreign Decimal through its codec, migrates a retyped field and fills a default', async () => {
    const out = await runExample('10-codecs-and-migrations.js');
    expect(out).to.contain('version 1 blob read as version 2: total 12.5 (a Decimal: true), currency EUR, lines 0');
    expect(out).to.contain('round trip: total 12.5, lines 10 + 2.5, discount 0.1 (a Decimal: true)');
    expect(out).to.contain('12.50 and 12.5 stored under one key: true');
    expect(out).to.contain('"total":{"$codec":"money.Decimal","value":"12.5"}');
    expect(out).to.contain('"notes":{"discount":{"$codec":"money.Decimal","value":"0.1"},"by":"ana"}');
    expect(out.trim().endsWith('ok')).to.equal(true);
  });

  it('11-resave saves a loaded, frozen graph with one change by encoding only the path to it', async () => {
    const out = await runExample('11-resave.js');
    expect(out).to.contain('first save: 4207 blobs written');
    expect(out).to.contain('a loaded Map is frozen too: true');
    expect(out).to.contain('re-save after one change: 9 blobs written');
    expect(out).to.contain('saved once more, unchanged: same key true');
    expect(out).to.contain('same key as a fresh save: true');
    expect(out.trim().endsWith('ok')).to.equal(true);
  });
});

import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PagableStorageBase } from '../../src/index.js';
import { blobStoreConformance, storageConformance } from '../../src/testing/index.js';
import { DirectoryBlobStore } from '../../examples/08-custom-backend.js';
import { runExample } from '../support/node-process.js';

const dirs: string[] = [];
const freshDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'pagable-custom-'));
  dirs.push(d);
  return d;
};
after(function () {
  // Deleting a store directory can take long on a disk busy with other work: not a test's timeout.
  this.timeout(300_000);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('examples: a custom backend', () => {
  it('08-custom-backend saves, roots, loads and verifies through a directory of files', async () => {
    const out = await runExample('08-custom-backend.js');
    expect(out).to.contain('files written: 4'); // 2 notes, their schema set and Note's class schema
    expect(out).to.contain('loaded: "hi back" replying to "hello", a Note: true');
    expect(out).to.contain('verify: 0 corrupt');
    expect(out.trim().endsWith('ok')).to.equal(true);
  });
});

// The tutorial's 48-line store passes both shipped suites, unchanged.
blobStoreConformance({ name: 'directory (tutorial 08)', create: () => new DirectoryBlobStore(freshDir()) });
storageConformance({
  name: 'directory (tutorial 08)',
  syncFetch: true,
  create: (options) => new PagableStorageBase(new DirectoryBlobStore(freshDir()), options),
});

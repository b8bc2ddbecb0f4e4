import { LmdbPagableStorage } from '../src/index.js';
import { storageConformance } from './storage-conformance.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dirs: string[] = [];
after(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });
storageConformance({
  name: 'lmdb', syncFetch: true,
  create: async () => { const d = mkdtempSync(join(tmpdir(), 'pagable-lmdb-')); dirs.push(d); return LmdbPagableStorage.open(d); },
});

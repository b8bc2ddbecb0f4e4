import { statSync } from 'node:fs';
import { join } from 'node:path';
import { PagableError } from '../error.js';
import type { BlobCount } from './interface.js';
import { readBlobRecordLayout } from './blob-record.js';
import { type LmdbFileInfo, checkLmdbDataFile } from './lmdb-file-check.js';
import { walkLmdbFile } from './lmdb-page-walk.js';

/*
 * What an LMDB blob store checks of its file around LMDB's open: before it, everything LMDB
 * reads to open the environment and find the databases (meta pages, free-page and main trees);
 * after it, under a read transaction (so no other process recycles the pages being read), the
 * trees of the store's own databases, counting the blobs on the way.
 */

/** Re-reads a store's data file info (for retries); CORRUPT if it vanished. */
export function rereadInfo(file: string): LmdbFileInfo {
  const i = checkLmdbDataFile(file);
  if (i === undefined) throw new PagableError('CORRUPT', `LMDB data file ${file} vanished while it was checked`);
  return i;
}

/**
 * Before LMDB opens `path`: the data file's info, or undefined when there is none yet (or an
 * empty one). NOT_FOUND when there is none and `mayCreate` is false, or the environment lacks
 * the store's databases and `readOnly`; CORRUPT when damaged. Creates nothing.
 */
export function checkBeforeOpen(path: string, mayCreate: boolean, readOnly: boolean): LmdbFileInfo | undefined {
  let isDir = false;
  try {
    isDir = statSync(path).isDirectory();
  } catch {
    // Missing: LMDB creates it when allowed.
  }
  if (!isDir && statSyncIsFile(path)) throw new PagableError('INVALID_ARGUMENT', `${path} is a file, not a store directory`);
  const file = join(path, 'data.mdb');
  const info = isDir ? checkLmdbDataFile(file) : undefined;
  if (info === undefined) {
    if (!mayCreate) throw new PagableError('NOT_FOUND', `no pagable store at ${path} (no data.mdb, or an empty one)`);
    return undefined;
  }
  const dbs = walkLmdbFile(info, { trees: [] }, () => rereadInfo(file));
  if (readOnly && !(dbs.has('blobs') && dbs.has('roots'))) {
    throw new PagableError('NOT_FOUND', `${path} is an LMDB environment but not a pagable store (no blobs / roots databases)`);
  }
  return info;
}

function statSyncIsFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/**
 * Walks the newest snapshot of `file` (checking every page of `trees`) and counts the blobs and
 * data bytes of `blobs`; call it under an LMDB read transaction. A malformed record counts as a
 * blob without data (reading it is CORRUPT).
 */
export function checkAndCount(file: string, trees: readonly string[]): BlobCount {
  const n = { blobs: 0, bytes: 0 };
  walkLmdbFile(rereadInfo(file), {
    trees,
    onRetry: () => {
      n.blobs = 0;
      n.bytes = 0;
    },
    onEntry: (db, e) => {
      if (db !== 'blobs') return undefined;
      n.blobs++;
      try {
        // The layout reads only the child count (at most 5 bytes, all in `head`) and checks the
        // keys it announces fit the value's size.
        n.bytes += e.dataSize - readBlobRecordLayout(e.head, 'record', e.dataSize).dataOffset;
      } catch {
        // Malformed: no data bytes.
      }
      return undefined;
    },
  }, () => rereadInfo(file));
  return n;
}

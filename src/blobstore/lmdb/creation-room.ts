import { statSync, statfsSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { PagableError } from '../../error.js';
import { createExclusive } from './exclusive-file.js';

/*
 * Creating a store on a file system without room for it. LMDB sizes a new lock.mdb with
 * ftruncate, which allocates nothing, maps it and writes its header through the map: on a full
 * disk the kernel has no page to give, and the process dies of SIGBUS. And when the first pages of
 * a new data.mdb do not fit, lmdb-js dies of SIGSEGV. Measured on a 3 MB tmpfs with 0-4 KB free
 * (SIGBUS) and 16-24 KB free (SIGSEGV); with 28 KB or more, the open fails cleanly (IO) once LMDB
 * is in; test/blobstore/lmdb/disk-full.test.ts. So before LMDB creates a store:
 * - a file system with less than CREATE_ROOM free is IO (where statfs answers);
 * - the lock file is written here, with real blocks: LMDB finds one as large as it needs and maps
 *   it as it is.
 * A creation that fails after that leaves an empty data.mdb beside a lock.mdb, which reads as a
 * truncated store (CORRUPT) at the next open: both are removed.
 */

/** Free bytes a new store needs: its lock file, two meta pages, the first pages of its four databases, and a margin. */
const CREATE_ROOM = 1024 * 1024;

/**
 * Bytes of the lock file written ahead: LMDB's own size for lmdb-js's 126 readers is 8,272. A
 * larger file only lets more readers in (LMDB counts them from its size).
 */
const LOCK_BYTES = 16 * 1024;

/**
 * Makes room for LMDB to create a store in directory `path` (made already): IO when its file
 * system has too little free, else writes lock.mdb unless there is one; true when written.
 */
export function prepareCreation(path: string): boolean {
  let free: number | undefined;
  try {
    const fs = statfsSync(path);
    // Root may also write into the blocks a file system reserves for it (ext4: 5%).
    free = (process.getuid?.() === 0 ? fs.bfree : fs.bavail) * fs.bsize;
  } catch {
    // No statfs here: the lock file written below still keeps LMDB from SIGBUS.
  }
  if (free !== undefined && free < CREATE_ROOM) {
    throw new PagableError(
      'IO',
      `creating LMDB store ${path}: its file system has ${free} bytes free, under the ${CREATE_ROOM} a new store needs`,
    );
  }
  try {
    return createExclusive(join(path, 'lock.mdb'), new Uint8Array(LOCK_BYTES));
  } catch (e) {
    throw new PagableError('IO', `creating LMDB store ${path}: cannot write its lock file (${(e as Error).message})`, { cause: e });
  }
}

/** After LMDB failed to create the store in `path`: removes what a retry would read as a truncated store. */
export function removeFailedCreation(path: string): void {
  const data = join(path, 'data.mdb');
  try {
    if (statSync(data).size !== 0) return;
    unlinkSync(data);
  } catch {
    // No data.mdb: nothing LMDB made that reads as damaged.
  }
  try {
    unlinkSync(join(path, 'lock.mdb'));
  } catch {
    // Gone already.
  }
}

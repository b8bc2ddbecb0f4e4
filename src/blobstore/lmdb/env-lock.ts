import { mkdirSync, readFileSync, renameSync, statSync, unlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PagableError } from '../../error.js';
import { createExclusive } from './exclusive-file.js';

/*
 * Serializes the opening and closing of one LMDB environment across processes (and across the
 * opens and closes of one process).
 *
 * lmdb-js fails an open that runs while another process closes the same environment: the write
 * transaction in which it opens a database does not begin, lmdb-js ignores that, and the open
 * throws EINVAL (with LMDB's last message, often "No transaction to renew"); the process cannot
 * open that environment again. And processes creating one environment at the same moment break
 * a first transaction ("MDB_PROBLEM: mdb_page_touch no parent"). Measured with lmdb-js alone,
 * 8 processes each opening (`open` and four `openDB`s) and closing one directory at once:
 * - an existing environment: 45-59 of 300 trials failed; with opens never meeting a close, 0 of 200;
 * - a new one: 2-6 of 300;
 * - with each open and each close under this lock: 0 of 300 for both.
 *
 * The lock is a file in the store's directory holding its owner's pid, created exclusively
 * (O_EXCL: the open fails if the name exists; no hard link, which exFAT and some network file
 * systems lack). Between its creation and the write of the pid a waiter may find it empty: it
 * waits, and takes over an empty lock only once it is STALE_EMPTY_MS old. A lock whose owner is
 * dead (the process crashed while opening) is taken over: renamed away first, so of two waiters
 * that find it stale only one removes it, and a lock a live process took meanwhile is put back.
 * LMDB is local to one machine, so a pid says enough. Not covered: the close lmdb-js makes itself
 * when a process exits without closing.
 *
 * Within one process, opens and closes of a store first wait their turn on a promise chain, so
 * they never wait on each other through the file and a timer: a test framework's fake timers
 * (installed after this module loaded: it keeps the real setTimeout) cannot stall them.
 */

const LOCK_NAME = 'pagable-env.lock';
/** How often a waiter looks again: an open or a close takes a few milliseconds. */
const POLL_MS = 2;
/** How long a waiter waits for a live owner before it gives up with an IO error. */
const WAIT_MS = 60_000;
/** An empty lock this old lost its owner between creating it and writing its pid. */
const STALE_EMPTY_MS = 5_000;
/** setTimeout as it was when this module loaded (a fake installed later does not replace it). */
const realSetTimeout = globalThis.setTimeout;
/** Per store directory (resolved): the end of the last open or close this process queued on it. */
const turns = new Map<string, Promise<void>>();

/**
 * Runs `body` (an open or a close of the environment in `dir`, named by `what`) holding the lock.
 * `makeDir`: the directory may be created (by the open that follows). Without it, a missing
 * directory runs `body` unlocked (there is nothing to open: `body` says so); so does a directory
 * this process may not write to (a read-only open of a store it cannot lock).
 */
export async function underEnvLock<T>(dir: string, what: string, makeDir: boolean, body: () => Promise<T>): Promise<T> {
  const at = resolve(dir);
  const before = turns.get(at);
  let done!: () => void;
  const turn = new Promise<void>((r) => (done = r));
  turns.set(at, turn);
  try {
    // Never rejects: a turn is resolved whatever its body did.
    if (before !== undefined) await before;
    const release = await takeLock(dir, what, makeDir);
    try {
      return await body();
    } finally {
      release?.();
    }
  } finally {
    done();
    if (turns.get(at) === turn) turns.delete(at);
  }
}

async function takeLock(dir: string, what: string, makeDir: boolean): Promise<(() => void) | undefined> {
  if (makeDir) {
    try {
      mkdirSync(dir, { recursive: true });
    } catch (e) {
      throw new PagableError('IO', `${what} LMDB store ${dir}: cannot make its directory`, { cause: e });
    }
  }
  const lock = join(dir, LOCK_NAME);
  const since = Date.now();
  for (;;) {
    const got = tryLock(lock, dir, what, makeDir);
    if (got === 'unlockable') return undefined;
    if (got) return () => removeIfOurs(lock);
    const owner = ownerOf(lock);
    if (owner === undefined ? isStaleEmpty(lock) : !isAlive(owner)) {
      takeOverStale(lock, owner);
      continue;
    }
    if (Date.now() - since > WAIT_MS) {
      throw new PagableError(
        'IO',
        `${what} LMDB store ${dir}: process ${owner ?? '?'} has held its lock file ${lock} for over ${WAIT_MS / 1000} s; remove that file if no process is opening or closing the store`,
      );
    }
    await new Promise((r) => realSetTimeout(r, POLL_MS));
  }
}

/**
 * Makes `lock` holding our pid: true; false when it exists; 'unlockable' when it cannot be made
 * (see underEnvLock), or when the file system has no room for it: a full disk must not keep a
 * store from opening (to read it, or to delete from it) or from closing. Unlocked, an open or a
 * close is as it was before this lock (measured: a store on a full 3 MB tmpfs could neither
 * close nor open again; test/blobstore/lmdb/disk-full.test.ts).
 */
function tryLock(lock: string, dir: string, what: string, makeDir: boolean): boolean | 'unlockable' {
  try {
    return createExclusive(lock, pidBytes(process.pid));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (NO_ROOM.has(code)) return 'unlockable';
    if (!makeDir && (code === 'ENOENT' || code === 'EACCES' || code === 'EPERM' || code === 'EROFS')) return 'unlockable';
    throw new PagableError('IO', `${what} LMDB store ${dir}: cannot make its lock file ${lock}`, { cause: e });
  }
}

/** Error codes of a file system that has no room left (for this user). */
const NO_ROOM = new Set<string | undefined>(['ENOSPC', 'EDQUOT']);

/** The pid in lock file `file`; undefined when it is gone or holds no pid. */
function ownerOf(file: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'latin1');
  } catch {
    return undefined;
  }
  const pid = Number(text);
  return Number.isSafeInteger(pid) && pid > 0 ? pid : undefined;
}

function isAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists, under another user.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** An empty lock file (no pid written) older than STALE_EMPTY_MS; false when there is none. */
function isStaleEmpty(lock: string): boolean {
  try {
    const st = statSync(lock);
    return st.size === 0 && Date.now() - st.mtimeMs > STALE_EMPTY_MS;
  } catch {
    return false;
  }
}

/** Removes the lock of dead process `dead` (undefined: an empty lock); a lock a live process took meanwhile is put back. */
function takeOverStale(lock: string, dead: number | undefined): void {
  const moved = `${lock}.stale.${process.pid}`;
  try {
    renameSync(lock, moved);
  } catch {
    return; // Another waiter moved it first.
  }
  const owner = ownerOf(moved);
  if (owner !== undefined && owner !== dead && isAlive(owner)) {
    // Not put back when another process locked since, or when there is no room for it: two then
    // overlap, as they would without this lock.
    try {
      createExclusive(lock, pidBytes(owner));
    } catch {
      // No room: see above.
    }
  }
  unlinkSync(moved);
}

/** Releases the lock we hold (only a dead owner's lock is ever taken over, so it is still ours). */
function removeIfOurs(lock: string): void {
  if (ownerOf(lock) !== process.pid) return;
  try {
    unlinkSync(lock);
  } catch {
    // Already gone: nothing to release.
  }
}

/** A lock file's content: the owner's pid in decimal. */
function pidBytes(pid: number): Uint8Array {
  return new TextEncoder().encode(String(pid));
}

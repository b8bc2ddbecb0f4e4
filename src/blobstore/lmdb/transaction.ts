import type { Database } from 'lmdb';
import { lmdbFailure } from './errors.js';

/*
 * lmdb-js's asynchronous write transactions, their failures made PagableErrors.
 *
 * When LMDB cannot commit (a full disk, an I/O error), lmdb-js:
 * - rejects each write of the transaction with "Commit failed (see commitError for details)",
 *   and rejects a promise of its own, `error.commitError`, with LMDB's reason right after;
 * - rejects the commit promise it made for the batch's own start, which nobody awaits;
 * - never settles the batch's `flushed` promise, which its `close()` waits for.
 * Node ends a process on an unhandled rejection: a save on a full disk crashed the caller's
 * process, and once that was handled, closing the store hung (measured: saves into a store on a
 * 3 MB tmpfs; test/blobstore/lmdb/disk-full.test.ts). So a failed transaction puts a handler on
 * lmdb-js's current commit promise (`committed`) at once, takes LMDB's reason from `commitError`
 * as its PagableError's cause, and runs an empty transaction (restartAfterFailedCommit).
 */

/** Runs `body` in one asynchronous write transaction of `db`; a failure is the PagableError for `what` on the store at `path`. */
export async function inTransaction<T>(db: Database<Uint8Array, Uint8Array>, body: () => T, what: string, path: string): Promise<T> {
  try {
    return await db.transaction(body);
  } catch (e) {
    // At once: Node reports a rejection still unhandled once the microtask queue is empty.
    db.committed.then(ignore, ignore);
    const pending = (e as { commitError?: unknown } | null)?.commitError;
    if (!isThenable(pending)) throw lmdbFailure(e, what, path);
    const reason = await commitReason(pending, e);
    await restartAfterFailedCommit(db);
    throw lmdbFailure(reason, what, path);
  } finally {
    // Both callbacks: lmdb-js's `committed` calls the first of them when its last write resolves.
    db.committed.then(ignore, ignore);
  }
}

/**
 * Waits for lmdb-js's `committed`; true when the last commit failed. That failure is the failed
 * writes' own, reported to their callers: a store that closes or flushes after a full disk must
 * not fail for them (lmdb-js keeps `committed` rejected until the next write), nor wait for the
 * flush of the failed commit (lmdb-js never settles `flushed` then: a close hung).
 */
export async function lastCommitFailed(committed: PromiseLike<unknown>): Promise<boolean> {
  try {
    await committed;
    return false;
  } catch (e) {
    if (isThenable((e as { commitError?: unknown } | null)?.commitError)) return true;
    throw e;
  }
}

/**
 * After a failed commit lmdb-js never settles that batch's `flushed` promise, and its `close()`
 * waits for it: a store closed after a full disk hung (the process exited with 13, an unsettled
 * top-level await). An empty transaction starts a batch of its own, whose commit writes nothing
 * (so it succeeds on a full disk too) and whose flush promise settles.
 */
async function restartAfterFailedCommit(db: Database<Uint8Array, Uint8Array>): Promise<void> {
  try {
    await db.transaction(ignore);
  } catch {
    // Reported by the caller's own failure.
  } finally {
    db.committed.then(ignore, ignore);
  }
}

/** LMDB's reason for a failed commit, from lmdb-js's `commitError`; `fallback` if it has none yet. */
async function commitReason(commitError: PromiseLike<unknown>, fallback: unknown): Promise<unknown> {
  let reason = fallback;
  commitError.then(ignore, (r: unknown) => {
    reason = r;
  });
  // lmdb-js rejects commitError in the callback that failed the writes, before this ran: one turn
  // of the microtask queue runs the handler above. A reason that comes later is handled, not waited for.
  await undefined;
  await undefined;
  return reason;
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function';
}

function ignore(): undefined {
  return undefined;
}

import { PagableError, toPagableError } from '../../error.js';

/*
 * How failures thrown by lmdb-js become PagableErrors: LMDB's own codes for a damaged file
 * (a page that is not there or not what it should be, a broken transaction after one) are
 * CORRUPT, saying the store is damaged at the LMDB level; everything else is IO.
 */

/** MDB_PAGE_NOTFOUND, CORRUPTED, PANIC, VERSION_MISMATCH, INVALID, CURSOR_FULL, INCOMPATIBLE, BAD_TXN, BAD_VALSIZE, BAD_CHECKSUM. */
const DAMAGE_CODES = new Set([-30797, -30796, -30795, -30794, -30793, -30787, -30784, -30782, -30781, -30778]);

/** The PagableError for `e`, thrown by LMDB while doing `what` on the store at `path`. */
export function lmdbFailure(e: unknown, what: string, path: string): PagableError {
  if (e instanceof PagableError) return e;
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code === 'number' && DAMAGE_CODES.has(code)) {
    const detail = e instanceof Error ? e.message : String(e);
    return new PagableError('CORRUPT', `${what}: the LMDB store ${path} is damaged at the LMDB level (${detail})`, { cause: e });
  }
  return toPagableError(e, 'IO', `${what} in ${path}`);
}

import { PagableError, type PagableErrorCode } from '../error.js';

/** Awaits `p` (or calls it) and returns the PagableError it fails with; throws unless the code is `code`. */
export async function expectPagableError(p: Promise<unknown> | (() => unknown), code: PagableErrorCode): Promise<PagableError> {
  let outcome: unknown;
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    outcome = e;
  }
  if (!(outcome instanceof PagableError)) {
    throw new Error(`expected a PagableError ${code}, got ${outcome === undefined ? 'no error' : String(outcome)}`, { cause: outcome });
  }
  if (outcome.code !== code) throw new Error(`expected PagableError ${code}, got ${outcome.code}: ${outcome.message}`, { cause: outcome });
  return outcome;
}

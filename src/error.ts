/**
 * Every failure caused by data or usage surfaces as a `PagableError` with a stable `code`, so
 * callers can branch on the code and the message can name the class, field and key involved.
 */

/** Why a pagable operation failed; stable strings callers may branch on. */
export type PagableErrorCode =
  | 'NOT_FOUND'
  | 'CORRUPT'
  | 'UNKNOWN_TAG'
  | 'DUPLICATE_TAG'
  | 'TYPE_MISMATCH'
  | 'NOT_PAGABLE'
  | 'CYCLE'
  | 'STORAGE_CLOSED'
  | 'LIMIT'
  | 'IO'
  | 'RELEASED'
  | 'INVALID_ARGUMENT';

/** The one error type pagable throws for bad data or misuse. */
export class PagableError extends Error {
  /** What went wrong, stable across versions: branch on this, not on the message. */
  readonly code: PagableErrorCode;

  constructor(code: PagableErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = 'PagableError';
  }

  /** True when `e` is a PagableError, optionally with the given code. */
  static is(e: unknown, code?: PagableErrorCode): e is PagableError {
    return e instanceof PagableError && (code === undefined || e.code === code);
  }
}

/** Wraps anything thrown by third-party code (msgpackr, a backend) into a PagableError. */
export function toPagableError(e: unknown, code: PagableErrorCode, context: string): PagableError {
  if (e instanceof PagableError) return e;
  const detail = e instanceof Error ? e.message : String(e);
  return new PagableError(code, `${context}: ${detail}`, { cause: e });
}

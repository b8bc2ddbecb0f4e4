import type { PagableError, PagableErrorCode } from '../../src/index.js';
import { expectPagableError } from '../../src/testing/index.js';

/**
 * Awaits `p` (or calls it) and asserts it fails with a PagableError of `code`; returns the error.
 * The project's tests use what `pagable/testing` gives users (`expectPagableError`), under the
 * short name they always had.
 */
export async function expectError(p: Promise<unknown> | (() => unknown), code: PagableErrorCode): Promise<PagableError> {
  return await expectPagableError(p, code);
}

import { expect } from 'chai';
import { PagableError, type PagableErrorCode } from '../../src/index.js';

/** Awaits `p` (or calls it) and asserts it fails with a PagableError of `code`; returns the error. */
export async function expectError(p: Promise<unknown> | (() => unknown), code: PagableErrorCode | string): Promise<PagableError> {
  try {
    if (typeof p === 'function') await p();
    else await p;
  } catch (e) {
    expect(e, String(e)).to.be.instanceOf(PagableError);
    expect((e as PagableError).code, (e as Error).message).to.equal(code);
    return e as PagableError;
  }
  return expect.fail(`expected PagableError ${code}`);
}

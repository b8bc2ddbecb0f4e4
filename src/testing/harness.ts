/*
 * The conformance suites run under any test framework that has `describe` / `it` /
 * `beforeEach` / `afterEach` globals (mocha, jest, vitest with globals, node:test through a
 * small shim), or under the functions passed in explicitly.
 */
import type { StorageOptions } from '../paging/interface.js';
import type { PagableStorageBase } from '../paging/storage-base.js';

/** A test body: may return a promise. */
export type TestBody = () => void | Promise<void>;

/** The four functions the suites need from a test framework. */
export interface TestHarness {
  /** Groups tests under a title (mocha's, jest's or vitest's `describe`). */
  describe(name: string, body: () => void): void;
  /** One test. */
  it(name: string, body: TestBody): void;
  /** Runs before each test of the enclosing group. */
  beforeEach(body: TestBody): void;
  /** Runs after each test of the enclosing group, also when it failed. */
  afterEach(body: TestBody): void;
}

/** The harness given, or the framework's globals; a clear error when neither is there. */
export function resolveHarness(given: Partial<TestHarness> | undefined): TestHarness {
  const g = globalThis as unknown as Partial<TestHarness>;
  const pick = <K extends keyof TestHarness>(k: K): TestHarness[K] => {
    const f = given?.[k] ?? g[k];
    if (typeof f !== 'function') {
      throw new TypeError(
        `pagable/testing: no ${k}() found: run the suite under a test framework with globals (mocha, jest, vitest) or pass { ${k} } in the harness option`,
      );
    }
    return f as TestHarness[K];
  };
  return { describe: pick('describe'), it: pick('it'), beforeEach: pick('beforeEach'), afterEach: pick('afterEach') };
}

/** How the suite gets a fresh, empty storage of one backend. */
export interface StorageFactory {
  /** The backend's name, used in the suite's title. */
  name: string;
  /** A fresh, empty storage; with `options` (automatic page-out tests), a storage created with them. */
  create(options?: StorageOptions): Promise<PagableStorageBase> | PagableStorageBase;
  /** True when the backend reads synchronously (fetchDataSync, pinSync work). */
  syncFetch: boolean;
}

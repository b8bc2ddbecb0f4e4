/* Opening LMDB stores in a child process (test/fixtures/lmdb-store-probe.ts), so a crash fails a test instead of killing mocha. */
import { fileURLToPath } from 'node:url';
import { runNode } from './node-process.js';

const PROBE = fileURLToPath(new URL('../fixtures/lmdb-store-probe.js', import.meta.url));

/** One store to open: its path, LmdbBlobStore options ("NaN" stands for NaN), and whether to stop after opening. */
export interface ProbeCase {
  path: string;
  options?: Record<string, unknown>;
  openOnly?: boolean;
}

/** How a case ended: opened and read (`blobs`, `corrupt` of them CORRUPT to read), or an error's code and message. */
export interface ProbeResult {
  path: string;
  ok: boolean;
  code?: string;
  message?: string;
  blobs?: number;
  corrupt?: number;
}

/**
 * Runs the cases in one child process; rejects (naming the case) if it crashes, or if it has not
 * ended within `timeoutMs` (a case that blocks the child).
 */
export async function probe(cases: ProbeCase[], timeoutMs?: number): Promise<ProbeResult[]> {
  const out = await runNode([PROBE, JSON.stringify(cases)], timeoutMs === undefined ? {} : { timeout: timeoutMs });
  return out
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as ProbeResult);
}

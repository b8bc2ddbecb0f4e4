/* Running the built `pagable` command as a user would (stdout and stderr are pipes, not a terminal). */
import { expect } from 'chai';
import { fileURLToPath } from 'node:url';
import { type NodeResult, spawnNode } from './node-process.js';

/** build/src/cli/main.js. */
export const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

/** Runs `pagable ...args`. */
export function pagable(...args: string[]): Promise<NodeResult> {
  return spawnNode([CLI, ...args], { timeout: 60_000 });
}

/** A clear one-line error: no stack trace. */
export function expectOneLineError(r: { code: number | null; stdout: string; stderr: string }, code: number, contains: string): void {
  expect(r.code, r.stderr).to.equal(code);
  expect(r.stdout).to.equal('');
  const lines = r.stderr.trim().split('\n');
  expect(lines, r.stderr).to.have.length(1);
  expect(lines[0]).to.match(/^pagable: /);
  expect(lines[0]).to.contain(contains);
}

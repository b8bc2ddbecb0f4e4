/* Running the built `pagable` CLI as a user would: a child process whose stdout and stderr are pipes, not a terminal. */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { type NodeResult, spawnNode } from './node-process.js';

/** The compiled CLI (tests run from build/test/). */
export const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

/** How a run ended and what it printed. */
export type Run = NodeResult;

/** Runs the CLI and waits for it synchronously (killed after `timeout` ms). */
export function runCliSync(args: readonly string[], timeout = 60_000): Run {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout });
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** Runs the CLI asynchronously, so servers of the test process keep answering (killed after `timeout` ms). */
export function runCli(args: readonly string[], timeout = 60_000): Promise<Run> {
  return spawnNode([CLI, ...args], { timeout });
}

/** Runs `pagable ...args` asynchronously. */
export function pagable(...args: string[]): Promise<Run> {
  return runCli(args);
}

/** A clear one-line error: exit `code`, nothing on stdout, one `pagable: …` line on stderr containing `contains`. */
export function expectOneLineError(r: Run, code: number, contains: string): void {
  expect(r.code, r.stderr).to.equal(code);
  expect(r.stdout).to.equal('');
  const lines = r.stderr.trim().split('\n');
  expect(lines, r.stderr).to.have.length(1);
  expect(lines[0]).to.match(/^pagable: /);
  expect(lines[0]).to.contain(contains);
}

/* Running compiled scripts (tutorials, fixtures) as separate Node processes, as a user would. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** `build/examples/` (tests run from `build/test/`). */
export const EXAMPLES_DIR = fileURLToPath(new URL('../../examples/', import.meta.url));

export interface NodeRunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Milliseconds before the child is killed (default 120 s). */
  timeout?: number;
}

/** How a child Node process ended, and what it printed. */
export interface NodeResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `node ...args`; resolves with how it ended, whatever its exit code. */
export function spawnNode(args: readonly string[], options: NodeRunOptions = {}): Promise<NodeResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: options.timeout ?? 120_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

/** Runs `node ...args`; resolves with its stdout once it exits 0, rejects with its output otherwise. */
export async function runNode(args: readonly string[], options: NodeRunOptions = {}): Promise<string> {
  const r = await spawnNode(args, options);
  if (r.code !== 0) throw new Error(`node ${args.join(' ')} exited ${r.code ?? r.signal}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

/** Runs a compiled tutorial from `build/examples/` (with --expose-gc, as `npm start` does). */
export function runExample(name: string, args: readonly string[] = [], options: NodeRunOptions = {}): Promise<string> {
  return runNode(['--expose-gc', EXAMPLES_DIR + name, ...args], options);
}

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

/** Runs `node ...args`; resolves with its stdout once it exits 0, rejects with its output otherwise. */
export function runNode(args: readonly string[], options: NodeRunOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: options.timeout ?? 120_000,
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) resolve(out);
      else reject(new Error(`node ${args.join(' ')} exited ${code ?? signal}\n${out}\n${err}`));
    });
  });
}

/** Runs a compiled tutorial from `build/examples/` (with --expose-gc, as `npm start` does). */
export function runExample(name: string, args: readonly string[] = [], options: NodeRunOptions = {}): Promise<string> {
  return runNode(['--expose-gc', EXAMPLES_DIR + name, ...args], options);
}

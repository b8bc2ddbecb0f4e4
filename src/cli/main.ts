#!/usr/bin/env node
/**
 * `pagable`: inspect and maintain a pagable LMDB store from the shell. See `pagable --help`.
 * Errors are one line on stderr (no stack); exit codes: 0 ok, 1 corrupt data or failure,
 * 2 usage error, missing store or unknown key.
 */
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { PagableError } from '../error.js';
import { COMMANDS, type CommandName } from './command-run.js';
import { runCommand, takesKey } from './commands.js';
import { escapeControls } from './escape.js';
import { Output } from './output.js';
import { USAGE, UsageError } from './usage.js';

/** The version in the nearest package.json named pagable (dist/ and build/ sit at different depths). */
function version(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++, dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'pagable') return pkg.version ?? 'unknown';
    } catch {
      // Not here: look one level up.
    }
  }
  return 'unknown';
}

/** The options every command parses (each command then refuses those that do not apply to it). */
const OPTIONS = {
  json: { type: 'boolean' },
  format: { type: 'string' },
  depth: { type: 'string' },
  'max-nodes': { type: 'string' },
  'max-edges': { type: 'string' },
  prefix: { type: 'string' },
  timeout: { type: 'string' },
  port: { type: 'string' },
  host: { type: 'string' },
  classes: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
} as const;

/**
 * argv with `--opt -1` written `--opt=-1` for options that take a value: parseArgs reads a value
 * that begins with `-` as another option ("ambiguous"), so a negative number would never reach the
 * check that says what the option takes.
 */
function joinDashValues(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const o = a.startsWith('--') ? (OPTIONS as Record<string, { type: string }>)[a.slice(2)] : undefined;
    const next = argv[i + 1];
    if (o?.type === 'string' && next !== undefined && /^-\d/.test(next)) {
      out.push(`${a}=${next}`);
      i++;
    } else out.push(a);
  }
  return out;
}

/** parseArgs' refusal in the CLI's words: the option named, and what the CLI takes. */
function usageOf(e: unknown): UsageError {
  const code = (e as { code?: string } | null)?.code;
  const msg = e instanceof Error ? e.message : String(e);
  const option = /'(-[^' ]*)/.exec(msg)?.[1];
  const known = Object.keys(OPTIONS)
    .map((o) => `--${o}`)
    .join(', ');
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION')
    return new UsageError(`unknown option ${option ?? msg} (options: ${known}; see pagable --help)`);
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') return new UsageError(`${option ?? 'an option'} needs a value (see pagable --help)`);
  return new UsageError(msg);
}

/** Parses argv and runs the command; resolves to the exit code. */
async function main(argv: readonly string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: joinDashValues(argv), allowPositionals: true, strict: true, options: OPTIONS });
  } catch (e) {
    throw usageOf(e);
  }
  const { values, positionals } = parsed;
  if (values.help === true) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (values.version === true) {
    process.stdout.write(version() + '\n');
    return 0;
  }
  const [command, store, key, ...extra] = positionals;
  if (command === undefined) throw new UsageError('missing command (try pagable --help)');
  if (!(COMMANDS as readonly string[]).includes(command))
    throw new UsageError(`unknown command "${command}" (commands: ${COMMANDS.join(', ')})`);
  const cmd = command as CommandName;
  if (store === undefined) throw new UsageError(`${cmd}: missing the store path (an LMDB directory or a redis:// url)`);
  if (takesKey(cmd) && key === undefined) throw new UsageError(`${cmd}: missing KEY (a key, a unique key prefix or a root name)`);
  if (extra.length > 0 || (!takesKey(cmd) && key !== undefined)) {
    throw new UsageError(`${cmd}: unexpected argument "${takesKey(cmd) ? extra[0] : key}"`);
  }
  const format = values.format ?? 'dot';
  if (values.format !== undefined && cmd !== 'graph') throw new UsageError('--format applies to graph only');
  if (format !== 'dot' && format !== 'mermaid') throw new UsageError(`--format must be dot or mermaid, not "${format}"`);
  if (values.depth !== undefined && cmd !== 'graph' && cmd !== 'export') throw new UsageError('--depth applies to graph and export only');
  for (const o of ['max-nodes', 'max-edges'] as const) {
    if (values[o] !== undefined && cmd !== 'graph') throw new UsageError(`--${o} applies to graph only`);
  }
  if (values.json === true && cmd === 'explore')
    throw new UsageError('--json does not apply to explore (it serves a page; its API at /api/ answers JSON)');
  if (values.classes !== undefined && cmd !== 'check') throw new UsageError('--classes applies to check only');
  if (cmd === 'check' && values.classes === undefined) throw new UsageError('check: missing --classes MODULE (your compiled classes)');
  if ((values.port !== undefined || values.host !== undefined) && cmd !== 'explore')
    throw new UsageError('--port and --host apply to explore only');
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65535))
    throw new UsageError(`--port takes a port number (0-65535), not "${values.port}"`);
  // Mermaid refuses diagrams over 500 edges by default (its maxEdges): stay under it unless told.
  const mermaid = format === 'mermaid';
  return runCommand({
    command: cmd,
    store,
    key,
    json: values.json === true,
    format,
    // export follows no lazy child unless asked; graph draws everything unless told.
    depth: count(values.depth, '--depth', cmd === 'export' ? 0 : Infinity),
    maxNodes: count(values['max-nodes'], '--max-nodes', mermaid ? 250 : 100_000),
    maxEdges: count(values['max-edges'], '--max-edges', mermaid ? 500 : 1_000_000),
    prefix: values.prefix,
    timeoutMs: values.timeout === undefined ? undefined : count(values.timeout, '--timeout', 0),
    port,
    host: values.host,
    classes: values.classes,
    out: new Output(),
  });
}

/** A non-negative integer option, or `fallback` when absent. */
function count(v: string | undefined, name: string, fallback: number): number {
  if (v === undefined) return fallback;
  if (!/^\d+$/.test(v)) throw new UsageError(`${name} must be a whole number, not "${v}"`);
  return Number(v);
}

/** The exit code for an error: 2 for misuse, a missing store or an unknown key; 1 otherwise. */
function exitCodeOf(e: unknown): number {
  if (e instanceof UsageError) return 2;
  if (e instanceof PagableError && e.code === 'NOT_FOUND') return 2;
  return 1;
}

process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  // `pagable ls STORE | head`: the reader left; that is not an error.
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    const msg = e instanceof Error ? e.message : String(e);
    // Messages may name a root, class or field from the store: escaped like any store text.
    process.stderr.write(`pagable: ${escapeControls(msg.split('\n')[0]!)}\n`);
    process.exitCode = exitCodeOf(e);
  },
);

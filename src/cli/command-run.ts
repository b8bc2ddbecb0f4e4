/* What one run of a `pagable` command is given, apart from the commands themselves (each in its own file). */
import type { Output } from './output.js';

/** The commands of `pagable`. */
export const COMMANDS = ['stats', 'roots', 'ls', 'show', 'schemas', 'graph', 'verify', 'gc', 'explore', 'export', 'check'] as const;
/** One of COMMANDS. */
export type CommandName = (typeof COMMANDS)[number];

/** Everything one command run needs. */
export interface CommandRun {
  command: CommandName;
  store: string;
  /** The KEY argument of show / graph / export. */
  key: string | undefined;
  json: boolean;
  format: 'dot' | 'mermaid';
  /** graph: levels below KEY and blobs at most; export: levels of lazy children followed. */
  depth: number;
  maxNodes: number;
  maxEdges: number;
  /** Redis stores: key prefix and operation bound. */
  prefix: string | undefined;
  timeoutMs: number | undefined;
  /** explore: --port and --host. */
  port?: number | undefined;
  host?: string | undefined;
  /** check: the module of the user's classes (--classes). */
  classes?: string | undefined;
  out: Output;
}

/** Help text and the error for command-line misuse. */

/** A mistake in how the command was called: reported in one line, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** `pagable --help`. */
export const USAGE = `Usage: pagable <command> <store> [KEY] [options]

Inspect and maintain a pagable LMDB store (a directory holding data.mdb).

Commands:
  stats  STORE              blobs, data bytes, size on disk, roots
  roots  STORE              named roots and their keys
  ls     STORE              every blob: key, data bytes, child count
  show   STORE KEY          one blob decoded: its class and fields (from the schema
                            it was written with), child links
  schemas STORE             the classes the store's data was written with, and their fields
  graph  STORE KEY          the blob DAG below KEY (--format dot|mermaid)
  verify STORE              re-hash every blob; exit 1 if any does not match its key
  gc     STORE              delete every blob no named root reaches (while no other
                            process writes to the store)

KEY is a full key, a unique prefix of one (4+ hex characters) or a root name.

Options:
  --json                    machine-readable output
  --format dot|mermaid      graph output format (default dot)
  -h, --help                this text
  --version                 the pagable version

Exit codes: 0 ok, 1 corrupt blobs or failure, 2 usage error, missing store or unknown key.
`;

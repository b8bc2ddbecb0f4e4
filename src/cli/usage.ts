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

Inspect and maintain a pagable store: an LMDB directory (holding data.mdb), or a Redis server
(redis://host:port[/db]) or Redis Cluster (redis://host:port,host:port,...) with --prefix.

Commands:
  stats  STORE              blobs, data bytes, size on disk, roots (malformed records counted)
  roots  STORE              named roots and their keys
  ls     STORE              every blob: key, data bytes, child count (malformed ones flagged)
  show   STORE KEY          one blob decoded without your classes: its class and fields (from the
                            schema it was written with), child links
  schemas STORE             the classes the store's data was written with, and their fields
  graph  STORE KEY          the blob DAG below KEY (--format dot|mermaid, --depth, --max-nodes)
  verify STORE              re-hash every blob; exit 1 if any does not match its key
  gc     STORE              delete every blob no named root reaches (writes of other handles and
                            processes during the sweep are kept)
  explore STORE             a local web page over the store: treemap of bytes by class and root,
                            blob browser, search, verify, gc dry run (--port N, --host H)
  export STORE KEY          the graph under KEY as JSON with class names: shared children as
                            {"$ref": key}, lazy ones followed --depth N levels (default 0); a
                            view, not a format to store
  check  STORE --classes M  can your classes (M: your compiled module, ESM or CommonJS) read
                            the store? Per stored class: fields dropped, added, likely renames,
                            type changes that fail; exit 1 when a load would lose data or fail

KEY is a full key, a unique prefix of one (4+ hex characters) or a root name.

Options:
  --json                    machine-readable output
  --format dot|mermaid      graph output format (default dot)
  --depth N                 graph: at most N levels below KEY (default: all); export: lazy
                            children followed N levels (default 0)
  --classes MODULE          check: the module that defines (or imports) your classes
  --max-nodes N             graph: at most N blobs (default 100000; 250 for mermaid)
  --max-edges N             graph: at most N arcs (default 1000000; 500 for mermaid, its limit)
  --prefix P                Redis: the key prefix of the store (default pagable:)
  --timeout MS              Redis: fail an operation after MS ms (default 5000)
  --port N                  explore: port to serve on (default 4800, or a free one)
  --host H                  explore: interface to bind (default 127.0.0.1, this machine only)
  -h, --help                this text
  --version                 the pagable version

An LMDB store's data file is checked page by page before it is opened: a damaged store is an
error naming the damage (exit 1), never a crash.

Exit codes: 0 ok, 1 corrupt blobs or failure, 2 usage error, missing store or unknown key.
`;

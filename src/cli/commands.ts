import { type DataKey, isDataKey } from '../keys/data.js';
import { computeKey } from '../keys/compute-key.js';
import { PagableError } from '../error.js';
import { type CliStore, openStoreSpec } from './store-spec.js';
import { SchemaPrefetch } from '../view/schema-prefetch.js';
import { classesJson, renderClasses } from './schemas.js';
import { scanStoredClasses } from './schema-scan.js';
import { blobViewJson, viewBlob } from '../view/blob-view.js';
import { renderBlobText } from './blob-text.js';
import { explore } from './explore-command.js';
import { exportGraph } from './export-command.js';
import { check } from './check-command.js';
import { formatBytes, table } from './format.js';
import { graphJson, renderDot, renderMermaid, walkGraph } from './graph.js';
import { startProgress } from './progress.js';
import { UsageError } from './usage.js';
import type { CommandName, CommandRun } from './command-run.js';

/** Commands that take a KEY argument. */
export function takesKey(c: CommandName): boolean {
  return c === 'show' || c === 'graph' || c === 'export';
}

/**
 * Opens the store without ever creating one: inspection read-only, gc read-write; `show` reads
 * unverified to display a corrupt blob and say so (explore re-hashes every blob in its scan and
 * shows corrupt ones).
 */
async function openStore(run: CommandRun): Promise<CliStore> {
  const verify = run.command !== 'show' && run.command !== 'explore';
  return openStoreSpec(run.store, { write: run.command === 'gc', verify, prefix: run.prefix, timeoutMs: run.timeoutMs });
}

/** A full key, a root name, or a unique prefix of 4+ hex characters; NOT_FOUND / usage error otherwise. */
async function resolveKey(s: CliStore, arg: string): Promise<DataKey> {
  const lower = arg.toLowerCase();
  if (isDataKey(lower)) return lower;
  const root = await s.storage.getRoot(arg).catch((e: unknown) => {
    // An argument that cannot be a root name (too long) may still be a key prefix.
    if (PagableError.is(e, 'INVALID_ARGUMENT')) return undefined;
    throw e;
  });
  if (root !== undefined) return root;
  if (/^[0-9a-f]{4,31}$/.test(lower)) {
    const found = await s.keysWithPrefix(lower, 2);
    if (found.length === 1) return found[0]!;
    if (found.length > 1) throw new UsageError(`key prefix ${arg} is ambiguous (${found.join(', ')}, ...)`);
  }
  throw new PagableError('NOT_FOUND', `no blob or root named ${JSON.stringify(arg)} in ${s.where}`);
}

/** Runs one command; resolves to the exit code. */
export async function runCommand(run: CommandRun): Promise<number> {
  const s = await openStore(run);
  try {
    switch (run.command) {
      case 'stats':
        return await stats(s, run);
      case 'roots':
        return await roots(s, run);
      case 'ls':
        return await ls(s, run);
      case 'show':
        return await show(s, run, await resolveKey(s, run.key!));
      case 'schemas':
        return await schemas(s, run);
      case 'graph':
        return await graph(s, run, await resolveKey(s, run.key!));
      case 'verify':
        return await verify(s, run);
      case 'gc':
        return await gc(s, run);
      case 'explore':
        return await explore(s, run);
      case 'export':
        return await exportGraph(s, run, await resolveKey(s, run.key!));
      case 'check':
        return await check(s, run);
    }
  } finally {
    await s.storage.close();
  }
}

async function stats(s: CliStore, run: CommandRun): Promise<number> {
  const rootCount = (await s.storage.listRoots()).length;
  const fileBytes = s.fileBytes();
  // Counted by listing (a scan, with a progress bar): malformed records are counted, not fatal.
  const bar = startProgress('stats', s.blobCount() ?? 0);
  let blobs = 0;
  let bytes = 0;
  let malformed = 0;
  try {
    for await (const b of s.listBlobs()) {
      blobs++;
      bytes += b.bytes;
      if (b.malformed !== undefined) malformed++;
      if (blobs % 1000 === 0) bar.update(blobs);
    }
  } finally {
    bar.stop();
  }
  if (run.json) {
    await run.out.json({ path: s.where, blobs, bytes, fileBytes: fileBytes ?? null, roots: rootCount, malformed });
  } else {
    await run.out.line(
      table([
        ['store', s.where],
        ['blobs', String(blobs)],
        ['data', `${formatBytes(bytes)} (${bytes} bytes)`],
        ...(fileBytes === undefined ? [] : [['on disk', `${formatBytes(fileBytes)} (${fileBytes} bytes)`]]),
        ['roots', String(rootCount)],
        ...(malformed === 0 ? [] : [['malformed', `${malformed} record(s): run verify`]]),
      ]),
    );
  }
  return malformed === 0 ? 0 : 1;
}

async function roots(s: CliStore, run: CommandRun): Promise<number> {
  const list = await s.storage.listRoots();
  if (run.json) await run.out.json(list);
  else if (list.length === 0) await run.out.line('(no roots)');
  else await run.out.line(table(list.map((r) => [r.key, r.name])));
  return 0;
}

async function ls(s: CliStore, run: CommandRun): Promise<number> {
  // Streamed: a store may hold millions of blobs. A malformed record is listed and the listing
  // goes on; a failure part-way still leaves valid JSON (the array is closed), then exit 1.
  let malformed = 0;
  if (run.json) {
    await run.out.line('[');
    let first = true;
    try {
      for await (const b of s.listBlobs()) {
        if (b.malformed !== undefined) malformed++;
        await run.out.jsonLine(b, first ? '' : ',');
        first = false;
      }
    } finally {
      await run.out.line(']');
    }
  } else {
    await run.out.line(`${'KEY'.padEnd(32)}  ${'BYTES'.padStart(10)}  CHILDREN`);
    for await (const b of s.listBlobs()) {
      if (b.malformed !== undefined) {
        malformed++;
        await run.out.line(`${b.key}  ${'?'.padStart(10)}  ${'?'.padStart(8)}  MALFORMED: ${b.malformed}`);
      } else {
        await run.out.line(`${b.key}  ${String(b.bytes).padStart(10)}  ${String(b.children).padStart(8)}`);
      }
    }
  }
  return malformed === 0 ? 0 : 1;
}

async function show(s: CliStore, run: CommandRun, key: DataKey): Promise<number> {
  const blob = await s.storage.fetchData(key);
  const actual = computeKey(blob);
  const rootNames = (await s.storage.listRoots()).filter((r) => r.key === key).map((r) => r.name);
  const schemas = new SchemaPrefetch((k) => s.storage.fetchData(k));
  await schemas.ensure(blob, key);
  const view = viewBlob(key, blob, schemas.lookup);
  if (run.json) {
    await run.out.json({ ...(blobViewJson(view, rootNames) as object), verified: actual === key });
  } else {
    await run.out.line(renderBlobText(view, rootNames));
    if (actual !== key) await run.out.line(`CORRUPT: the content hashes to ${actual}, not ${key}`);
  }
  return actual === key ? 0 : 1;
}

/** The classes the store's data was written with (schema-scan.ts). */
async function schemas(s: CliStore, run: CommandRun): Promise<number> {
  const list = await scanStoredClasses(s);
  if (run.json) await run.out.json(classesJson(list));
  else await run.out.line(renderClasses(list));
  return 0;
}

async function graph(s: CliStore, run: CommandRun, key: DataKey): Promise<number> {
  const bar = startProgress('graph', Math.min(run.maxNodes, s.blobCount() ?? run.maxNodes));
  let g;
  try {
    g = await walkGraph(
      (k) => s.storage.fetchData(k),
      key,
      { depth: run.depth, maxNodes: run.maxNodes, maxEdges: run.maxEdges },
      (n) => bar.update(n),
    );
  } finally {
    bar.stop();
  }
  // The top is drawn even when damaged (a red node), but a key with no blob at all is an unknown key, as for show.
  if (g.nodes[0]?.status === 'missing') throw new PagableError('NOT_FOUND', `no blob ${key} in ${s.where}`);
  // Said on stderr too, so a cut drawing is never mistaken for the whole DAG.
  if (g.cut !== undefined) process.stderr.write(`pagable: graph ${g.cut}\n`);
  if (run.json) await run.out.json(graphJson(g));
  else await run.out.line(run.format === 'dot' ? renderDot(g) : renderMermaid(g));
  return 0;
}

async function verify(s: CliStore, run: CommandRun): Promise<number> {
  const bar = startProgress('verify', s.blobCount() ?? 0);
  let report;
  try {
    report = await s.storage.verify((n) => bar.update(n));
  } finally {
    bar.stop();
  }
  if (run.json) {
    await run.out.json(report);
  } else {
    await run.out.line(
      report.corrupt.length === 0
        ? `checked ${report.checked} blobs: every one matches its key`
        : `checked ${report.checked} blobs: ${report.corrupt.length} corrupt`,
    );
    for (const k of report.corrupt) await run.out.line(`corrupt ${k}`);
  }
  return report.corrupt.length === 0 ? 0 : 1;
}

async function gc(s: CliStore, run: CommandRun): Promise<number> {
  const bar = startProgress('gc mark', s.blobCount() ?? 0);
  let report;
  try {
    report = await s.storage.gc((phase, n) => bar.update(n, `gc ${phase}`));
  } finally {
    bar.stop();
  }
  if (run.json) await run.out.json(report);
  else
    await run.out.line(
      `freed ${report.freedBlobs} blob${report.freedBlobs === 1 ? '' : 's'} (${formatBytes(report.freedBytes)}), kept ${report.keptBlobs}`,
    );
  return 0;
}

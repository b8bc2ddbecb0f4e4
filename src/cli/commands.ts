import { type DataKey, type PagableData, isDataKey } from '../keys/data.js';
import { computeKey } from '../keys/compute-key.js';
import { PagableError } from '../error.js';
import { LmdbPagableStorage } from '../storage/lmdb.js';
import { blobViewJson, renderBlobText, viewBlob } from './blob-view.js';
import { formatBytes, table } from './format.js';
import { graphJson, renderDot, renderMermaid, walkGraph } from './graph.js';
import { classesJson, renderClasses, storedClasses } from './schemas.js';
import type { Output } from './output.js';
import { startProgress } from './progress.js';
import { UsageError } from './usage.js';

/** The commands of `pagable`. */
export const COMMANDS = ['stats', 'roots', 'ls', 'show', 'schemas', 'graph', 'verify', 'gc'] as const;
/** One of COMMANDS. */
export type CommandName = (typeof COMMANDS)[number];

/** Everything one command run needs. */
export interface CommandRun {
  command: CommandName;
  store: string;
  /** The KEY argument of show / graph. */
  key: string | undefined;
  json: boolean;
  format: 'dot' | 'mermaid';
  out: Output;
}

/** Commands that take a KEY argument. */
export function takesKey(c: CommandName): boolean {
  return c === 'show' || c === 'graph';
}

/**
 * Opens the store without ever creating one: inspection read-only, gc read-write. Counting the
 * store at open is a full pass, so only `stats` pays for it; `show` reads unverified to display
 * a corrupt blob and say so.
 */
async function openStore(run: CommandRun): Promise<LmdbPagableStorage> {
  return LmdbPagableStorage.open(run.store, {
    create: false,
    readOnly: run.command !== 'gc',
    countAtOpen: run.command === 'stats',
    verify: run.command !== 'show',
  });
}

/** A full key, a root name, or a unique prefix of 4+ hex characters; NOT_FOUND / usage error otherwise. */
async function resolveKey(s: LmdbPagableStorage, arg: string): Promise<DataKey> {
  const lower = arg.toLowerCase();
  if (isDataKey(lower)) return lower;
  const root = await s.getRoot(arg);
  if (root !== undefined) return root;
  if (/^[0-9a-f]{4,31}$/.test(lower)) {
    const found = s.keysWithPrefix(lower, 2);
    if (found.length === 1) return found[0]!;
    if (found.length > 1) throw new UsageError(`key prefix ${arg} is ambiguous (${found.join(', ')}, ...)`);
  }
  throw new PagableError('NOT_FOUND', `no blob or root named ${JSON.stringify(arg)} in ${s.path}`);
}

/** Runs one command; resolves to the exit code. */
export async function runCommand(run: CommandRun): Promise<number> {
  const s = await openStore(run);
  try {
    switch (run.command) {
      case 'stats': return await stats(s, run);
      case 'roots': return await roots(s, run);
      case 'ls': return await ls(s, run);
      case 'show': return await show(s, run, await resolveKey(s, run.key!));
      case 'schemas': return await schemas(s, run);
      case 'graph': return await graph(s, run, await resolveKey(s, run.key!));
      case 'verify': return await verify(s, run);
      case 'gc': return await gc(s, run);
    }
  } finally {
    await s.close();
  }
}

async function stats(s: LmdbPagableStorage, run: CommandRun): Promise<number> {
  const st = s.stats();
  const rootCount = (await s.listRoots()).length;
  const fileBytes = s.fileBytes();
  if (run.json) {
    await run.out.json({ path: s.path, blobs: st.blobs, bytes: st.bytes, fileBytes, roots: rootCount });
  } else {
    await run.out.line(table([
      ['store', s.path],
      ['blobs', String(st.blobs)],
      ['data', `${formatBytes(st.bytes)} (${st.bytes} bytes)`],
      ['on disk', `${formatBytes(fileBytes)} (${fileBytes} bytes)`],
      ['roots', String(rootCount)],
    ]));
  }
  return 0;
}

async function roots(s: LmdbPagableStorage, run: CommandRun): Promise<number> {
  const list = await s.listRoots();
  if (run.json) await run.out.json(list);
  else if (list.length === 0) await run.out.line('(no roots)');
  else await run.out.line(table(list.map((r) => [r.key, r.name])));
  return 0;
}

async function ls(s: LmdbPagableStorage, run: CommandRun): Promise<number> {
  // Streamed: a store may hold millions of blobs.
  if (run.json) {
    await run.out.line('[');
    let first = true;
    for await (const b of s.listBlobs()) {
      await run.out.line(`${first ? '' : ','}${JSON.stringify(b)}`);
      first = false;
    }
    await run.out.line(']');
  } else {
    await run.out.line(`${'KEY'.padEnd(32)}  ${'BYTES'.padStart(10)}  CHILDREN`);
    for await (const b of s.listBlobs()) await run.out.line(`${b.key}  ${String(b.bytes).padStart(10)}  ${String(b.children).padStart(8)}`);
  }
  return 0;
}

async function show(s: LmdbPagableStorage, run: CommandRun, key: DataKey): Promise<number> {
  const blob = await s.fetchData(key);
  const actual = computeKey(blob);
  const rootNames = (await s.listRoots()).filter((r) => r.key === key).map((r) => r.name);
  const view = viewBlob(key, blob, (k) => fetchQuietly(s, k));
  if (run.json) {
    await run.out.json({ ...(blobViewJson(view, rootNames) as object), verified: actual === key });
  } else {
    await run.out.line(renderBlobText(view, rootNames));
    if (actual !== key) await run.out.line(`CORRUPT: the content hashes to ${actual}, not ${key}`);
  }
  return actual === key ? 0 : 1;
}

/** A blob for labelling another (its schema); undefined when absent or unreadable. */
function fetchQuietly(s: LmdbPagableStorage, key: DataKey): PagableData | undefined {
  try {
    return s.fetchDataSync(key);
  } catch {
    return undefined;
  }
}

async function schemas(s: LmdbPagableStorage, run: CommandRun): Promise<number> {
  const list = await storedClasses(s.keys(), (k) => fetchQuietly(s, k));
  if (run.json) await run.out.json(classesJson(list));
  else await run.out.line(renderClasses(list));
  return 0;
}

async function graph(s: LmdbPagableStorage, run: CommandRun, key: DataKey): Promise<number> {
  const bar = startProgress('graph', s.blobCount());
  let g;
  try {
    g = walkGraph((k) => s.fetchDataSync(k), key, (n) => bar.update(n));
  } finally {
    bar.stop();
  }
  if (run.json) await run.out.json(graphJson(g));
  else await run.out.line(run.format === 'dot' ? renderDot(g) : renderMermaid(g));
  return 0;
}

async function verify(s: LmdbPagableStorage, run: CommandRun): Promise<number> {
  const bar = startProgress('verify', s.blobCount());
  let report;
  try {
    report = await s.verify((n) => bar.update(n));
  } finally {
    bar.stop();
  }
  if (run.json) {
    await run.out.json(report);
  } else {
    await run.out.line(report.corrupt.length === 0
      ? `checked ${report.checked} blobs: every one matches its key`
      : `checked ${report.checked} blobs: ${report.corrupt.length} corrupt`);
    for (const k of report.corrupt) await run.out.line(`corrupt ${k}`);
  }
  return report.corrupt.length === 0 ? 0 : 1;
}

async function gc(s: LmdbPagableStorage, run: CommandRun): Promise<number> {
  const bar = startProgress('gc mark', s.blobCount());
  let report;
  try {
    report = await s.gc((phase, n) => bar.update(n, `gc ${phase}`));
  } finally {
    bar.stop();
  }
  if (run.json) await run.out.json(report);
  else await run.out.line(`freed ${report.freedBlobs} blob${report.freedBlobs === 1 ? '' : 's'} (${formatBytes(report.freedBytes)}), kept ${report.keptBlobs}`);
  return 0;
}

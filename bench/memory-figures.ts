/*
 * The memory figures of docs/design.md §7, for the in-memory storage and LMDB side by
 * side: heap per paged-out arc handle (aim <= 100 B), memory per stored blob beyond its data (aim
 * <= 64 B; the in-memory store keeps blobs in ArrayBuffers, so `arrayBuffers` counts too), and
 * the share of the standard workload's heap freed by paging it out (bar >= 90%, counting the
 * in-memory store's own index). Each figure is taken after full collections (node --expose-gc);
 * they are figures and ratios, never timings.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type DataKey,
  InMemoryPagableStorage,
  LmdbPagableStorage,
  PagableArc,
  type PagableData,
  type PagableStorage,
} from '../src/index.js';
import { keyFromBytes } from '../src/keys/data.js';
import { settle } from './measure.js';
import { Package, Target } from './model.js';
import { Prng } from './prng.js';
import type { Bar } from './report.js';
import { type WorkloadOptions, buildPackageArcs } from './workload.js';

/** One storage's figures. */
export interface StorageMemory {
  /** Heap freed by dropping N paged-out handles (an array slot each included), per handle. */
  bytesPerPagedOutArc: number;
  /** Heap + array buffers per stored blob beyond its data bytes and child keys. */
  bytesPerStoredBlob: number;
  /** Share of the workload's heap that paging it out freed, the store's own index counted. */
  heapFreed: number;
  detail: Record<string, unknown>;
}

/** A figure per storage against its bar. */
export interface MemoryRow {
  id: 'bytesPerPagedOutArc' | 'bytesPerStoredBlob' | 'heapFreed';
  label: string;
  memory: number;
  lmdb: number;
  bar: Bar;
  pass: boolean;
}

export const MEMORY_BARS: Record<MemoryRow['id'], { label: string; bar: Bar }> = {
  bytesPerPagedOutArc: { label: 'heap per paged-out arc handle', bar: { op: '<=', value: 100 } },
  bytesPerStoredBlob: { label: 'memory per stored blob beyond its data', bar: { op: '<=', value: 64 } },
  heapFreed: { label: 'heap freed by paging out the workload', bar: { op: '>=', value: 0.9 } },
};

interface Memory {
  heap: number;
  arrayBuffers: number;
}

/**
 * Heap and array buffers after full collections, repeated until they stop shrinking: objects a
 * WeakRef touched stay alive until the end of their job (an LMDB commit callback's job may end
 * a collection late), and V8 frees ArrayBuffer memory on a background thread after a collection.
 */
async function memoryNow(): Promise<Memory> {
  let last: Memory | undefined;
  for (let round = 0; round < 10; round++) {
    await settle(2);
    const m = process.memoryUsage();
    const now = { heap: m.heapUsed, arrayBuffers: m.arrayBuffers };
    if (last !== undefined && last.heap + last.arrayBuffers - (now.heap + now.arrayBuffers) < 65536) return now;
    last = now;
  }
  return last!;
}

/**
 * N arcs of `{ s: 'v' + i }`, unpinned and paged out, kept in `box.arcs`. A function of its own,
 * so no register of a suspended caller still points at the array once the caller drops it.
 */
async function pagedOutArcs(storage: PagableStorage, n: number, box: { arcs?: Array<PagableArc<{ s: string }>> }): Promise<void> {
  const arcs = new Array<PagableArc<{ s: string }>>(n);
  for (let i = 0; i < n; i++) {
    const a = PagableArc.new({ s: 'v' + i }, storage);
    a.unpin();
    arcs[i] = a;
  }
  const r = await storage.pageOutPending();
  if (r.failed.length > 0 || !arcs.every((a) => a.isPagedOut)) throw new Error('bench: the arcs did not all page out');
  box.arcs = arcs;
}

/** The heap N paged-out handles hold (freed when they are dropped), and what stays per arc after. */
async function perPagedOutArc(storage: PagableStorage, n: number): Promise<{ perHandle: number; leftPerArc: number }> {
  const base = await memoryNow();
  const box: { arcs?: Array<PagableArc<{ s: string }>> } = {};
  await pagedOutArcs(storage, n, box);
  const held = await memoryNow();
  box.arcs = undefined;
  const dropped = await memoryNow();
  return { perHandle: (held.heap - dropped.heap) / n, leftPerArc: (dropped.heap - base.heap) / n };
}

/** N small blobs (20-60 data bytes, 0-2 child keys), as a decoder would hand them over. */
function smallBlobs(n: number): { blobs: PagableData[]; payload: number } {
  const r = new Prng(7);
  const blobs: PagableData[] = [];
  let payload = 0;
  const bytes = new Uint8Array(16);
  // Flat strings, as a decoder makes them (a `+=` rope would be flattened, and shrink, during the measurement).
  const key = (): DataKey => {
    for (let i = 0; i < 16; i++) bytes[i] = r.u32() & 0xff;
    return keyFromBytes(bytes);
  };
  for (let i = 0; i < n; i++) {
    const data = new Uint8Array(20 + (r.u32() % 41));
    for (let j = 0; j < data.length; j++) data[j] = r.u32() & 0xff;
    const arcs: DataKey[] = [];
    for (let c = r.u32() % 3; c > 0; c--) arcs.push(key());
    blobs.push({ data, arcs });
    payload += data.length + 16 * arcs.length;
  }
  return { blobs, payload };
}

/**
 * Memory the storage holds per stored blob beyond the blob's own bytes (`offHeap`: its data lives
 * elsewhere, on disk for LMDB, so nothing is subtracted).
 */
async function perStoredBlob(storage: PagableStorage, n: number, offHeap: boolean): Promise<number> {
  const { blobs, payload } = smallBlobs(n);
  const base = await memoryNow();
  for (let i = 0; i < n; i += 1000) {
    await Promise.all(blobs.slice(i, i + 1000).map((b) => storage.storeData(b)));
  }
  const after = await memoryNow();
  const used = after.heap - base.heap + (after.arrayBuffers - base.arrayBuffers);
  return (used - (offHeap ? 0 : payload)) / n;
}

/** Child keys over every stored blob (16 bytes of data each, as the store counts them). */
async function childRefs(storage: InMemoryPagableStorage | LmdbPagableStorage): Promise<number> {
  let n = 0;
  for await (const k of storage.keys()) n += storage.fetchDataSync(k).arcs.length;
  return n;
}

/**
 * The standard workload held by unpinned arcs, paged out: the share of its heap freed. What the
 * store keeps in array buffers beyond the blobs' bytes (the in-memory store's index and record
 * headers) counts as not freed.
 */
export async function heapFreed(
  storage: InMemoryPagableStorage | LmdbPagableStorage,
  workload: WorkloadOptions,
  offHeap: boolean,
): Promise<{ ratio: number; detail: Record<string, unknown> }> {
  const before = await memoryNow();
  let arcs: ReturnType<typeof buildPackageArcs> | undefined = buildPackageArcs(workload, storage);
  const loaded = await memoryNow();
  const t0 = performance.now();
  const report = await storage.pageOutPending();
  const pageOutMs = performance.now() - t0;
  const after = await memoryNow();
  if (report.failed.length > 0) throw new Error(`bench: page-out failures: ${report.failed.map((e) => e.message).join('; ')}`);
  if (!arcs.every((a) => a.isPagedOut)) throw new Error('bench: not every package arc is paged out');
  const pin = await arcs[arcs.length - 1]!.pin();
  if (!(pin.value instanceof Package && pin.value.targets[0] instanceof Target))
    throw new Error('bench: a paged-out package does not page back in');
  pin.release();
  const packageArcs = arcs.length;
  // Drop the handles, so what remains is what the storage itself holds.
  // eslint-disable-next-line no-useless-assignment
  arcs = undefined;
  const stats = storage.stats();
  const stored = stats.bytes + 16 * (await childRefs(storage));
  const arrayBuffersGrowth = after.arrayBuffers - before.arrayBuffers;
  const storeOverhead = Math.max(0, arrayBuffersGrowth - (offHeap ? 0 : stored));
  const graph = loaded.heap - before.heap;
  const kept = after.heap - before.heap + storeOverhead;
  return {
    ratio: (graph - kept) / graph,
    detail: {
      graphHeapBytes: graph,
      heapAfterBytes: after.heap - before.heap,
      storeOverheadBytes: storeOverhead,
      arrayBuffersGrowth,
      storedBytes: stored,
      packageArcs,
      pagedOut: report.pagedOut,
      storedBlobs: stats.blobs,
      pageOutMs,
    },
  };
}

/** Runs `measure` on a storage of its own, closed after; the storage is unreachable once this resolves. */
async function onFresh<R>(
  open: () => Promise<InMemoryPagableStorage | LmdbPagableStorage>,
  measure: (s: InMemoryPagableStorage | LmdbPagableStorage) => Promise<R>,
): Promise<R> {
  const s = await open();
  try {
    return await measure(s);
  } finally {
    await s.close();
  }
}

async function measureStorage(
  open: () => Promise<InMemoryPagableStorage | LmdbPagableStorage>,
  offHeap: boolean,
  n: number,
  workload: WorkloadOptions,
): Promise<StorageMemory> {
  // Each figure on a storage of its own, so no closed storage's memory is freed during the next.
  const perBlob = await onFresh(open, (s) => perStoredBlob(s, n, offHeap));
  const perArc = await onFresh(open, (s) => perPagedOutArc(s, n));
  const freed = await onFresh(open, (s) => heapFreed(s, workload, offHeap));
  return {
    bytesPerPagedOutArc: perArc.perHandle,
    bytesPerStoredBlob: perBlob,
    heapFreed: freed.ratio,
    detail: { arcs: n, blobs: n, heapLeftPerArcOnceHandlesDropped: perArc.leftPerArc, workload: freed.detail },
  };
}

/** Every figure for memory and LMDB (`n` arcs and blobs each), with its bar. */
export async function measureMemory(
  n: number,
  workload: WorkloadOptions,
  say: (s: string) => void,
): Promise<{ rows: MemoryRow[]; memory: StorageMemory; lmdb: StorageMemory }> {
  say(`memory figures: ${n} paged-out arcs, ${n} stored blobs and the workload's heap, in memory ...`);
  const memory = await measureStorage(async () => new InMemoryPagableStorage(), false, n, workload);
  say('memory figures: the same on LMDB ...');
  const root = mkdtempSync(join(tmpdir(), 'pagable-bench-memory-'));
  let i = 0;
  let lmdb: StorageMemory;
  try {
    lmdb = await measureStorage(() => LmdbPagableStorage.open(join(root, `s${i++}`)), true, n, workload);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  const rows = (Object.keys(MEMORY_BARS) as Array<MemoryRow['id']>).map((id): MemoryRow => {
    const { label, bar } = MEMORY_BARS[id];
    const ok = (v: number): boolean => (bar.op === '<=' ? v <= bar.value : v >= bar.value);
    return { id, label, memory: memory[id], lmdb: lmdb[id], bar, pass: ok(memory[id]) && ok(lmdb[id]) };
  });
  return { rows, memory, lmdb };
}

function fmt(id: MemoryRow['id'], v: number): string {
  return id === 'heapFreed' ? `${(v * 100).toFixed(1)}%` : `${v.toFixed(1)} B`;
}

/** The memory figures as a table (memory and LMDB side by side). */
export function formatMemoryTable(rows: readonly MemoryRow[]): string {
  const head = ['memory figure (after full GC)', 'memory', 'LMDB', 'bar', 'result'];
  const body = rows.map((r) => [
    r.label,
    fmt(r.id, r.memory),
    fmt(r.id, r.lmdb),
    `${r.bar.op} ${fmt(r.id, r.bar.value)}`,
    r.pass ? 'PASS' : 'FAIL  <<<<<',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i >= 1 && i <= 2 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

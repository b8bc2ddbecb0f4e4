import { isPromise } from '../blobstore/await.js';
import type { BlobStore } from '../blobstore/interface.js';
import { PagableError, toPagableError } from '../error.js';
import { computeKey } from '../keys/compute-key.js';
import type { DataKey, PagableData } from '../keys/data.js';
import { classLabel } from './describe.js';
import { KeyTable, KeyTableBuilder } from './key-table.js';
import { MISSING, StoreIndex, reverseEdges } from './store-index.js';
import type { Pacer } from './pacer.js';
import { U32List } from './u32-list.js';

/** Blobs per read. */
const BATCH = 512;
/** Dangling keys kept as examples. */
const DANGLING_SAMPLE = 20;

/** Where a scan is; read by the progress endpoint while the scan runs. */
export interface ScanProgress {
  phase: 'keys' | 'blobs' | 'analysis' | 'done' | 'failed';
  /** Keys listed (phase keys) or blobs read (phase blobs). */
  done: number;
  /** Blobs to read, once the keys are listed (an estimate before, if the store gives one). */
  total: number | undefined;
  startedAt: number;
  /** Milliseconds the scan took, once done. */
  ms: number | undefined;
  error: string | undefined;
}

/**
 * One pass over a store building the explorer's index: list every key (pass 1), then read every
 * blob in batches (pass 2), recording its size, label and distinct children, and re-hashing it
 * (the scan is `verify` too). Reads yield to the event loop between batches. `cancelled()` true
 * stops it with STORAGE_CLOSED.
 */
export async function scanStore(store: BlobStore, progress: ScanProgress, cancelled: () => boolean, pacer: Pacer): Promise<StoreIndex> {
  const check = (): void => {
    if (cancelled()) throw new PagableError('STORAGE_CLOSED', `scanning ${store.name}: the explorer stopped`);
  };
  progress.phase = 'keys';
  const builder = new KeyTableBuilder();
  try {
    for await (const k of store.keys()) {
      builder.push(k);
      progress.done++;
      const p = pacer.tick();
      if (p !== undefined) {
        check();
        await p;
      }
    }
  } catch (e) {
    throw toPagableError(e, 'IO', `listing the blobs of ${store.name}`);
  }
  const keys = KeyTable.from(builder);
  const n = keys.size;
  progress.phase = 'blobs';
  progress.total = n;
  progress.done = 0;

  const sizes = new Uint32Array(n);
  const labelOf = new Uint32Array(n);
  const labels: string[] = [];
  const labelIds = new Map<string, number>();
  const childStart = new Uint32Array(n + 1);
  const children = new U32List(n * 2);
  const corrupt: number[] = [];
  const dangling = { refs: 0, sample: [] as DataKey[] };
  const labelId = (label: string): number => {
    let id = labelIds.get(label);
    if (id === undefined) {
      id = labels.length;
      labels.push(label);
      labelIds.set(label, id);
    }
    return id;
  };
  const lookup = (k: DataKey): PagableData | Promise<PagableData | undefined> | undefined => {
    const got = store.getMany([k]);
    return isPromise(got) ? got.then((b) => b[0]) : got[0];
  };
  const addChildren = (i: number, arcs: readonly DataKey[]): void => {
    const start = children.length;
    // Distinct children only: a parent that lists a child twice refers to it once here.
    const seen = arcs.length > 16 ? new Set<number>() : undefined;
    for (const c of arcs) {
      const j = keys.indexOf(c);
      if (j < 0) {
        dangling.refs++;
        if (dangling.sample.length < DANGLING_SAMPLE && !dangling.sample.includes(c)) dangling.sample.push(c);
      }
      const v = j < 0 ? MISSING : j;
      if (seen !== undefined) {
        if (seen.has(v)) continue;
        seen.add(v);
      } else {
        let dup = false;
        for (let e = start; e < children.length && !dup; e++) dup = children.at(e) === v;
        if (dup) continue;
      }
      children.push(v);
    }
    childStart[i + 1] = children.length;
  };
  /** Records blob i; synchronous unless its label needs another blob read asynchronously. */
  const record = (i: number, key: DataKey, blob: PagableData | undefined): void | Promise<void> => {
    if (blob === undefined) {
      // Listed, then gone before it was read (a gc elsewhere): nothing to count.
      labelOf[i] = labelId('(deleted during the scan)');
      childStart[i + 1] = children.length;
      return;
    }
    sizes[i] = blob.data.length;
    let ok: boolean;
    try {
      ok = computeKey(blob) === key;
    } catch {
      ok = false;
    }
    if (!ok) corrupt.push(i);
    const label = classLabel(blob, lookup);
    if (isPromise(label)) {
      return label.then((l) => {
        labelOf[i] = labelId(l);
        addChildren(i, blob.arcs);
      });
    }
    labelOf[i] = labelId(label);
    addChildren(i, blob.arcs);
  };
  const readBatch = async (from: number, to: number): Promise<void> => {
    const batch: DataKey[] = [];
    for (let i = from; i < to; i++) batch.push(keys.key(i));
    let blobs: Array<PagableData | undefined>;
    try {
      const got = store.getMany(batch);
      blobs = isPromise(got) ? await got : got;
    } catch (e) {
      if (to - from > 1) {
        // One malformed record fails the whole read: read blob by blob so it does not hide its neighbours.
        for (let i = from; i < to; i++) await readBatch(i, i + 1);
        return;
      }
      check();
      if (!PagableError.is(e, 'CORRUPT') && !PagableError.is(e, 'NOT_FOUND'))
        throw toPagableError(e, 'IO', `reading blob ${batch[0]} of ${store.name}`);
      corrupt.push(from);
      labelOf[from] = labelId('(unreadable)');
      childStart[from + 1] = children.length;
      return;
    }
    for (let i = from; i < to; i++) {
      const r = record(i, batch[i - from]!, blobs[i - from]);
      if (r !== undefined) await r;
    }
  };
  for (let from = 0; from < n; from += BATCH) {
    check();
    await readBatch(from, Math.min(n, from + BATCH));
    progress.done = Math.min(n, from + BATCH);
    const p = pacer.due();
    if (p !== undefined) await p;
  }
  progress.phase = 'analysis';
  const edges = children.finish();
  const { parentStart, parents } = reverseEdges(n, childStart, edges);
  return new StoreIndex(keys, sizes, labelOf, labels, childStart, edges, parentStart, parents, corrupt, dangling);
}

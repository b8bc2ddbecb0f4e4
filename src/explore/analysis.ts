import type { RootEntry } from '../blobstore/interface.js';
import type { DataKey } from '../keys/data.js';
import type { Pacer } from './pacer.js';
import { MISSING, type StoreIndex } from './store-index.js';

/** In `owner`: no root reaches the blob (gc would free it). */
export const UNREACHABLE = 0xffffffff;
/** In `owner`: more than one root group reaches the blob. */
export const SHARED = 0xfffffffe;

/** Root groups whose whole reach is counted (one walk each); past them, only exclusive ownership is. */
export const REACH_GROUPS = 64;

/** The roots naming one key (several names may name the same blob). */
export interface RootGroup {
  names: string[];
  key: DataKey;
  /** The blob's position in the index; -1 when the root names a key the store lacks. */
  index: number;
}

/** Blob count and bytes of a set of blobs. */
export interface Totals {
  blobs: number;
  bytes: number;
}

/** Store-wide figures derived from the index and the roots. */
export interface Analysis {
  groups: RootGroup[];
  /** Per blob: the one root group reaching it, SHARED, or UNREACHABLE. */
  owner: Uint32Array;
  /** What `gc` would free: the blobs no root reaches. */
  unreachable: Totals;
  /** Per root group: the blobs it reaches (shared ones included); for the first REACH_GROUPS groups. */
  reachable: Array<Totals | undefined>;
  /**
   * Bytes if every reference held its own copy of what it refers to (each distinct child of a
   * blob counted once per parent), summed over the blobs nobody refers to: what the store would
   * take without deduplication. Divided by the stored bytes, the dedup ratio.
   */
  logicalBytes: number;
  storedBytes: number;
  /** References from one blob to another (distinct per parent), dangling ones excluded. */
  edges: number;
}

/**
 * Reachability by root and the dedup figure, each in one iterative pass over the index, giving
 * the event loop back every few milliseconds (`pacer`).
 *
 * Ownership: each root group walks down from its blob; a blob first reached by group r is r's,
 * and a blob reached by a second group becomes SHARED together with everything below it. A blob
 * turns r's at most once and SHARED at most once, so all groups together cost O(blobs + edges).
 */
export async function analyse(index: StoreIndex, roots: readonly RootEntry[], pacer: Pacer): Promise<Analysis> {
  const n = index.size;
  const byKey = new Map<DataKey, RootGroup>();
  for (const r of roots) {
    const g = byKey.get(r.key);
    if (g !== undefined) g.names.push(r.name);
    else byKey.set(r.key, { names: [r.name], key: r.key, index: index.keys.indexOf(r.key) });
  }
  const groups = [...byKey.values()];
  const owner = new Uint32Array(n).fill(UNREACHABLE);
  const stack: number[] = [];
  const sharedStack: number[] = [];
  const markShared = async (): Promise<void> => {
    while (sharedStack.length > 0) {
      const p = pacer.tick();
      if (p !== undefined) await p;
      const i = sharedStack.pop()!;
      for (const c of index.childrenOf(i)) {
        if (c !== MISSING && owner[c] !== SHARED) {
          owner[c] = SHARED;
          sharedStack.push(c);
        }
      }
    }
  };
  for (let gi = 0; gi < groups.length; gi++) {
    const g = groups[gi]!;
    if (g.index < 0) continue;
    stack.push(g.index);
    while (stack.length > 0) {
      const p = pacer.tick();
      if (p !== undefined) await p;
      const i = stack.pop()!;
      const o = owner[i]!;
      if (o === gi || o === SHARED) continue;
      if (o === UNREACHABLE) {
        owner[i] = gi;
        for (const c of index.childrenOf(i)) if (c !== MISSING) stack.push(c);
      } else {
        owner[i] = SHARED;
        sharedStack.push(i);
        await markShared();
      }
    }
  }
  const unreachable: Totals = { blobs: 0, bytes: 0 };
  for (let i = 0; i < n; i++) {
    if (owner[i] === UNREACHABLE) {
      unreachable.blobs++;
      unreachable.bytes += index.sizes[i]!;
    }
  }
  const reachable: Array<Totals | undefined> = [];
  for (let gi = 0; gi < groups.length; gi++)
    reachable.push(gi < REACH_GROUPS ? await reachableFrom(index, groups[gi]!.index, pacer) : undefined);
  const { logicalBytes, edges } = await logicalSize(index, pacer);
  return { groups, owner, unreachable, reachable, logicalBytes, storedBytes: index.totalBytes, edges };
}

/** What one blob reaches (itself included): one walk with a visited bitmap. */
async function reachableFrom(index: StoreIndex, top: number, pacer: Pacer): Promise<Totals> {
  const t: Totals = { blobs: 0, bytes: 0 };
  if (top < 0) return t;
  const seen = new Uint8Array(index.size);
  const stack = [top];
  seen[top] = 1;
  while (stack.length > 0) {
    const p = pacer.tick();
    if (p !== undefined) await p;
    const i = stack.pop()!;
    t.blobs++;
    t.bytes += index.sizes[i]!;
    for (const c of index.childrenOf(i)) {
      if (c !== MISSING && seen[c] === 0) {
        seen[c] = 1;
        stack.push(c);
      }
    }
  }
  return t;
}

/** Tree sizes bottom-up (an iterative post-order walk), summed over the blobs without referrers. */
async function logicalSize(index: StoreIndex, pacer: Pacer): Promise<{ logicalBytes: number; edges: number }> {
  const n = index.size;
  const tree = new Float64Array(n);
  // 0 unvisited, 1 children pending, 2 done. Keys are content hashes, so no cycle can exist; a
  // corrupt store that had one would see the back edge counted as 0 rather than loop.
  const state = new Uint8Array(n);
  const stack: number[] = [];
  let edges = 0;
  for (let top = 0; top < n; top++) {
    if (state[top] !== 0) continue;
    stack.push(top);
    while (stack.length > 0) {
      const p = pacer.tick();
      if (p !== undefined) await p;
      const i = stack[stack.length - 1]!;
      if (state[i] === 0) {
        state[i] = 1;
        for (const c of index.childrenOf(i)) if (c !== MISSING && state[c] === 0) stack.push(c);
        continue;
      }
      stack.pop();
      if (state[i] === 2) continue;
      let sum = index.sizes[i]!;
      for (const c of index.childrenOf(i)) {
        if (c === MISSING) continue;
        edges++;
        sum += tree[c]!;
      }
      tree[i] = sum;
      state[i] = 2;
    }
  }
  let logicalBytes = 0;
  for (let i = 0; i < n; i++) if (index.parentStart[i] === index.parentStart[i + 1]) logicalBytes += tree[i]!;
  return { logicalBytes, edges };
}

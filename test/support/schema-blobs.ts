/* Counting blobs now that the writer's schema travels with the data, as schema blobs. */
import type { DataKey, PagableStorage } from '../../src/index.js';

/** True for a schema blob (a schema set or a class schema): its data begins 0xC1 0xC1. */
export function isSchemaBlob(data: Uint8Array): boolean {
  return data[0] === 0xc1 && data[1] === 0xc1;
}

/** The schema blobs a data blob refers to: its schema set (its last child key) and the set's class schemas. */
export async function schemaBlobsOf(s: PagableStorage, key: DataKey): Promise<DataKey[]> {
  const arcs = (await s.fetchData(key)).arcs;
  const set = arcs[arcs.length - 1]!;
  return [set, ...(await s.fetchData(set)).arcs];
}

/** Every blob reachable from `key`, schema blobs included. */
export async function allBlobsOf(s: PagableStorage, key: DataKey): Promise<Set<DataKey>> {
  const out = new Set<DataKey>();
  const stack = [key];
  while (stack.length > 0) {
    const k = stack.pop()!;
    if (out.has(k)) continue;
    out.add(k);
    for (const c of (await s.fetchData(k)).arcs) stack.push(c);
  }
  return out;
}

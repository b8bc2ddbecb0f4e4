/*
 * Blobs written by hand, to test how hostile or unusual bytes are read: msgpackr trees in which
 * `C1` (msgpackr's sentinel for the 0xC1 byte) starts an escape, `[C1, kind, ...]` (src/codec/wire.ts).
 */
import { packr } from '../../src/codec/wire.js';
import type { DataKey, PagableData } from '../../src/index.js';

/** Escape kinds, as written after C1 (src/codec/wire.ts `Esc`); `Class + i` names class i of the blob's schema set. */
export const ESC = { Instance: 0, Map: 1, Set: 2, NegZero: 3, BigInt: 4, Object: 5, Typed: 6, NullObject: 7, Codec: 8, Class: 16 } as const;

/** A data blob: 0xC1, then `root` packed; its child keys `arcs`, the schema set key last. */
export function dataBlob(root: unknown, arcs: readonly DataKey[]): PagableData {
  return { data: Buffer.concat([Buffer.of(0xc1), packr.pack(root)]), arcs: [...arcs] };
}

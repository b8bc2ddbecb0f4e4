import type { DataKey, PagableData } from '../../src/index.js';
import { BlobBatch, FRAME_HEAD, writeFrameHead } from '../../src/keys/blob-batch.js';

/** Blobs framed as a page-out frames them (keys/blob-batch.ts), each in a slab of its own at an offset other than 0. */
export function batchOf(blobs: ReadonlyArray<{ key: DataKey; data: PagableData }>): BlobBatch {
  const batch = new BlobBatch();
  for (const { key, data } of blobs) {
    const at = 12;
    const slab = new Uint8Array(at + FRAME_HEAD + data.data.length + 16 * data.arcs.length);
    writeFrameHead(slab, at, data.arcs.length);
    slab.set(data.data, at + FRAME_HEAD);
    data.arcs.forEach((k, c) => slab.set(Buffer.from(k, 'hex'), at + FRAME_HEAD + data.data.length + 16 * c));
    batch.add(slab, at, data.data.length, data.arcs.length, Buffer.from(key, 'hex'), 0);
  }
  return batch;
}

import type { SchemaSet } from '../codec/schema-set.js';
import { type BlobBatch, FRAME_HEAD, writeFrameHead } from '../keys/blob-batch.js';
import { type DataKey, writeKeyBytes } from '../keys/data.js';

/**
 * A schema set's blobs framed for a BlobBatch (keys/blob-batch.ts), made once per set: a page-out
 * adds them to its batch as they are, and writes the set's key into each data blob using it.
 */
export interface SchemaFrames {
  /** Per blob (the set blob first, then its class blobs): its frame, its data's length, its child count. */
  readonly frames: readonly Uint8Array[];
  readonly lengths: readonly number[];
  readonly children: readonly number[];
  /** Their keys, 16 bytes each: the set's key first. */
  readonly keys: Uint8Array;
}

const cache = new WeakMap<SchemaSet, SchemaFrames>();

/** The framed blobs of `set`. */
export function schemaFrames(set: SchemaSet): SchemaFrames {
  let f = cache.get(set);
  if (f !== undefined) return f;
  const n = set.blobs.length;
  const keys = new Uint8Array(16 * n);
  const frames: Uint8Array[] = [];
  const lengths: number[] = [];
  const children: number[] = [];
  set.blobs.forEach(([key, blob], i) => {
    writeKeyBytes(key, keys, 16 * i);
    const len = blob.data.length;
    const frame = new Uint8Array(FRAME_HEAD + len + 16 * blob.arcs.length);
    writeFrameHead(frame, 0, blob.arcs.length);
    frame.set(blob.data, FRAME_HEAD);
    blob.arcs.forEach((c, j) => writeKeyBytes(c, frame, FRAME_HEAD + len + 16 * j));
    frames.push(frame);
    lengths.push(len);
    children.push(blob.arcs.length);
  });
  f = { frames, lengths, children, keys };
  cache.set(set, f);
  return f;
}

/** The schema blobs one page-out added to its batch: each set's blobs once, and a class blob two sets share once. */
export class SchemaPuts {
  private readonly sets = new Set<SchemaSet>();
  private readonly blobs = new Set<DataKey>();

  /** Adds the blobs of `set` not in `batch` yet; the set's frames. */
  put(batch: BlobBatch, set: SchemaSet): SchemaFrames {
    const sf = schemaFrames(set);
    if (this.sets.has(set)) return sf;
    this.sets.add(set);
    for (let i = 0; i < sf.frames.length; i++) {
      const key = set.blobs[i]![0];
      if (this.blobs.has(key)) continue;
      this.blobs.add(key);
      batch.add(sf.frames[i]!, 0, sf.lengths[i]!, sf.children[i]!, sf.keys, 16 * i);
    }
    return sf;
  }

  clear(): void {
    this.sets.clear();
    this.blobs.clear();
  }
}

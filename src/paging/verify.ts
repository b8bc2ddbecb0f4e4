import { computeKey } from '../keys/compute-key.js';
import type { DataKey, PagableData } from '../keys/data.js';
import type { BlobIo } from './blob-io.js';
import type { VerifyReport } from './interface.js';

/** Keys per read. */
const BATCH = 256;

/**
 * Re-hashes every stored blob: the keys whose content does not hash to them, or that do not
 * read at all (a malformed record). A read that fails for one blob of a batch is retried blob by
 * blob, so one bad record does not hide its neighbours.
 */
export async function verifyStore(io: BlobIo, onProgress?: (done: number) => void): Promise<VerifyReport> {
  const corrupt: DataKey[] = [];
  let checked = 0;
  const store = io.store;
  const check = async (batch: DataKey[]): Promise<void> => {
    let blobs: Array<PagableData | undefined>;
    try {
      blobs = await store.getMany(batch);
    } catch (e) {
      if (batch.length === 1) {
        io.checkOpen('verify');
        corrupt.push(batch[0]!);
        return;
      }
      for (const k of batch) await check([k]);
      return;
    }
    for (let i = 0; i < batch.length; i++) {
      const b = blobs[i];
      let ok: boolean;
      try {
        ok = b !== undefined && computeKey(b) === batch[i];
      } catch {
        ok = false;
      }
      if (!ok) corrupt.push(batch[i]!);
    }
  };
  let batch: DataKey[] = [];
  const flush = async (): Promise<void> => {
    await check(batch);
    checked += batch.length;
    batch = [];
    if (onProgress) onProgress(checked);
  };
  try {
    for await (const k of store.keys()) {
      batch.push(k);
      if (batch.length >= BATCH) await flush();
    }
  } catch (e) {
    throw io.fail(e, 'verify: listing blobs');
  }
  if (batch.length > 0) await flush();
  return { checked, corrupt };
}

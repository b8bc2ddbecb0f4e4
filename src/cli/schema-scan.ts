import { computeKey } from '../keys/compute-key.js';
import type { DataKey, PagableData } from '../keys/data.js';
import { blobFormat } from '../codec/wire.js';
import type { CliStore } from './store-spec.js';
import { type StoredClass, storedClasses } from './schemas.js';

/**
 * The classes the store's data was written with: every schema blob, read once (a scan that keeps
 * only schema blobs, which are few: a class schema and a set per distinct class combination).
 */
export async function scanStoredClasses(s: CliStore): Promise<StoredClass[]> {
  const found = new Map<DataKey, PagableData>();
  const batch: DataKey[] = [];
  const take = async (): Promise<void> => {
    const keys = batch.splice(0);
    // A batch with a damaged record is read blob by blob, so one bad record hides nothing else.
    const blobs = await Promise.resolve(s.raw.getMany(keys)).catch(() =>
      Promise.all(
        keys.map((k) =>
          Promise.resolve(s.raw.getMany([k])).then(
            (r) => r[0],
            () => undefined,
          ),
        ),
      ),
    );
    for (const b of blobs) if (b !== undefined && blobFormat(b.data) === 'schema') found.set(computeKey(b), b);
  };
  for await (const k of s.raw.keys()) {
    batch.push(k);
    if (batch.length >= 512) await take();
  }
  await take();
  return storedClasses(keysOf(found), (k) => found.get(k));
}

async function* keysOf(m: Map<DataKey, unknown>): AsyncIterable<DataKey> {
  yield* m.keys();
}

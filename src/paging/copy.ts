import type { ArcHost } from '../arc/arc-host.js';
import type { DataKey } from '../keys/data.js';
import type { BlobIo } from './blob-io.js';
import type { LiveKeys, LiveOp } from './live-keys.js';

/**
 * Copies blobs of arcs bound to other storages into this one, with everything below them, a
 * level at a time: what is already here is skipped (listed in `found` and, on a shared store, touched so a
 * concurrent sweep keeps it), what is missing is fetched from the arc's own storage. The other
 * storage is only read: its arcs keep believing what they believed.
 */
export async function copyForeign(
  io: BlobIo,
  live: LiveKeys,
  op: LiveOp,
  copies: ReadonlyArray<readonly [ArcHost, DataKey]>,
  found: DataKey[],
): Promise<void> {
  const byHost = new Map<ArcHost, DataKey[]>();
  for (const [host, key] of copies) {
    const list = byHost.get(host);
    if (list === undefined) byHost.set(host, [key]);
    else list.push(key);
  }
  for (const [host, tops] of byHost) {
    const seen = new Set<DataKey>();
    let level = tops.filter((k) => !seen.has(k) && seen.add(k));
    while (level.length > 0) {
      live.record(op, level);
      const present = await io.has(level, true);
      const missing = level.filter((_, i) => !present[i]);
      for (let i = 0; i < level.length; i++) if (present[i]) found.push(level[i]!);
      const blobs = await Promise.all(missing.map((k) => host.fetchData(k)));
      await io.put(missing.map((key, i) => ({ key, data: blobs[i]! })));
      const next: DataKey[] = [];
      for (const b of blobs)
        for (const c of b.arcs)
          if (!seen.has(c)) {
            seen.add(c);
            next.push(c);
          }
      level = next;
    }
  }
}

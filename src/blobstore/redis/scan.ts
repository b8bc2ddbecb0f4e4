import type { Cluster, Redis } from 'ioredis';
import { PagableError } from '../../error.js';
import type { RedisConnection } from './connection.js';

/** What SCAN is asked for per step. */
const SCAN_COUNT = 1000;

/** A key name that hashes to `slot` (the first of "0", "1", ... that does: about 16k tries at most, rarely needed). */
function nameInSlot(slot: number, slotOf: (name: string) => number): string {
  for (let i = 0; ; i++) if (slotOf(String(i)) === slot) return String(i);
}

/**
 * The servers a SCAN of the whole store must visit: the one server, or every master of a
 * Cluster as its slot table names them, plus every master ioredis is connected to (the slot
 * table can briefly lose a master after a MOVED: ioredis points the whole range of the moved
 * slot at its new owner until its refresh lands). A master ioredis holds no connection to (it
 * was down) is reached once through a key of one of its slots, which makes ioredis connect
 * again; if it still cannot, IO: a listing that skipped a master would not be every key.
 */
async function scanTargets(conn: RedisConnection, slotOf: ((name: string) => number) | undefined, what: string): Promise<Redis[]> {
  if (slotOf === undefined) return [conn.client as Redis];
  const cluster = conn.client as Cluster;
  const firstSlot = new Map<string, number>();
  cluster.slots.forEach((owners, slot) => {
    const master = owners?.[0];
    if (master !== undefined && !firstSlot.has(master)) firstSlot.set(master, slot);
  });
  const connected = (): Map<string, Redis> => new Map(cluster.nodes('master').map((n) => [`${n.options.host}:${n.options.port}`, n]));
  let nodes = connected();
  for (const master of nodes.keys()) if (!firstSlot.has(master)) firstSlot.set(master, -1);
  const absent = [...firstSlot].filter(([master, slot]) => !nodes.has(master) && slot >= 0);
  if (absent.length > 0) {
    await conn.run(what, () => Promise.all(absent.map(([, slot]) => cluster.exists(nameInSlot(slot, slotOf)))));
    nodes = connected();
  }
  return [...firstSlot.keys()].map((master) => {
    const node = nodes.get(master);
    if (node === undefined) throw new PagableError('IO', `${what} on ${conn.where}: the master ${master} is not connected`);
    return node;
  });
}

/**
 * The full key names (ioredis' keyPrefix included) matching `match` on every server of the store,
 * a SCAN step at a time, each step bounded by the connection's timeout. SCAN may return a name
 * more than once: callers that care deduplicate.
 */
export async function* scanNames(
  conn: RedisConnection,
  slotOf: ((name: string) => number) | undefined,
  match: string,
  what: string,
): AsyncGenerator<string[]> {
  if (conn.closed) throw conn.closedError(what);
  for (const node of await scanTargets(conn, slotOf, what)) {
    let cursor = '0';
    do {
      const [next, batch] = await conn.run(what, () => node.scan(cursor, 'MATCH', match, 'COUNT', SCAN_COUNT));
      cursor = next;
      yield batch;
    } while (cursor !== '0');
  }
}

import type { Cluster, Redis } from 'ioredis';
import { PagableError } from '../../error.js';
import type { RedisConnection } from './connection.js';

/*
 * A server that evicts keys loses stored graphs without a word. With `maxmemory-policy`
 * allkeys-lru, allkeys-lfu or allkeys-random, Redis drops keys of its choosing once `maxmemory` is
 * reached: a save is acknowledged, and a later load of that graph is NOT_FOUND. Redis used as a
 * cache is often configured so. The volatile-* policies evict only keys with a TTL, and blobs have
 * none: a full server then fails the write (OOM), which is IO, and nothing stored is lost.
 *
 * So connect reads each master's policy (CONFIG GET) and refuses an evicting one unless the
 * caller says the server is a cache (`allowEviction: true`). A server that does not let clients
 * read its configuration (managed services often rename CONFIG away, or an ACL denies it), or a
 * master that does not answer, is not checked. Only at connect: a policy changed later is not seen.
 */

const EVICTING = /^allkeys-/;

/** INVALID_ARGUMENT when a master of the connection evicts keys (see above); `caller` names the call. */
export async function refuseEvictingServer(conn: RedisConnection, caller: string): Promise<void> {
  const c = conn.client;
  const masters = c.isCluster ? (c as Cluster).nodes('master') : [c as Redis];
  const policies = await conn.run(`${caller}: reading maxmemory-policy`, () => Promise.all(masters.map(policyOf)));
  const evicting = policies.find((p) => p !== undefined && EVICTING.test(p));
  if (evicting === undefined) return;
  throw new PagableError(
    'INVALID_ARGUMENT',
    `${caller}: ${conn.where} has maxmemory-policy ${evicting}: once full it evicts keys of its choosing, and a blob it evicts is a stored graph lost. Set maxmemory-policy to noeviction (or a volatile-* policy: blobs have no TTL), or pass allowEviction: true to use the server as a cache, where an evicted blob reads as NOT_FOUND`,
  );
}

/**
 * The server's maxmemory-policy; undefined when it does not say: CONFIG refused (unknown command,
 * NOPERM), or the node unreachable (a Cluster master down while its other masters serve: connect
 * must still work, as it did before this check).
 */
async function policyOf(node: Redis): Promise<string | undefined> {
  try {
    const reply: unknown = await node.config('GET', 'maxmemory-policy');
    return Array.isArray(reply) && typeof reply[1] === 'string' ? reply[1] : undefined;
  } catch {
    return undefined;
  }
}

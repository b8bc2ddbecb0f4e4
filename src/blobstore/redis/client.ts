/*
 * The Redis store's public face for ioredis, typed without ioredis. ioredis is an optional peer: a
 * project that does not install it must still type-check against pagable's declarations
 * (`skipLibCheck: false`), so no declaration pagable ships may name an ioredis type. The client a
 * user passes in is declared by the members every ioredis client has, which `new Redis()` and
 * `new Cluster([...])` satisfy as they are; `RedisBlobStore.connect` checks at run time that it is
 * one, and the store's own code uses it through ioredis's types (connection.ts).
 */

/**
 * An ioredis client: `Redis` (one server) or `Cluster`. Pass your own as `client`; read the store's
 * back from `RedisBlobStore.client` (cast it to `Redis` or `Cluster` from ioredis for its commands).
 */
export interface RedisClient {
  /** ioredis's connection state ('wait', 'connecting', 'ready', 'end', ...). */
  readonly status: string;
  /** True for a `Cluster`. */
  readonly isCluster: boolean;
  /** Ends the connection after pending replies (ioredis's `quit`). */
  quit(): Promise<unknown>;
  /** Ends the connection at once (ioredis's `disconnect`). */
  disconnect(): void;
}

/** How to reach the server, as `RedisBlobStore.connect` takes it: one of `url`, `client`, `cluster`. */
export interface RedisConnectionOptions {
  /** `redis://[user:password@]host:port[/db]` (default redis://127.0.0.1:6379). */
  url?: string;
  /** An ioredis client of yours (it keeps its own options; the store never ends it). */
  client?: RedisClient;
  /** Startup node urls of a Redis Cluster. */
  cluster?: readonly string[];
  /** The bound of every operation, in ms (default 5000): past it, the operation is IO. */
  timeoutMs?: number;
}

/** True when `c` has the shape of an ioredis client (whichever copy of ioredis made it). */
export function isIoredisClient(c: unknown): boolean {
  const o = c as { isCluster?: unknown; sendCommand?: unknown; status?: unknown } | null;
  return (
    typeof o === 'object' &&
    o !== null &&
    typeof o.isCluster === 'boolean' &&
    typeof o.sendCommand === 'function' &&
    typeof o.status === 'string'
  );
}

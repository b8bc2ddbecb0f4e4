import type { Cluster, ClusterOptions, Redis, RedisOptions } from 'ioredis';
import { PagableError, toPagableError } from '../../error.js';
import { type RedisConnectionOptions, isIoredisClient } from './client.js';
import type { RedisScript } from './scripts.js';

/*
 * One ioredis client (a single server or a Redis Cluster) whose every operation is bounded by
 * `timeoutMs`, whatever the server does: gone (connection refused), frozen (SIGSTOP: the TCP
 * connection stays up, nothing answers), or mute (a listener that accepts and never replies).
 *
 * ioredis alone does not bound them: its offline queue holds commands while it reconnects, its
 * `commandTimeout` does not cover a Cluster's queue, and a command that timed out in the queue is
 * still sent once the connection is back (redis/ioredis#1604, #2130). So a client this connection
 * creates runs without an offline queue, never retries a command (`maxRetriesPerRequest: 0`,
 * no resend of unanswered commands after a reconnect), reconnects every 50..200 ms, and drops a
 * socket that stops answering (`socketTimeout`); and every operation goes through `run()`,
 * which waits for the client to be ready and races the whole operation against one deadline.
 * A client passed in keeps its own options; `run()` still bounds every operation on it.
 */

/** An ioredis client as the store's own code uses it: one server or a Cluster. */
export type IoredisClient = Redis | Cluster;

/** The default bound of every operation. */
export const DEFAULT_TIMEOUT_MS = 5000;
const DEFAULT_URL = 'redis://127.0.0.1:6379';
/** The longest pause between two reconnection attempts: a server that comes back is used within it. */
const RECONNECT_MAX_MS = 200;

/** Thrown inside run() when the deadline passes; becomes IO. */
class Deadline extends Error {}

/** `url` with its password masked, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    return u.toString();
  } catch {
    return url.replace(/\/\/([^@/]*)@/, '//***@');
  }
}

/** `redis://host:port/db` of a client made by the caller, for messages. */
function describeClient(client: IoredisClient): string {
  if (client.isCluster) {
    const nodes = (client as Cluster).nodes('master').map((n) => `${n.options.host ?? '127.0.0.1'}:${n.options.port ?? 6379}`);
    return nodes.length === 0 ? 'a Redis Cluster' : `cluster ${nodes.join(',')}`;
  }
  const o = (client as Redis).options;
  if (o.path !== undefined) return `unix:${o.path}`;
  return `redis://${o.host ?? '127.0.0.1'}:${o.port ?? 6379}/${o.db ?? 0}`;
}

/** True for the server's refusal of EVAL itself (as opposed to a failure of the connection). */
export function isScriptRefused(e: unknown): boolean {
  return e instanceof Error && e.name === 'ReplyError' && /unknown command|NOPERM|disabled/i.test(e.message);
}

/** What bounds every command of a connection this module creates (to a server or a Cluster node). */
function commandBounds(timeoutMs: number): RedisOptions {
  return {
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    // A socket that stops answering is dropped, so a server back behind it is reconnected to.
    socketTimeout: timeoutMs,
    // A command whose connection drops fails at once, and is never sent again later.
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
  };
}

/** The options of a single-server client this connection owns. */
function serverOptions(timeoutMs: number): RedisOptions {
  return {
    ...commandBounds(timeoutMs),
    lazyConnect: true,
    // run() waits for the connection instead: a queued command that timed out would still be sent.
    enableOfflineQueue: false,
    retryStrategy: (times: number) => Math.min(50 * times, RECONNECT_MAX_MS),
  };
}

/** Username, password and TLS of a startup node url, which a Cluster applies to every node. */
function clusterAuth(url: string): Pick<RedisOptions, 'username' | 'password' | 'tls'> {
  const out: Pick<RedisOptions, 'username' | 'password' | 'tls'> = {};
  try {
    const u = new URL(url);
    if (u.username !== '') out.username = decodeURIComponent(u.username);
    if (u.password !== '') out.password = decodeURIComponent(u.password);
    if (u.protocol === 'rediss:') out.tls = {};
  } catch {
    // host:port without a scheme: nothing to take
  }
  return out;
}

/** A bounded connection; see the module comment. */
export class RedisConnection {
  readonly client: IoredisClient;
  /** True when this connection created the client (and so ends it on close). */
  readonly owned: boolean;
  /** Where, for messages: a redacted url or the cluster's startup nodes. */
  readonly where: string;
  readonly timeoutMs: number;
  readonly isCluster: boolean;
  /** The client's ioredis keyPrefix ('' when none): it prefixes every key sent, not SCAN patterns. */
  readonly keyPrefix: string;
  #lastError: unknown;
  #closed = false;
  /** Operations under way, which close() lets finish. */
  readonly #running = new Set<Promise<unknown>>();

  private constructor(client: IoredisClient, owned: boolean, where: string, timeoutMs: number) {
    this.client = client;
    this.owned = owned;
    this.where = where;
    this.timeoutMs = timeoutMs;
    this.isCluster = client.isCluster;
    const kp = client.isCluster ? (client as Cluster).options.keyPrefix : (client as Redis).options.keyPrefix;
    this.keyPrefix = kp === undefined ? '' : String(kp);
    if (owned) {
      // Our client: keep its errors for messages instead of ioredis logging them as unhandled.
      const remember = (e: unknown): void => {
        this.#lastError = e;
      };
      client.on('error', remember);
      if (client.isCluster) client.on('node error', remember);
    }
  }

  /** Connects (or adopts `client`) and checks the server answers, within timeoutMs; IO naming where otherwise. */
  static async open(options: RedisConnectionOptions, caller: string): Promise<RedisConnection> {
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (typeof timeoutMs !== 'number' || !Number.isFinite(timeoutMs) || timeoutMs <= 0) {
      throw new PagableError(
        'INVALID_ARGUMENT',
        `${caller}: timeoutMs must be a positive number of milliseconds, got ${String(timeoutMs)}`,
      );
    }
    const given = [options.url, options.client, options.cluster].filter((x) => x !== undefined).length;
    if (given > 1) throw new PagableError('IO', `${caller}: give one of url, client and cluster, not several`);
    if (options.client !== undefined) {
      if (!isIoredisClient(options.client)) {
        throw new PagableError('INVALID_ARGUMENT', `${caller}: client must be an ioredis Redis or Cluster`);
      }
      const client = options.client as unknown as IoredisClient;
      const conn = new RedisConnection(client, false, describeClient(client), timeoutMs);
      await conn.#handshake(caller, false);
      return conn;
    }
    const ioredis = await loadIoredis(caller);
    let conn: RedisConnection;
    if (options.cluster !== undefined) {
      const nodes = options.cluster;
      if (!Array.isArray(nodes) || nodes.length === 0 || nodes.some((n) => typeof n !== 'string' || n.length === 0)) {
        throw new PagableError('INVALID_ARGUMENT', `${caller}: cluster must be a non-empty array of redis:// startup node urls`);
      }
      const clusterOptions: ClusterOptions = {
        lazyConnect: true,
        enableOfflineQueue: false,
        // Not auto-pipelining: a pipeline retries MOVED / ASK only when every command of it got the
        // same redirection and the others were reads, so a script caught in a resharding would fail.
        // The per-slot commands of a batch are sent at once anyway: one round trip per batch.
        clusterRetryStrategy: (times: number) => Math.min(100 * times, RECONNECT_MAX_MS),
        slotsRefreshTimeout: Math.min(timeoutMs, 2000),
        // A multi-key command in a slot being migrated gets TRYAGAIN until the migration ends: give
        // it back soon, and the store sends it again key by key (slots.ts).
        retryDelayOnTryAgain: 10,
        redisOptions: { ...commandBounds(timeoutMs), ...clusterAuth(nodes[0]!) },
      };
      const where = `cluster ${nodes.map(redactUrl).join(',')}`;
      conn = new RedisConnection(new ioredis.Cluster([...nodes], clusterOptions), true, where, timeoutMs);
    } else {
      const url = options.url ?? DEFAULT_URL;
      if (typeof url !== 'string' || url.length === 0) {
        throw new PagableError('IO', `${caller}: expected a redis:// url, got ${JSON.stringify(url)}`);
      }
      let client: Redis;
      try {
        client = new ioredis.Redis(url, serverOptions(timeoutMs));
      } catch (e) {
        throw toPagableError(e, 'IO', `${caller}: cannot use ${redactUrl(url)}`);
      }
      conn = new RedisConnection(client, true, redactUrl(url), timeoutMs);
    }
    await conn.#handshake(caller, true);
    return conn;
  }

  /** Connects if needed and PINGs, within timeoutMs; an owned client is ended again on failure. */
  async #handshake(caller: string, owned: boolean): Promise<void> {
    const c = this.client;
    try {
      await this.#bounded(async () => {
        // A client made with lazyConnect has not connected yet; any other connects on its own.
        if (c.status === 'wait') await c.connect();
        await c.ping();
        // ioredis reports some handshake failures (SELECT of a database the server lacks) only
        // as an error event and carries on with database 0: refuse rather than use the wrong one.
        if (owned && this.#lastError !== undefined) throw this.#lastError;
      });
    } catch (e) {
      if (owned) c.disconnect();
      // connect() rejects with "Connection is closed"; the error event said why (ECONNREFUSED, ...).
      if (!(e instanceof Deadline)) throw toPagableError(this.#lastError ?? e, 'IO', `${caller}: cannot connect to ${this.where}`);
      const last = this.#lastError instanceof Error ? ` (last connection error: ${this.#lastError.message})` : '';
      throw new PagableError('IO', `${caller}: cannot connect to ${this.where}: no answer within ${this.timeoutMs} ms${last}`, {
        cause: this.#lastError ?? e,
      });
    }
    // From here an error names the latest trouble only until the connection is ready again.
    if (owned)
      c.on('ready', () => {
        this.#lastError = undefined;
      });
  }

  /** True once close() was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Runs one operation: waits for the client to be ready, then runs `op`, all within timeoutMs.
   * STORAGE_CLOSED once closed; IO naming `what` and where on any failure or on the deadline.
   */
  async run<T>(what: string, op: () => Promise<T>): Promise<T> {
    if (this.#closed) throw this.closedError(what);
    const p = this.#bounded(op);
    this.#running.add(p);
    try {
      return await p;
    } catch (e) {
      throw this.fail(e, what);
    } finally {
      this.#running.delete(p);
    }
  }

  async #bounded<T>(op: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    let stopWaiting: (() => void) | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Deadline()), this.timeoutMs);
    });
    const c = this.client;
    let work: Promise<T>;
    if (this.#usable()) {
      work = op();
    } else {
      work = new Promise<void>((resolve, reject) => {
        if (c.status === 'end') {
          reject(new Error('the connection was closed'));
          return;
        }
        const onReady = (): void => {
          stopWaiting!();
          resolve();
        };
        const onEnd = (): void => {
          stopWaiting!();
          reject(new Error('the connection was closed'));
        };
        stopWaiting = () => {
          c.off('ready', onReady);
          c.off('end', onEnd);
        };
        c.on('ready', onReady);
        c.on('end', onEnd);
      }).then(op);
    }
    try {
      return await Promise.race([work, deadline]);
    } finally {
      clearTimeout(timer);
      stopWaiting?.();
    }
  }

  /**
   * True when a command sent now can be written: the client is ready (or lazily waiting for its
   * first command), and a single server's socket has not gone away unnoticed yet (ioredis learns
   * of a killed server one event later than its socket does).
   */
  #usable(): boolean {
    const c = this.client;
    if (c.status === 'wait') return true;
    if (c.status !== 'ready') return false;
    return c.isCluster || (c as Redis).stream?.writable !== false;
  }

  /** STORAGE_CLOSED for `what`. */
  closedError(what: string, cause?: unknown): PagableError {
    return new PagableError('STORAGE_CLOSED', `${what}: the store is closed`, cause === undefined ? undefined : { cause });
  }

  /** A failure of `what`: STORAGE_CLOSED once closed, IO otherwise, naming where and why. */
  fail(e: unknown, what: string): PagableError {
    if (e instanceof PagableError) return e;
    if (this.#closed) return this.closedError(what, e);
    if (e instanceof Deadline) {
      const last = this.#lastError instanceof Error ? ` (last connection error: ${this.#lastError.message})` : '';
      return new PagableError('IO', `${what} on ${this.where}: no answer within ${this.timeoutMs} ms${last}`, {
        cause: this.#lastError ?? e,
      });
    }
    if (this.isCluster && e instanceof Error && /^(Too many Cluster redirections|MOVED |CLUSTERDOWN)/.test(e.message)) {
      return new PagableError(
        'IO',
        `${what} on ${this.where}: a master of the cluster does not answer, or a slot is being moved (${e.message})`,
        { cause: e },
      );
    }
    if (e instanceof Error && e.name === 'MaxRetriesPerRequestError') {
      return new PagableError('IO', `${what} on ${this.where}: the connection was lost before the reply`, { cause: e });
    }
    return toPagableError(e, 'IO', `${what} on ${this.where}`);
  }

  /**
   * Runs a script by EVALSHA, loading it with EVAL the first time a server lacks it. On a
   * Cluster the command goes to the node of KEYS[0].
   */
  async eval(s: RedisScript, keys: readonly string[], args: ReadonlyArray<string | Buffer | number>): Promise<unknown> {
    const c = this.client as Redis;
    try {
      return await c.evalsha(s.sha, keys.length, ...keys, ...args);
    } catch (e) {
      if (!(e instanceof Error) || !e.message.startsWith('NOSCRIPT')) throw e;
      return c.eval(s.lua, keys.length, ...keys, ...args);
    }
  }

  /**
   * Ends the connection: operations under way finish first (each is bounded), then a client this
   * connection created is disconnected at once; a client passed in is left open.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.allSettled([...this.#running]);
    if (!this.owned) return;
    const c = this.client;
    const sockets = c.isCluster ? (c as Cluster).nodes('all') : [c as Redis];
    // The client ends asynchronously once its socket closes: resolve when it has (briefly
    // bounded). A client between two reconnection attempts has no socket and just stops.
    const open = c.isCluster ? c.status !== 'end' : c.status === 'ready' || c.status === 'connect' || c.status === 'connecting';
    const ended = !open
      ? undefined
      : new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.min(this.timeoutMs, 1000));
          c.once('end', () => {
            clearTimeout(timer);
            resolve();
          });
        });
    c.disconnect();
    // disconnect() ends a socket politely; one to a frozen server would then never close and keep
    // the process alive: nothing more is expected on it, so it goes now.
    for (const n of sockets) n.stream?.destroy();
    await ended;
  }
}

/** ioredis, loaded on first use: an optional peer dependency, so importing pagable stays cheap without it. */
async function loadIoredis(caller: string): Promise<{ Redis: typeof Redis; Cluster: typeof Cluster }> {
  try {
    const { Redis: RedisClass, Cluster: ClusterClass } = await import('ioredis');
    return { Redis: RedisClass, Cluster: ClusterClass };
  } catch (e) {
    throw new PagableError('IO', `${caller}: the ioredis package is not installed; run \`npm install ioredis\` to use Redis`, { cause: e });
  }
}

/** Redis Cluster's key -> slot function, loaded with ioredis (whose dependency it is). */
export async function loadKeySlot(caller: string): Promise<(key: string) => number> {
  try {
    return (await import('cluster-key-slot')).default;
  } catch (e) {
    throw new PagableError('IO', `${caller}: the cluster-key-slot package is missing; run \`npm install ioredis\``, { cause: e });
  }
}

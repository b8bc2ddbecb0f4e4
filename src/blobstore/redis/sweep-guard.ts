import { randomUUID } from 'node:crypto';
import type { DataKey } from '../../keys/data.js';
import { PagableError } from '../../error.js';
import type { SweepGuard } from '../interface.js';
import type { RedisConnection } from './connection.js';
import type { RedisKeyspace } from './keyspace.js';
import { BEGIN, DELETE_IF_UNTOUCHED, END, RENEW, TOUCHED_SINCE } from './scripts.js';

/** How long an open sweep lives without its gc renewing it: a gc that dies holds writers' recording no longer. */
export const SWEEP_LEASE_MS = 30_000;
/** How often a live gc renews its lease (marking a large graph may take longer than one lease). */
const RENEW_EVERY_MS = SWEEP_LEASE_MS / 3;

/**
 * The sweep's shared state on the server, as the scripts of scripts.ts keep it: a sorted set
 * of open sweeps (token -> lease deadline, the key expiring with the latest lease), the sequence
 * (INCR per recording script) and the touched set (hex key -> sequence of its latest record).
 */
export class RedisSweepState {
  readonly #conn: RedisConnection;
  readonly #keys: readonly string[];
  readonly #where: string;
  /** This handle's open sweep, if any. */
  #token: string | undefined;
  #renewal: NodeJS.Timeout | undefined;
  /** Set when a renewal found the lease ended: the next operation of the sweep fails. */
  #lost = false;

  constructor(conn: RedisConnection, ks: RedisKeyspace, where: string) {
    this.#conn = conn;
    this.#keys = [ks.sweepsKey, ks.seqKey, ks.touchedKey];
    this.#where = where;
  }

  /** The three sweep keys, first in every sweep script's KEYS. */
  get keys(): readonly string[] {
    return this.#keys;
  }

  /** Opens a sweep (one per handle at a time): the sequence now and how many other sweeps are open. */
  async begin(): Promise<{ seq: number; others: number }> {
    if (this.#token !== undefined) throw new PagableError('IO', `opening a gc sweep on ${this.#where}: this handle has one open already`);
    const token = randomUUID();
    // Taken before the first await, so that a second begin() meanwhile is refused too.
    this.#token = token;
    this.#lost = false;
    let reply: unknown;
    try {
      reply = await this.#conn.run('opening a gc sweep', () => this.#conn.eval(BEGIN, this.#keys, [token, SWEEP_LEASE_MS]));
    } catch (e) {
      this.#token = undefined;
      throw e;
    }
    const [seq, others] = reply as [number, number];
    this.#renewal = setInterval(() => {
      void this.#renew(token);
    }, RENEW_EVERY_MS);
    // A sweep must not keep the process alive; its lease ends by itself.
    this.#renewal.unref();
    return { seq: Number(seq), others: Number(others) };
  }

  async #renew(token: string): Promise<void> {
    if (this.#conn.closed) {
      clearInterval(this.#renewal);
      return;
    }
    try {
      const ok = await this.#conn.run('renewing the gc sweep', () => this.#conn.eval(RENEW, this.#keys, [token, SWEEP_LEASE_MS]));
      if (ok === 0 && this.#token === token) this.#lost = true;
    } catch {
      // An outage: the next operation of the sweep reports it; the lease may still hold.
    }
  }

  /** The open sweep's token; IO when none is open or its lease was found ended. */
  current(what: string): string {
    if (this.#token === undefined) throw new PagableError('IO', `${what} on ${this.#where}: no gc sweep is open (call begin() first)`);
    if (this.#lost) throw this.leaseLost(what);
    return this.#token;
  }

  /** IO saying the sweep's lease ended (the gc stalled longer than the lease): its deletions were refused. */
  leaseLost(what: string): PagableError {
    return new PagableError(
      'IO',
      `${what} on ${this.#where}: the gc sweep's lease (${SWEEP_LEASE_MS} ms) ended before it finished; ` +
        'nothing was deleted, run gc again',
    );
  }

  async touchedSince(since: number): Promise<{ keys: DataKey[]; seq: number }> {
    const what = 'reading the keys touched during the gc sweep';
    const token = this.current(what);
    const reply = await this.#conn.run(what, () => this.#conn.eval(TOUCHED_SINCE, this.#keys, [token, SWEEP_LEASE_MS, since]));
    if (reply === -2) throw this.leaseLost(what);
    const [seq, keys] = reply as [number, string[]];
    return { keys: keys as DataKey[], seq: Number(seq) };
  }

  async end(): Promise<void> {
    const token = this.#token;
    if (token === undefined) return;
    this.#token = undefined;
    clearInterval(this.#renewal);
    await this.#conn.run('closing the gc sweep', () => this.#conn.eval(END, this.#keys, [token]));
  }
}

/**
 * SweepGuard on a single Redis server, exact: the store, touch and setRoot scripts record what
 * they write or find while a sweep is open, atomically with doing it, and deleteIfUntouched is
 * one script that checks the sequence and deletes all of its batch or nothing. A sweep whose gc
 * dies ends with its lease (30 s).
 */
export class RedisSweepGuard implements SweepGuard {
  readonly #conn: RedisConnection;
  readonly #ks: RedisKeyspace;
  readonly #state: RedisSweepState;
  readonly #touch: (keys: readonly DataKey[]) => Promise<boolean[]>;

  constructor(conn: RedisConnection, ks: RedisKeyspace, where: string, touch: (keys: readonly DataKey[]) => Promise<boolean[]>) {
    this.#conn = conn;
    this.#ks = ks;
    this.#state = new RedisSweepState(conn, ks, where);
    this.#touch = touch;
  }

  async begin(): Promise<number> {
    return (await this.#state.begin()).seq;
  }

  touchedSince(since: number): Promise<{ keys: DataKey[]; seq: number }> {
    return this.#state.touchedSince(since);
  }

  async deleteIfUntouched(keys: readonly DataKey[], seq: number): Promise<number | undefined> {
    const what = `deleting ${keys.length} unreachable blob(s)`;
    const token = this.#state.current(what);
    const names = keys.map((k) => this.#ks.blobKey(k));
    // One script for the whole batch, however large: all of it or nothing is the point.
    const reply = Number(
      await this.#conn.run(what, () => this.#conn.eval(DELETE_IF_UNTOUCHED, [...this.#state.keys, ...names], [token, SWEEP_LEASE_MS, seq])),
    );
    if (reply === -2) throw this.#state.leaseLost(what);
    return reply === -1 ? undefined : reply;
  }

  end(): Promise<void> {
    return this.#state.end();
  }

  touch(keys: readonly DataKey[]): Promise<boolean[]> {
    return this.#touch(keys);
  }
}

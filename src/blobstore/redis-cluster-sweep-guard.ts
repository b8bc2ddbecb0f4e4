import type { Redis } from 'ioredis';
import type { DataKey } from '../keys/data.js';
import type { SweepGuard } from './interface.js';
import type { RedisConnection } from './redis-connection.js';
import type { RedisKeyspace } from './redis-keyspace.js';
import { CHECK_UNTOUCHED, DELETE_ROOT_IF, RECORD_KEYS, RESTORE, SET_ASIDE, SET_ROOT_RECORDED } from './redis-scripts.js';
import { groupBySlot } from './redis-slots.js';
import { RedisSweepState, SWEEP_LEASE_MS } from './redis-sweep-guard.js';

/**
 * How long `begin()` waits after opening a sweep before the gc may look at the store. A writer
 * that saw no sweep open and finished its write within half of this is treated as having written
 * before the sweep began; a slower one records its keys after the fact (see the class comment).
 */
export const CLUSTER_SETTLE_MS = 500;
/** Blob pairs (blob, tombstone) per set-aside or restore script. */
const PAIR_BATCH = 512;

/** What the guard needs of the store: bounded per-slot primitives. */
export interface ClusterBlobOps {
  /** Per Redis blob key, true when present (no recording); CORRUPT where it holds another type. */
  check(names: readonly string[], what: string): Promise<boolean[]>;
  /** Deletes Redis keys holding blob records: the data bytes freed (unbounded: call inside run). */
  deleteNames(names: readonly string[]): Promise<number>;
  /** Every master's full key names matching a SCAN pattern. */
  scanAll(match: string, what: string): Promise<string[]>;
}

/**
 * SweepGuard on a Redis Cluster. A script runs in one hash slot, and blobs spread over all of
 * them, so what a single server does in one script takes several steps here; the steps are
 * ordered so that the guarantee of the single server still holds, under one timing assumption.
 *
 * Shared state (sweeps, sequence, touched set, roots) lives in the roots key's slot, as on a
 * single server. Then:
 *
 * - **Writers** (putMany, touch) run their per-slot scripts and, in the same round trip, ask
 *   whether a sweep is open. If one is, or if the call took longer than CLUSTER_SETTLE_MS / 2,
 *   they record their keys centrally (one script: only while a sweep is open) and then check
 *   again that every key is present; a putMany rewrites any that is not, a touch reports it
 *   absent. Two extra round trips, only while a sweep is open.
 * - **setRoot** checks the blob, sets the root and records the key in one central script, then
 *   checks the blob again and takes the root back (false) if it is gone. Exact.
 * - **begin()** opens the sweep and waits CLUSTER_SETTLE_MS before returning, so any write that
 *   ran after the sweep opened without seeing it (a fast writer that asked just before) ran
 *   before begin() returned: such a write counts as before the sweep, exactly like a write
 *   before the marker on a single server.
 * - **deleteIfUntouched** first sets the batch aside (per slot, RENAME to a tombstone in the
 *   blob's slot: readers still get it, writers see it absent), then checks centrally that nothing
 *   was recorded after `seq`, then deletes the tombstones, or puts them all back. A writer that
 *   found a key present before it was set aside has recorded it before re-checking, so either the
 *   gc's check sees the record (everything restored) or the re-check sees the key gone (the
 *   writer rewrites it or fails loudly): all of the batch or nothing, as on a single server.
 *
 * What holds: every key a writer wrote or found present after begin() returned (or recorded
 * while a sweep was open) survives the sweep, or the writer learns it is gone (putMany writes it
 * again, touch answers false, setRoot answers false); a root never names a key the sweep
 * deletes. It rests on one assumption: that CLUSTER_SETTLE_MS / 2 of real time on the writer is
 * shorter than CLUSTER_SETTLE_MS on the gc (clocks that run at the same rate; process pauses only
 * make either side safer). A gc that dies mid-batch leaves tombstones: readers still read them,
 * writers see their keys absent, and the next gc that opens when no other sweep is live puts them
 * back. What a single server gives and a Cluster does not: atomic "check then set" for setRoot
 * without a second look, and writes that never pay extra round trips during a sweep.
 */
export class RedisClusterSweepGuard implements SweepGuard {
  readonly #conn: RedisConnection;
  readonly #ks: RedisKeyspace;
  readonly #state: RedisSweepState;
  readonly #slotOf: (name: string) => number;
  readonly #ops: ClusterBlobOps;

  constructor(conn: RedisConnection, ks: RedisKeyspace, where: string, slotOf: (name: string) => number, ops: ClusterBlobOps) {
    this.#conn = conn;
    this.#ks = ks;
    this.#state = new RedisSweepState(conn, ks, where);
    this.#slotOf = slotOf;
    this.#ops = ops;
  }

  // ---- the gc's side --------------------------------------------------------------------------

  async begin(): Promise<number> {
    const { seq, others } = await this.#state.begin();
    try {
      // Tombstones with no live sweep are a dead gc's: put them back before this one looks.
      if (others === 0) await this.#restoreLeftovers();
    } catch (e) {
      await this.#state.end().catch(() => undefined);
      throw e;
    }
    await new Promise((r) => setTimeout(r, CLUSTER_SETTLE_MS));
    return seq;
  }

  async #restoreLeftovers(): Promise<void> {
    const what = 'restoring blobs a dead gc set aside';
    const { match, keyAt } = this.#ks.tombstonePattern();
    const found = await this.#ops.scanAll(match, what);
    const keys = found.map((full) => full.slice(keyAt, keyAt + 32) as DataKey);
    if (keys.length > 0) await this.#conn.run(what, () => this.#perPairs(RESTORE, keys));
  }

  touchedSince(since: number): Promise<{ keys: DataKey[]; seq: number }> {
    return this.#state.touchedSince(since);
  }

  async deleteIfUntouched(keys: readonly DataKey[], seq: number): Promise<number | undefined> {
    const what = `deleting ${keys.length} unreachable blob(s)`;
    const token = this.#state.current(what);
    if (keys.length === 0) return 0;
    let verdict: number;
    try {
      await this.#conn.run(`${what}: setting them aside`, () => this.#perPairs(SET_ASIDE, keys));
      verdict = Number(await this.#conn.run(what, () => this.#conn.eval(CHECK_UNTOUCHED, this.#state.keys, [token, SWEEP_LEASE_MS, seq])));
      if (verdict === 0) {
        return await this.#conn.run(what, () => this.#ops.deleteNames(keys.map((k) => this.#ks.tombstoneKey(k))));
      }
    } catch (e) {
      // Best effort: whatever is left aside is put back now, or by the next gc.
      await this.#conn.run(`${what}: putting them back`, () => this.#perPairs(RESTORE, keys)).catch(() => undefined);
      throw e;
    }
    await this.#conn.run(`${what}: putting them back`, () => this.#perPairs(RESTORE, keys));
    if (verdict === -2) throw this.#state.leaseLost(what);
    return undefined;
  }

  /** Runs a pair script (blob key, tombstone key) per slot group over `keys`, all at once. */
  async #perPairs(s: typeof SET_ASIDE, keys: readonly DataKey[]): Promise<void> {
    const names = keys.map((k) => this.#ks.blobKey(k));
    await Promise.all(groupBySlot(names, PAIR_BATCH, this.#slotOf).map((g) => {
      const pairs: string[] = [];
      for (const i of g) pairs.push(names[i]!, this.#ks.tombstoneKey(keys[i]!));
      return this.#conn.eval(s, pairs, []);
    }));
  }

  end(): Promise<void> {
    return this.#state.end();
  }

  // ---- the writers' side ----------------------------------------------------------------------

  /** Whether a sweep is open, bounded. */
  #sweepOpen(what: string): Promise<boolean> {
    return this.#conn.run(what, async () => (await (this.#conn.client as Redis).exists(this.#ks.sweepsKey)) === 1);
  }

  /** Records `keys` centrally if a sweep is open: true when recorded. */
  async #record(keys: readonly DataKey[], what: string): Promise<boolean> {
    const unique = [...new Set(keys)];
    const r = await this.#conn.run(what, () => this.#conn.eval(RECORD_KEYS, this.#state.keys, unique));
    return r === 1;
  }

  /**
   * putMany on a Cluster: `write` runs the per-slot store scripts; `rewrite` writes the entries
   * at the given indexes again. See the class comment.
   */
  async put(what: string, keys: readonly DataKey[], write: () => Promise<boolean[]>, rewrite: (indexes: number[]) => Promise<boolean[]>): Promise<boolean[]> {
    const started = performance.now();
    const [written, open] = await Promise.all([write(), this.#sweepOpen(what)]);
    if (!open && performance.now() - started < CLUSTER_SETTLE_MS / 2) return written;
    if (!(await this.#record(keys, what))) return written;
    const present = await this.#ops.check(keys.map((k) => this.#ks.blobKey(k)), what);
    const missing: number[] = [];
    for (let i = 0; i < keys.length; i++) if (!present[i]) missing.push(i);
    if (missing.length > 0) {
      const again = await rewrite(missing);
      for (let j = 0; j < missing.length; j++) written[missing[j]!] = again[j]!;
    }
    return written;
  }

  async touch(keys: readonly DataKey[]): Promise<boolean[]> {
    const what = `touching ${keys.length} blob(s)`;
    const names = keys.map((k) => this.#ks.blobKey(k));
    const started = performance.now();
    const [present, open] = await Promise.all([this.#ops.check(names, what), this.#sweepOpen(what)]);
    if (!open && performance.now() - started < CLUSTER_SETTLE_MS / 2) return present;
    const found: number[] = [];
    for (let i = 0; i < keys.length; i++) if (present[i]) found.push(i);
    if (found.length === 0 || !(await this.#record(found.map((i) => keys[i]!), what))) return present;
    const again = await this.#ops.check(found.map((i) => names[i]!), what);
    for (let j = 0; j < found.length; j++) present[found[j]!] = again[j]!;
    return present;
  }

  /** setRoot on a Cluster; see the class comment. */
  async setRoot(what: string, name: string, key: DataKey): Promise<boolean> {
    const blob = [this.#ks.blobKey(key)];
    if (!(await this.#ops.check(blob, what))[0]) return false;
    const k = this.#ks;
    await this.#conn.run(what, () => this.#conn.eval(SET_ROOT_RECORDED, [k.sweepsKey, k.seqKey, k.touchedKey, k.rootsKey], [name, key]));
    if ((await this.#ops.check(blob, what))[0]) return true;
    // Deleted between the two looks: take the root back unless someone set it to another key since.
    await this.#conn.run(what, () => this.#conn.eval(DELETE_ROOT_IF, [k.rootsKey], [name, key]));
    return false;
  }
}

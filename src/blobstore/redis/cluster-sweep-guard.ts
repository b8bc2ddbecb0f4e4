import type { Redis } from 'ioredis';
import type { DataKey } from '../../keys/data.js';
import type { SweepGuard } from '../interface.js';
import type { RedisConnection } from './connection.js';
import type { RedisKeyspace } from './keyspace.js';
import type { RedisRoots } from './roots.js';
import {
  CHECK_UNTOUCHED,
  DEAD_ASIDE,
  DELETE_ROOT_IF,
  RECORD_KEYS,
  REGISTER_ASIDE,
  RESTORE,
  SET_ASIDE,
  SET_ROOT_RECORDED,
  UNREGISTER_ASIDE,
} from './scripts.js';
import { groupBySlot } from './slots.js';
import { RedisSweepState, SWEEP_LEASE_MS } from './sweep-guard.js';

/**
 * How long `begin()` waits after opening a sweep before the gc may look at the store. A writer
 * that saw no sweep open and finished its write within half of this is treated as having written
 * before the sweep began; a slower one records its keys after the fact (see the class comment).
 */
export const CLUSTER_SETTLE_MS = 500;
/** Blob pairs (blob, tombstone) per set-aside or restore script. */
const PAIR_BATCH = 512;
/**
 * How long the registration of a dead sweep's set-aside blobs is kept (they are put back at every
 * begin() meanwhile): far longer than any lease, so a gc that stalled past its lease and still
 * sets a batch aside before it notices finds its registration there to be undone.
 */
const FORGET_DEAD_ASIDE_MS = 20 * SWEEP_LEASE_MS;

/** What the guard needs of the store: bounded per-slot primitives. */
export interface ClusterBlobOps {
  /** Per Redis blob key, true when present (no recording); CORRUPT where it holds another type. */
  check(names: readonly string[], what: string): Promise<boolean[]>;
  /** Deletes Redis keys holding blob records: the data bytes freed (unbounded: call inside run). */
  deleteNames(names: readonly string[]): Promise<number>;
}

/**
 * SweepGuard on a Redis Cluster. A script runs in one hash slot and blobs spread over all of
 * them, so what one script does on a single server takes several steps here, ordered so that the
 * single server's guarantee still holds, under one timing assumption. The shared state (sweeps,
 * sequence, touched set, the registry of blobs set aside) lives in the roots key's slot.
 *
 * - **Writers** (putMany, touch) run their per-slot scripts and, in the same round trip, ask
 *   whether a sweep is open. If one is, or if the call took CLUSTER_SETTLE_MS / 2 or more, they
 *   record their keys centrally (one script, which records only while a sweep is open) and then
 *   look again that every key is present: putMany writes again any that is not, touch answers
 *   false for it. Two more round trips, only while a sweep is open.
 * - **setRoot** checks the blob, then sets the root and records the key in one central script,
 *   then checks the blob again and takes the root back (answering false) if it went meanwhile.
 * - **begin()** opens the sweep, puts back what dead sweeps left set aside, and waits
 *   CLUSTER_SETTLE_MS before returning: a write that ran after the sweep opened without seeing it
 *   (its writer asked just before) ran before begin() returned, so it counts as before the
 *   sweep, like a write before the marker on a single server.
 * - **deleteIfUntouched** registers the batch centrally, sets it aside (per slot, a RENAME to a
 *   tombstone in the blob's own slot: readers still read it, writers see it absent), checks
 *   centrally that nothing was recorded after `seq` (and unregisters it), then deletes the
 *   tombstones; or puts them all back when something was recorded. A writer that found a key
 *   present before it was set aside recorded it before looking again, so either the gc's check
 *   sees the record (the whole batch comes back) or the writer's second look sees the key gone
 *   (it writes it again or fails loudly): all of the batch or nothing, as on a single server.
 *
 * What holds: every key a writer wrote or found present after begin() returned, or recorded while
 * the sweep was open, survives the sweep, or the writer learns that it is gone (putMany writes it
 * again, touch and setRoot answer false). A root set while the sweep runs names a surviving key,
 * except for the moment between setRoot's central write and its second look, when a reader may
 * see the root and then NOT_FOUND for its blob. Readers never see a set-aside blob missing: they
 * read its tombstone.
 *
 * The assumption: CLUSTER_SETTLE_MS / 2 measured by a writer is less real time than
 * CLUSTER_SETTLE_MS slept by the gc (clocks run at the same rate; a pause of either process only
 * makes its side safer).
 *
 * What a dead gc leaves: blobs it registered and set aside but neither deleted nor put back;
 * readers read them, writers see them absent (putMany writes them again, touch answers false),
 * and the next begin() of any gc puts them back (a live sweep's batch is never touched). A gc that
 * dies after its check and before its delete leaves tombstones nobody restores or deletes: they
 * take space (invisible to keys()) but lose nothing, those blobs being garbage. During a resharding
 * a batch with a blob in a slot being moved fails (IO, its batch put back): run gc again after it.
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
    const { seq } = await this.#state.begin();
    try {
      await this.#restoreDead();
    } catch (e) {
      await this.#state.end().catch(() => undefined);
      throw e;
    }
    await new Promise((r) => setTimeout(r, CLUSTER_SETTLE_MS));
    return seq;
  }

  /** Puts back what sweeps that died (their lease ended) had set aside; live sweeps' blobs are left alone. */
  async #restoreDead(): Promise<void> {
    const what = 'restoring blobs a dead gc set aside';
    const k = this.#ks;
    const dead = (await this.#conn.run(what, () => this.#conn.eval(DEAD_ASIDE, [k.sweepsKey, k.asideKey], ['list']))) as DataKey[];
    if (dead.length === 0) return;
    await this.#conn.run(what, () => this.#perPairs(RESTORE, dead));
    await this.#conn.run(what, () => this.#conn.eval(DEAD_ASIDE, [k.sweepsKey, k.asideKey], ['forget', FORGET_DEAD_ASIDE_MS]));
  }

  touchedSince(since: number): Promise<{ keys: DataKey[]; seq: number }> {
    return this.#state.touchedSince(since);
  }

  async deleteIfUntouched(keys: readonly DataKey[], seq: number): Promise<number | undefined> {
    const what = `deleting ${keys.length} unreachable blob(s)`;
    const token = this.#state.current(what);
    if (keys.length === 0) return 0;
    const central = [...this.#state.keys, this.#ks.asideKey];
    const putBack = async (): Promise<void> => {
      await this.#conn.run(`${what}: putting them back`, () => this.#perPairs(RESTORE, keys));
      await this.#conn.run(`${what}: putting them back`, () => this.#conn.eval(UNREGISTER_ASIDE, [this.#ks.asideKey], [token, ...keys]));
    };
    // Registered first, so that whatever this gc sets aside and leaves behind (it dies) is put back.
    const registered = Number(await this.#conn.run(what, () => this.#conn.eval(REGISTER_ASIDE, central, [token, SWEEP_LEASE_MS, ...keys])));
    if (registered === -2) throw this.#state.leaseLost(what);
    let verdict: number;
    try {
      await this.#conn.run(`${what}: setting them aside`, () => this.#perPairs(SET_ASIDE, keys));
      verdict = Number(await this.#conn.run(what, () => this.#conn.eval(CHECK_UNTOUCHED, central, [token, SWEEP_LEASE_MS, seq, ...keys])));
    } catch (e) {
      // Best effort: whatever is left aside is put back now, or by the next gc.
      await putBack().catch(() => undefined);
      throw e;
    }
    if (verdict === 0) {
      // Decided: from here a failure leaves tombstones that readers still read and nobody restores.
      return this.#conn.run(what, () => this.#ops.deleteNames(keys.map((k) => this.#ks.tombstoneKey(k))));
    }
    await putBack();
    if (verdict === -2) throw this.#state.leaseLost(what);
    return undefined;
  }

  /** Runs a pair script (blob key, tombstone key) per slot group over `keys`, all at once. */
  async #perPairs(s: typeof SET_ASIDE, keys: readonly DataKey[]): Promise<void> {
    const names = keys.map((k) => this.#ks.blobKey(k));
    await Promise.all(
      groupBySlot(names, PAIR_BATCH, this.#slotOf).map((g) => {
        const pairs: string[] = [];
        for (const i of g) pairs.push(names[i]!, this.#ks.tombstoneKey(keys[i]!));
        return this.#conn.eval(s, pairs, []);
      }),
    );
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
  async put(
    what: string,
    keys: readonly DataKey[],
    write: () => Promise<boolean[]>,
    rewrite: (indexes: number[]) => Promise<boolean[]>,
  ): Promise<boolean[]> {
    const started = performance.now();
    const [written, open] = await Promise.all([write(), this.#sweepOpen(what)]);
    if (!open && performance.now() - started < CLUSTER_SETTLE_MS / 2) return written;
    if (!(await this.#record(keys, what))) return written;
    const present = await this.#ops.check(
      keys.map((k) => this.#ks.blobKey(k)),
      what,
    );
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
    if (
      found.length === 0 ||
      !(await this.#record(
        found.map((i) => keys[i]!),
        what,
      ))
    )
      return present;
    const again = await this.#ops.check(
      found.map((i) => names[i]!),
      what,
    );
    for (let j = 0; j < found.length; j++) present[found[j]!] = again[j]!;
    return present;
  }

  /** setRoot on a Cluster (`field`: the name's bytes in the roots hash); see the class comment. */
  async setRoot(what: string, field: Buffer, key: DataKey, roots: Pick<RedisRoots, 'run'>): Promise<boolean> {
    const blob = [this.#ks.blobKey(key)];
    if (!(await this.#ops.check(blob, what))[0]) return false;
    const k = this.#ks;
    await roots.run(what, () => this.#conn.eval(SET_ROOT_RECORDED, [k.sweepsKey, k.seqKey, k.touchedKey, k.rootsKey], [field, key]));
    if ((await this.#ops.check(blob, what))[0]) return true;
    // Deleted between the two looks: take the root back unless someone set it to another key since.
    await roots.run(what, () => this.#conn.eval(DELETE_ROOT_IF, [k.rootsKey], [field, key]));
    return false;
  }
}

import type { Redis } from 'ioredis';
import type { DataKey } from '../../keys/data.js';
import { PagableError } from '../../error.js';
import { blobRecordDataLength } from '../blob-record.js';
import type { RedisConnection } from './connection.js';
import type { RedisKeyspace } from './keyspace.js';
import { DELETE, STORE, TOUCH } from './scripts.js';
import { groupBySlot, perGroup } from './slots.js';

/*
 * The per-key commands a batch of blob keys becomes (groups of one slot on a Cluster, a script per
 * group or, where the server refuses scripts, pipelined plain commands) and the per-key answers read
 * back from their replies. Kept apart from RedisBlobStore (redis-blob-store.ts), which decides what a call does
 * and guards it against sweeps, so the wire level of every batch, with and without scripts, is in
 * one place.
 */

/** Keys per MGET, pipeline or script of reads: bounds one request's size while keeping commands few. */
const BATCH = 1024;
/** Blobs per store script: the server runs a script alone, so keep each to about half a millisecond. */
const SCRIPT_BATCH = 256;

/** The batched reads, writes, checks and deletes of one RedisBlobStore's blob keys. */
export class RedisBatches {
  readonly #conn: RedisConnection;
  readonly #keys: RedisKeyspace;
  /** Key -> hash slot on a Cluster; undefined on a single server. */
  readonly #slotOf: ((name: string) => number) | undefined;
  /** False when the server refused EVAL (scripting disabled or not permitted to this user). */
  readonly #scripting: boolean;
  /** The store's name, for messages. */
  readonly #name: string;

  constructor(
    conn: RedisConnection,
    keys: RedisKeyspace,
    slotOf: ((name: string) => number) | undefined,
    scripting: boolean,
    name: string,
  ) {
    this.#conn = conn;
    this.#keys = keys;
    this.#slotOf = slotOf;
    this.#scripting = scripting;
    this.#name = name;
  }

  /** SET NX per key: true where written, false where present; CORRUPT where the key holds another type. */
  async store(keys: readonly string[], records: readonly Buffer[], what: string): Promise<boolean[]> {
    if (!this.#scripting) {
      return this.#batch(keys, SCRIPT_BATCH, async (g) => {
        const p = (this.#conn.client as Redis).pipeline();
        for (const i of g) p.set(keys[i]!, records[i]!, 'NX');
        return (await execPipeline(p)).map((r) => r === 'OK');
      });
    }
    const sweepKeys = this.#sweepKeys();
    const codes = await this.#batch(keys, SCRIPT_BATCH, async (g) => {
      const reply = await this.#conn.eval(
        STORE,
        [...sweepKeys, ...g.map((i) => keys[i]!)],
        [sweepKeys.length, ...g.map((i) => records[i]!)],
      );
      return asCodes(reply, g.length);
    });
    return codes.map((c, i) => {
      if (c === 2) throw this.wrongType(keys[i]!, what);
      return c === 1;
    });
  }

  /**
   * Runs `send` once per group of `names` (a run of at most `size` keys, of one slot on a Cluster),
   * all at once; the per-key replies in input order. On a Cluster a group caught in a slot
   * migration is sent again key by key.
   */
  #batch<R>(names: readonly string[], size: number, send: (indexes: number[]) => Promise<readonly R[]>): Promise<R[]> {
    return perGroup(groupBySlot(names, size, this.#slotOf), names.length, send, this.#slotOf !== undefined);
  }

  /** The sweep keys that lead a store or touch script: on a single server only (a Cluster script stays in one slot). */
  #sweepKeys(): string[] {
    return this.#slotOf === undefined ? [this.#keys.sweepsKey, this.#keys.seqKey, this.#keys.touchedKey] : [];
  }

  /** CORRUPT: the Redis key `redisKey` holds another type than a blob record. */
  wrongType(redisKey: string, what: string): PagableError {
    return new PagableError(
      'CORRUPT',
      `${what}: the Redis key ${redisKey} in ${this.#name} holds another Redis type than a blob record (a string)`,
    );
  }

  /** The blob records at `names` (the Redis keys of blobs `keys`), null where absent; CORRUPT where of another type. */
  async read(names: readonly string[], keys: readonly DataKey[], what: string): Promise<Array<Buffer | null>> {
    const got = await this.#batch(names, BATCH, (g) => (this.#conn.client as Redis).mgetBuffer(...g.map((i) => names[i]!)));
    const missing: number[] = [];
    for (let i = 0; i < got.length; i++) if (got[i] === null) missing.push(i);
    if (missing.length > 0) await this.#explainMissing(names, got, missing, keys, what);
    return got;
  }

  /**
   * MGET answers nil for an absent key and for a key of another type alike: tell them apart
   * (CORRUPT for the latter), and on a Cluster read a blob a gc has set aside but not yet deleted.
   * There the blob and its tombstone are read again in one transaction (they share a slot): read
   * one after the other, a blob the gc puts back in between (its batch was touched) is missed in
   * both places, and a gc marking through it would then delete its children.
   */
  async #explainMissing(
    names: readonly string[],
    got: Array<Buffer | null>,
    missing: readonly number[],
    keys: readonly DataKey[],
    what: string,
  ): Promise<void> {
    const c = this.#conn.client as Redis;
    await Promise.all(
      missing.map(async (i) => {
        const name = names[i]!;
        if (this.#slotOf === undefined) {
          const type = await c.type(name);
          if (type !== 'none' && type !== 'string') throw this.wrongType(name, what);
          return;
        }
        const replies = await c.multi().type(name).getBuffer(name).getBuffer(this.#keys.tombstoneKey(keys[i]!)).exec();
        if (replies === null) throw new PagableError('IO', `${what}: the read of ${name} in ${this.#name} was aborted`);
        const failed = replies.find(([e]) => e !== null)?.[0];
        const [type, blob, aside] = replies.map(([, v]) => v) as [string, Buffer | null, Buffer | null];
        if (type !== 'none' && type !== 'string') throw this.wrongType(name, what);
        if (failed) throw failed;
        got[i] = blob ?? aside;
      }),
    );
  }

  /**
   * Per key, true when present (CORRUPT when of another type); with `record`, on a single server,
   * present keys are recorded while a sweep is open (SweepGuard.touch).
   */
  async check(names: readonly string[], record: boolean, what: string): Promise<boolean[]> {
    let codes: number[];
    if (!this.#scripting) {
      codes = await this.#batch(names, BATCH, async (g) => {
        const p = (this.#conn.client as Redis).pipeline();
        for (const i of g) p.type(names[i]!);
        return (await execPipeline(p)).map((t) => (t === 'string' ? 1 : t === 'none' ? 0 : 2));
      });
    } else {
      const sweepKeys = record ? this.#sweepKeys() : [];
      codes = await this.#batch(names, BATCH, async (g) => {
        const reply = await this.#conn.eval(TOUCH, [...sweepKeys, ...g.map((i) => names[i]!)], [sweepKeys.length]);
        return asCodes(reply, g.length);
      });
    }
    return codes.map((c, i) => {
      if (c === 2) throw this.wrongType(names[i]!, what);
      return c === 1;
    });
  }

  /** Deletes Redis keys holding blob records (blobs or tombstones): the data bytes freed. */
  async deleteNames(names: readonly string[]): Promise<number> {
    if (!this.#scripting) return this.#deleteByPipeline(names);
    // One reply per command, not per key: a group that meets a slot in migration is split here.
    const groups = groupBySlot(names, BATCH, this.#slotOf).flatMap((g) => (this.#slotOf === undefined ? [g] : g.map((i) => [i])));
    const freed = await Promise.all(
      groups.map(async (g) =>
        Number(
          await this.#conn.eval(
            DELETE,
            g.map((i) => names[i]!),
            [],
          ),
        ),
      ),
    );
    return freed.reduce((a, b) => a + b, 0);
  }

  async #deleteByPipeline(names: readonly string[]): Promise<number> {
    const freed = await this.#batch(names, BATCH, async (g) => {
      const p = (this.#conn.client as Redis).pipeline();
      for (const i of g) p.type(names[i]!).getrangeBuffer(names[i]!, 0, 4).strlen(names[i]!).unlink(names[i]!);
      const replies = await (p.exec() as Promise<Array<[Error | null, unknown]> | null>);
      if (replies === null) throw new Error('the pipeline was discarded');
      return g.map((i, j) => {
        const [, type] = replies[4 * j]!;
        const [, head] = replies[4 * j + 1]!;
        const [, length] = replies[4 * j + 2]!;
        const [err, removed] = replies[4 * j + 3]!;
        if (err !== null) throw err;
        if (removed !== 1 || type !== 'string') return 0;
        try {
          return blobRecordDataLength(head as Buffer, names[i]!, length as number);
        } catch {
          return 0; // a malformed record is garbage too: freed, with no data bytes to count
        }
      });
    });
    return freed.reduce((a, b) => a + b, 0);
  }
}

/** The per-key integer codes a script answered; an Error when the reply is not that. */
function asCodes(reply: unknown, n: number): number[] {
  if (!Array.isArray(reply) || reply.length !== n) throw new Error('unexpected reply to a pagable script');
  return reply as number[];
}

/** Runs a pipeline: the replies in order, or the first command's error. */
async function execPipeline(p: ReturnType<Redis['pipeline']>): Promise<unknown[]> {
  const replies = await p.exec();
  if (replies === null) throw new Error('the pipeline was discarded');
  return replies.map(([err, reply]) => {
    if (err !== null) throw err;
    return reply;
  });
}

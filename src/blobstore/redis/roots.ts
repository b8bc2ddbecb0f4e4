import { type DataKey, isDataKey } from '../../keys/data.js';
import { PagableError } from '../../error.js';
import { decodeWtf8Exact, encodeWtf8 } from '../../text/wtf8.js';
import type { RootEntry } from '../interface.js';
import type { RedisConnection } from './connection.js';

/** What HSCAN is asked for per step when listing. */
const HSCAN_COUNT = 1000;

/**
 * The named roots of a Redis store: one hash whose fields are the names' WTF-8 bytes and whose
 * values are hex keys. Names go to Redis as bytes, never as JS strings (ioredis would write those
 * as UTF-8, where every lone surrogate becomes U+FFFD and distinct names share a field); WTF-8 is
 * UTF-8 for well-formed names, so hashes written before read the same. The hash holding another
 * Redis type is CORRUPT, as a blob key of another type is.
 */
export class RedisRoots {
  readonly #conn: RedisConnection;
  readonly #key: string;
  readonly #store: string;

  constructor(conn: RedisConnection, rootsKey: string, storeName: string) {
    this.#conn = conn;
    this.#key = rootsKey;
    this.#store = storeName;
  }

  /** The hash field of root `name`. */
  field(name: string): Buffer {
    return encodeWtf8(name);
  }

  /** Runs `op` bounded like any operation; a WRONGTYPE reply (the hash, or a key a script touched with it, of another type) is CORRUPT. */
  run<T>(what: string, op: () => Promise<T>): Promise<T> {
    return this.#conn.run(what, () =>
      op().catch((e: unknown) => {
        if (!(e instanceof Error) || !/\bWRONGTYPE\b/.test(e.message)) throw e;
        throw new PagableError(
          'CORRUPT',
          `${what}: the Redis key ${this.#key} in ${this.#store} (the roots) or a gc key beside it holds another Redis type`,
          { cause: e },
        );
      }),
    );
  }

  /** The key root `name` holds, if set. */
  async get(name: string): Promise<DataKey | undefined> {
    const v = await this.run(`reading root "${name}"`, () => this.#conn.client.hget(this.#key, this.field(name)));
    return v === null ? undefined : this.#checked(name, v);
  }

  /** Sets the field without looking at the blob (for servers that refuse scripts; the caller looked). */
  async put(what: string, name: string, key: DataKey): Promise<void> {
    await this.run(what, () => this.#conn.client.hset(this.#key, this.field(name), key));
  }

  /** Removes root `name`; true if it existed. */
  async delete(name: string): Promise<boolean> {
    return (await this.run(`deleting root "${name}"`, () => this.#conn.client.hdel(this.#key, this.field(name)))) === 1;
  }

  /** Every root, each once (HSCAN may repeat a field); a field that is not WTF-8 is CORRUPT. */
  async list(): Promise<RootEntry[]> {
    const found = new Map<string, DataKey>();
    let cursor = '0';
    do {
      const [next, flat] = await this.run('listing roots', () => this.#conn.client.hscanBuffer(this.#key, cursor, 'COUNT', HSCAN_COUNT));
      cursor = next.toString();
      for (let i = 0; i + 1 < flat.length; i += 2) {
        const name = decodeWtf8Exact(flat[i]!);
        if (name === undefined) {
          throw new PagableError(
            'CORRUPT',
            `listing roots: a field of ${this.#key} in ${this.#store} is not a root name (not WTF-8): ${flat[i]!.subarray(0, 40).toString('hex')}`,
          );
        }
        found.set(name, this.#checked(name, flat[i + 1]!.toString('latin1')));
      }
    } while (cursor !== '0');
    return [...found].map(([name, key]) => ({ name, key }));
  }

  #checked(name: string, v: string): DataKey {
    if (!isDataKey(v)) {
      throw new PagableError('CORRUPT', `root "${name}" in ${this.#store} is malformed: ${JSON.stringify(String(v).slice(0, 40))}`);
    }
    return v;
  }
}

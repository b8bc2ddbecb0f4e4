import type { DataKey } from '../../keys/data.js';

/*
 * Every Redis key one RedisBlobStore uses, under its prefix (default `pagable:`):
 *
 *   <prefix>b:<hex>             one blob: its blob record (blob-record.ts), a plain string
 *   <prefix>roots               the named roots: one hash, name -> hex key
 *   {<prefix>roots}:sweeps      open gc sweeps: a sorted set, token -> lease deadline (ms)
 *   {<prefix>roots}:seq         the sweep sequence (INCR)
 *   {<prefix>roots}:touched     keys recorded during sweeps: a sorted set, hex -> sequence
 *   {<prefix>roots}:aside       (cluster only) blobs a gc is setting aside: a hash, hex -> "token:ms"
 *   {<prefix>b:<hex>}:gone      (cluster only) a blob a gc has set aside, until it deletes or restores it
 *
 * Blobs carry no hash tag, so on a Redis Cluster they spread over every master by their own
 * key. The sweep keys take the roots key as their hash tag, so they share its slot and one
 * script can update them and the roots together; a tombstone takes its blob's key, so it
 * shares the blob's slot and a rename is enough to set a blob aside.
 */

/** The hash tag of a key as Redis Cluster reads it: between the first `{` and the next `}`, if not empty. */
export function hashTagOf(key: string): string | undefined {
  const open = key.indexOf('{');
  if (open < 0) return undefined;
  const close = key.indexOf('}', open + 1);
  return close > open + 1 ? key.slice(open + 1, close) : undefined;
}

/** A name ioredis will send as `keyPrefix + name` that lands in the slot of `keyPrefix + base`. */
function colocated(keyPrefix: string, base: string, suffix: string): string {
  // A key that already carries a tag keeps it when a brace-free suffix is appended.
  if (hashTagOf(keyPrefix + base) !== undefined) return base + suffix;
  // Otherwise the whole sent key becomes the tag; ioredis prepends keyPrefix outside the braces.
  return `{${keyPrefix}${base}}${suffix}`;
}

/** `prefix` with SCAN's glob characters escaped, so a prefix like `app[1]:` matches only itself. */
export function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}

/** The names of one store's keys, as sent through a client whose ioredis `keyPrefix` is `keyPrefix`. */
export class RedisKeyspace {
  readonly prefix: string;
  readonly rootsKey: string;
  readonly sweepsKey: string;
  readonly seqKey: string;
  readonly touchedKey: string;
  readonly asideKey: string;
  /** Where SCAN finds blob keys: SCAN returns full names, ioredis' keyPrefix included, and MATCH is not prefixed. */
  readonly blobScanPrefix: string;
  readonly #blobPrefix: string;
  readonly #keyPrefix: string;
  /** True when the prefix itself carries a hash tag: every blob then lives in that one slot. */
  readonly #tagged: boolean;

  constructor(prefix: string, keyPrefix: string) {
    this.prefix = prefix;
    this.#keyPrefix = keyPrefix;
    this.#blobPrefix = `${prefix}b:`;
    this.rootsKey = `${prefix}roots`;
    this.sweepsKey = colocated(keyPrefix, this.rootsKey, ':sweeps');
    this.seqKey = colocated(keyPrefix, this.rootsKey, ':seq');
    this.touchedKey = colocated(keyPrefix, this.rootsKey, ':touched');
    this.asideKey = colocated(keyPrefix, this.rootsKey, ':aside');
    this.blobScanPrefix = keyPrefix + this.#blobPrefix;
    this.#tagged = hashTagOf(keyPrefix + prefix) !== undefined;
  }

  /** The Redis key holding blob `key`. */
  blobKey(key: DataKey): string {
    return this.#blobPrefix + key;
  }

  /** Where a cluster gc sets blob `key` aside: a name in the blob's own slot. */
  tombstoneKey(key: DataKey): string {
    return this.#tagged ? `${this.prefix}gone:${key}` : `{${this.#keyPrefix}${this.#blobPrefix}${key}}:gone`;
  }

  /** The sent name of a key as the server sees it (ioredis' keyPrefix included), for slot arithmetic. */
  full(name: string): string {
    return this.#keyPrefix + name;
  }
}

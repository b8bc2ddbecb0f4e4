/*
 * The storages the fuzzer attacks, each with, where the backend has one, raw access to its stored
 * records: writing a record under a key it does not hash to is how a damaged or hostile store
 * looks to pagable. Raw access uses the backend's own client (lmdb, ioredis) and the record layout
 * of src/blobstore/blob-record.ts; each backend checks at open that its idea of where and how
 * records are stored still holds, so a layout change fails loudly instead of fuzzing nothing.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { type RootDatabase, type Database, open as openEnv } from 'lmdb';
import {
  type DataKey,
  InMemoryPagableStorage,
  LmdbPagableStorage,
  type PagableData,
  type PagableStorage,
  type PagableStorageBase,
  RedisPagableStorage,
} from '../../src/index.js';
import { encodeBlobRecord } from '../../src/blobstore/blob-record.js';

/** The backends the fuzzer attacks, in the order their runs appear. */
export type BackendName = 'memory' | 'lmdb' | 'redis';
export const BACKENDS: readonly BackendName[] = ['memory', 'lmdb', 'redis'];

/**
 * Raw records of a backend that stores them in a key-value store. They live in a store of their
 * own (another LMDB directory, another Redis prefix), holding the corpus only, so that store-wide
 * scans stay small however many mutants the stored cases add to the main store.
 */
export interface RawRecords {
  /** Copies blobs into the raw store (the corpus, before any case runs). */
  seed(blobs: readonly PagableData[]): Promise<void>;
  /** A new handle on the raw store, with empty arc caches; `verify` as given. */
  open(verify: boolean): Promise<PagableStorageBase>;
  get(key: DataKey): Promise<Uint8Array | undefined>;
  put(key: DataKey, record: Uint8Array): Promise<void>;
  /**
   * Writes `record` under a name that is no key at all (`name` bytes for LMDB, where keys are
   * 16 bytes; `name` as hex after the blob prefix for Redis); resolves to a function removing it.
   */
  putStray(name: Uint8Array, record: Uint8Array): Promise<() => Promise<void>>;
}

/** One opened backend under attack. */
export interface FuzzBackend {
  readonly name: BackendName;
  /** The honest handle: the corpus is saved through it, and blobs stored under their own keys. */
  readonly storage: PagableStorage;
  readonly syncFetch: boolean;
  readonly raw: RawRecords | undefined;
  close(): Promise<void>;
}

/** Where a backend lives when it is a server. */
export interface BackendOptions {
  /** Required for Redis. */
  redisUrl?: string;
  /** Distinguishes concurrent fuzzers on one Redis server. */
  tag?: string;
}

/** Copies `blobs` through a fresh handle of `raw`. */
async function seedThrough(raw: RawRecords, blobs: readonly PagableData[]): Promise<void> {
  const h = await raw.open(true);
  try {
    for (const b of blobs) await h.storeData(b);
  } finally {
    await h.close();
  }
}

/** Checks that a record read raw is the layout's encoding of what the storage returns. */
async function checkLayout(raw: RawRecords, what: string): Promise<void> {
  const h = await raw.open(true);
  try {
    const key = await h.storeData({ data: new Uint8Array([0x91, 0x01]), arcs: ['71e0a99173564931c0b8acc52d2685a8'] });
    const rec = await raw.get(key);
    const want = encodeBlobRecord(await h.fetchData(key));
    if (rec === undefined || Buffer.compare(Buffer.from(rec), Buffer.from(want)) !== 0) {
      throw new Error(
        `the fuzzer's raw access to ${what} is out of date: the record of ${key} is not where or how ` +
          "test/support/fuzz-backends.ts expects it; update it to the backend's layout",
      );
    }
  } finally {
    await h.close();
  }
}

async function openMemory(): Promise<FuzzBackend> {
  const storage = new InMemoryPagableStorage();
  return { name: 'memory', storage, syncFetch: true, raw: undefined, close: () => storage.close() };
}

async function openLmdb(): Promise<FuzzBackend> {
  const main = mkdtempSync(join(tmpdir(), 'pagable-fuzz-'));
  const rawDir = mkdtempSync(join(tmpdir(), 'pagable-fuzz-raw-'));
  // No fsync: the fuzzer attacks decoding, not durability, and a commit per case would dominate.
  const storage = await LmdbPagableStorage.open(main, { noSync: true });
  // The raw client: lmdb shares one environment per path in a process with the storages' handles.
  const env: RootDatabase = openEnv({ path: rawDir, maxDbs: 4, noSync: true });
  const blobs: Database<Uint8Array, Uint8Array> = env.openDB<Uint8Array, Uint8Array>('blobs', {
    keyEncoding: 'binary',
    encoding: 'binary',
  });
  const raw: RawRecords = {
    seed: (list) => seedThrough(raw, list),
    open: (verify) => LmdbPagableStorage.open(rawDir, { verify, countAtOpen: false, noSync: true }),
    get: async (key) => {
      const r = blobs.getBinary(Buffer.from(key, 'hex'));
      return r === undefined ? undefined : new Uint8Array(r);
    },
    put: async (key, record) => {
      await blobs.put(Buffer.from(key, 'hex'), record);
    },
    putStray: async (name, record) => {
      await blobs.put(Buffer.from(name), record);
      return async () => {
        await blobs.remove(Buffer.from(name));
      };
    },
  };
  await checkLayout(raw, 'LMDB');
  return {
    name: 'lmdb',
    storage,
    syncFetch: true,
    raw,
    close: async () => {
      await storage.close();
      await env.close();
      rmSync(main, { recursive: true, force: true });
      rmSync(rawDir, { recursive: true, force: true });
    },
  };
}

async function openRedis(url: string, tag: string): Promise<FuzzBackend> {
  const prefix = `fuzz-${tag}:`;
  const rawPrefix = `fuzz-${tag}-raw:`;
  const storage = await RedisPagableStorage.connect({ url, prefix });
  const client = new Redis(url);
  const raw: RawRecords = {
    seed: (list) => seedThrough(raw, list),
    // Handles share one client (close() leaves a client passed in open): no connection per case.
    open: (verify) => RedisPagableStorage.connect({ client, prefix: rawPrefix, verify }),
    get: async (key) => {
      const r = await client.getBuffer(`${rawPrefix}b:${key}`);
      return r === null ? undefined : new Uint8Array(r);
    },
    put: async (key, record) => {
      await client.set(`${rawPrefix}b:${key}`, Buffer.from(record));
    },
    putStray: async (name, record) => {
      const k = `${rawPrefix}b:${Buffer.from(name).toString('hex')}`;
      await client.set(k, Buffer.from(record));
      return async () => {
        await client.del(k);
      };
    },
  };
  await checkLayout(raw, 'Redis');
  return {
    name: 'redis',
    storage,
    syncFetch: false,
    raw,
    close: async () => {
      await storage.close();
      // Leave the shared server as it was found.
      for (const p of [prefix, rawPrefix]) {
        let cursor = '0';
        do {
          const [next, keys] = await client.scan(cursor, 'MATCH', `${p}*`, 'COUNT', 1000);
          if (keys.length > 0) await client.del(...keys);
          cursor = next;
        } while (cursor !== '0');
      }
      client.disconnect();
    },
  };
}

/** Opens a fresh, empty store of `name`. */
export function openBackend(name: BackendName, options: BackendOptions = {}): Promise<FuzzBackend> {
  switch (name) {
    case 'memory':
      return openMemory();
    case 'lmdb':
      return openLmdb();
    case 'redis': {
      if (options.redisUrl === undefined) throw new Error('the Redis fuzz backend needs a server url');
      return openRedis(options.redisUrl, options.tag ?? String(process.pid));
    }
  }
}

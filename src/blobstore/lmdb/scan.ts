import type { Database } from 'lmdb';
import type { DataKey } from '../../keys/data.js';
import { PagableError, toPagableError } from '../../error.js';
import { readBlobRecordLayout } from '../blob-record.js';
import type { LmdbBlobInfo } from './options.js';

/*
 * Going through the blobs table of an LMDB store (iterating, listing, prefix lookups), kept apart
 * from the store's per-key reads because only these must bound their reads: they read in chunks,
 * each synchronously, so no read transaction is held while a consumer awaits between entries.
 */

/** Keys per read when iterating, so no LMDB read transaction is held across an await. */
const SCAN_CHUNK = 4096;

/** What a scan needs of its store. */
export interface LmdbScanHost {
  /** The store's directory, for messages. */
  name: string;
  blobs: Database<Uint8Array, Uint8Array>;
  /** STORAGE_CLOSED once the store is closed. */
  checkOpen(what: string): void;
  /** Runs an LMDB read; a failure renews the read snapshot and is mapped. */
  read<T>(what: string, body: () => T): T;
}

/** The hex of a stored key; CORRUPT when LMDB holds a key that is not 16 bytes. */
function hexOf(k: Uint8Array, name: string): DataKey {
  if (k.length !== 16) {
    throw new PagableError(
      'CORRUPT',
      `the blobs table of ${name} holds a ${k.length}-byte key ${Buffer.from(k).toString('hex').slice(0, 64)}, not a 16-byte blob key`,
    );
  }
  return Buffer.from(k.buffer, k.byteOffset, 16).toString('hex');
}

/** Entries in chunks read synchronously, so no read transaction spans a consumer's await. */
export function* blobChunks(host: LmdbScanHost): Generator<Array<[DataKey, Uint8Array]>> {
  let start: Uint8Array | undefined;
  for (;;) {
    host.checkOpen('iterating blobs');
    const chunk: Array<[DataKey, Uint8Array]> = [];
    host.read('listing blobs', () => {
      const range = host.blobs.getRange(start === undefined ? { limit: SCAN_CHUNK } : { start, exclusiveStart: true, limit: SCAN_CHUNK });
      for (const { key, value } of range) chunk.push([hexOf(key, host.name), value]);
    });
    if (chunk.length === 0) return;
    start = Buffer.from(chunk[chunk.length - 1]![0], 'hex');
    yield chunk;
    if (chunk.length < SCAN_CHUNK) return;
  }
}

/** Every stored blob's key, data size and child count, in key order; malformed records flagged. */
export function* listBlobInfos(host: LmdbScanHost): Generator<LmdbBlobInfo> {
  for (const chunk of blobChunks(host)) {
    for (const [key, value] of chunk) {
      try {
        const { children, dataOffset } = readBlobRecordLayout(value, `blob ${key} in ${host.name}`);
        yield { key, bytes: value.length - dataOffset, children };
      } catch (e) {
        yield { key, bytes: value.length, children: 0, malformed: toPagableError(e, 'CORRUPT', `blob ${key}`) };
      }
    }
  }
}

/** Stored keys beginning with `prefix` (lowercase hex), at most `limit` of them, in key order. */
export function blobKeysWithPrefix(host: LmdbScanHost, prefix: string, limit: number): DataKey[] {
  host.checkOpen('keysWithPrefix');
  if (!/^[0-9a-f]{0,32}$/.test(prefix)) return [];
  const start = Buffer.from(prefix.padEnd(32, '0'), 'hex');
  const out: DataKey[] = [];
  host.read('listing keys', () => {
    for (const k of host.blobs.getKeys({ start })) {
      const hex = hexOf(k, host.name);
      if (!hex.startsWith(prefix) || out.length >= limit) break;
      out.push(hex);
    }
  });
  return out;
}

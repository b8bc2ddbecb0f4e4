import { randomBytes } from 'node:crypto';
import type { Database, RootDatabase } from 'lmdb';
import { type DataKey, isDataKey } from '../../keys/data.js';
import { PagableError } from '../../error.js';
import { lmdbFailure } from './errors.js';
import { inTransaction } from './transaction.js';
import type { SweepGuard } from '../interface.js';

/*
 * The SweepGuard of an LMDB store, exact across processes because every decision is taken inside
 * an LMDB write transaction, and LMDB runs one writer at a time across every process of the store.
 *
 * Two named databases, created by the first writable open (stores from before them keep
 * working; a read-only handle on such a store sees no sweep):
 *   meta     "sweep" -> the marker: f64 seq (last recorded sequence), then per open sweep
 *            8 id bytes + f64 lease expiry (ms since the epoch). No marker: seq 0, no sweep.
 *   touched  u64 big-endian seq -> the 16-byte keys one transaction recorded, concatenated.
 * A writer reads the marker inside its transaction (the only cost while no sweep is open); while
 * one is, it appends one `touched` record and bumps seq. A gc that dies leaves its sweep open
 * until the lease expires; writers then drop it from the marker, and the gc, if it was only slow,
 * finds its sweep gone and stops without deleting.
 */

const MARKER_KEY = Buffer.from('sweep');
const HEAD = 8;
const ENTRY = 16;

/** One open sweep in the marker. */
interface SweepEntry {
  id: Buffer;
  expires: number;
}

/** The marker as read inside a transaction. */
export interface SweepMarker {
  seq: number;
  sweeps: SweepEntry[];
  /** True when expired sweeps were dropped from `sweeps` and the marker must be rewritten. */
  pruned: boolean;
}

/** What the guard needs of its store, all usable inside a write transaction. */
export interface SweepHost {
  readonly path: string;
  readonly env: RootDatabase;
  readonly blobs: Database<Uint8Array, Uint8Array>;
  /** Undefined on a read-only handle of a store from before sweeps. */
  readonly meta: Database<Uint8Array, Uint8Array> | undefined;
  readonly touched: Database<Uint8Array, Uint8Array> | undefined;
  /** Throws when the store is closed or read-only (naming `what`). */
  checkWritable(what: string): void;
  checkOpen(what: string): void;
  /** Deletes `keys` inside the current write transaction: how many blobs and data bytes it removed. */
  deleteInTxn(keys: readonly DataKey[]): { blobs: number; bytes: number };
  /** After a committed delete: the handle's counts. */
  deleted(blobs: number, bytes: number): void;
  /** The store's hasMany: its own writes in flight count as present. */
  hasMany(keys: readonly DataKey[]): boolean[];
}

/** The 8-byte big-endian key of sequence number `seq`. */
function seqKey(seq: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt32BE(Math.floor(seq / 0x1_0000_0000), 0);
  b.writeUInt32BE(seq >>> 0, 4);
  return b;
}

/** Reads the marker from `meta` (in whatever transaction is current), dropping expired sweeps. */
export function readMarker(meta: Database<Uint8Array, Uint8Array> | undefined, path: string, now = Date.now()): SweepMarker {
  const raw = meta?.getBinary(MARKER_KEY);
  if (raw === undefined || raw === null) return { seq: 0, sweeps: [], pruned: false };
  if (raw.length < HEAD || (raw.length - HEAD) % ENTRY !== 0) {
    throw new PagableError('CORRUPT', `the sweep marker in ${path} is malformed (${raw.length} bytes)`);
  }
  const view = Buffer.from(raw.buffer, raw.byteOffset, raw.length);
  const seq = view.readDoubleLE(0);
  const sweeps: SweepEntry[] = [];
  let pruned = false;
  for (let off = HEAD; off < raw.length; off += ENTRY) {
    const expires = view.readDoubleLE(off + 8);
    if (expires > now) sweeps.push({ id: Buffer.from(view.subarray(off, off + 8)), expires });
    else pruned = true;
  }
  return { seq, sweeps, pruned };
}

/** Writes the marker back (inside the current write transaction). */
function writeMarker(meta: Database<Uint8Array, Uint8Array>, m: SweepMarker): void {
  const b = Buffer.alloc(HEAD + ENTRY * m.sweeps.length);
  b.writeDoubleLE(m.seq, 0);
  m.sweeps.forEach((s, i) => {
    s.id.copy(b, HEAD + ENTRY * i);
    b.writeDoubleLE(s.expires, HEAD + ENTRY * i + 8);
  });
  meta.putSync(MARKER_KEY, b);
}

/**
 * Inside a writer's transaction: the marker when a sweep is open, else undefined. Expired sweeps
 * are dropped from the marker on the way (only then does this write).
 */
export function openSweepInTxn(meta: Database<Uint8Array, Uint8Array> | undefined, path: string): SweepMarker | undefined {
  if (meta === undefined) return undefined;
  const m = readMarker(meta, path);
  if (m.pruned) writeMarker(meta, m);
  return m.sweeps.length > 0 ? m : undefined;
}

/** Inside a writer's transaction with a sweep open: records `keys` (16 bytes each, concatenated). */
export function recordInTxn(host: SweepHost, m: SweepMarker, keys: Uint8Array): void {
  if (keys.length === 0) return;
  m.seq++;
  host.touched!.putSync(seqKey(m.seq), keys);
  writeMarker(host.meta!, m);
}

/** Deletes every record of `touched` (inside the current write transaction). */
function clearTouched(touched: Database<Uint8Array, Uint8Array>): void {
  for (const k of [...touched.getKeys({})]) touched.removeSync(k);
}

/** The guard of one store handle; one sweep at a time per handle (nested begins share it). */
export class LmdbSweepGuard implements SweepGuard {
  readonly #host: SweepHost;
  readonly #leaseMs: number;
  /** This handle's sweep id in the marker, while open, and how many begins it answers. */
  #id: Buffer | undefined;
  #depth = 0;
  /** When this handle last renewed its lease (Date.now()), for the message when it is lost. */
  #renewed = 0;

  constructor(host: SweepHost, leaseMs: number) {
    this.#host = host;
    this.#leaseMs = leaseMs;
  }

  /** Runs `body` in one write transaction, mapping LMDB failures to IO naming `what`. */
  async #txn<T>(what: string, body: () => T): Promise<T> {
    const h = this.#host;
    h.checkWritable(what);
    return inTransaction(h.blobs, body, what, h.path);
  }

  /** This handle's live entry in `m`, renewed; undefined when the lease was lost. */
  #mine(m: SweepMarker): SweepEntry | undefined {
    const id = this.#id;
    if (id === undefined) return undefined;
    const e = m.sweeps.find((s) => s.id.equals(id));
    if (e !== undefined) {
      this.#renewed = Date.now();
      e.expires = this.#renewed + this.#leaseMs;
    }
    return e;
  }

  /**
   * The error of a call whose sweep is no longer in the marker `m`: why, as far as this handle can
   * tell (the writer that dropped an expired lease leaves no trace of it).
   */
  #lost(what: string, m: SweepMarker): PagableError {
    const since = Date.now() - this.#renewed;
    const why =
      this.#id === undefined
        ? 'end() ran on this handle'
        : since >= this.#leaseMs
          ? `its last guard call was ${since} ms ago, past its ${this.#leaseMs} ms lease`
          : `its lease was renewed ${since} ms ago (of ${this.#leaseMs}), yet the marker no longer lists it: another handle removed it`;
    return new PagableError(
      'IO',
      `${what}: the gc sweep on ${this.#host.path} lost its lease (${why}; the marker lists ${m.sweeps.length} open sweep(s) at sequence ${m.seq}); nothing was deleted`,
    );
  }

  async begin(): Promise<number> {
    const h = this.#host;
    const r = await this.#txn('opening a gc sweep', () => {
      const m = readMarker(h.meta, h.path);
      if (this.#depth > 0 && this.#mine(m) !== undefined) {
        writeMarker(h.meta!, m);
        return m.seq;
      }
      if (m.sweeps.length === 0) clearTouched(h.touched!);
      const id = randomBytes(8);
      this.#renewed = Date.now();
      m.sweeps.push({ id, expires: this.#renewed + this.#leaseMs });
      writeMarker(h.meta!, m);
      this.#id = id;
      this.#depth = 0;
      return m.seq;
    });
    this.#depth++;
    return r;
  }

  async touchedSince(since: number): Promise<{ keys: DataKey[]; seq: number }> {
    const h = this.#host;
    let lost: SweepMarker | undefined;
    const r = await this.#txn('reading what writers touched during a gc sweep', () => {
      const m = readMarker(h.meta, h.path);
      if (this.#mine(m) === undefined) {
        lost = m;
        return undefined;
      }
      writeMarker(h.meta!, m);
      const keys = new Set<DataKey>();
      for (const { key, value } of h.touched!.getRange({ start: seqKey(since + 1) })) {
        if (value.length % 16 !== 0) {
          throw new PagableError(
            'CORRUPT',
            `touched record ${Buffer.from(key).toString('hex')} in ${h.path} holds ${value.length} bytes, not 16-byte keys`,
          );
        }
        for (let off = 0; off < value.length; off += 16) keys.add(Buffer.from(value.buffer, value.byteOffset + off, 16).toString('hex'));
      }
      return { keys: [...keys], seq: m.seq };
    });
    if (r === undefined) throw this.#lost('touchedSince', lost!);
    return r;
  }

  async deleteIfUntouched(keys: readonly DataKey[], seq: number): Promise<number | undefined> {
    const h = this.#host;
    for (const k of keys) {
      if (!isDataKey(k))
        throw new PagableError(
          'INVALID_ARGUMENT',
          `deleteIfUntouched: ${JSON.stringify(String(k).slice(0, 40))} is not a 32-char lowercase hex key`,
        );
    }
    let lost: SweepMarker | undefined;
    const r = await this.#txn(`deleting ${keys.length} blob(s) in a gc sweep`, () => {
      const m = readMarker(h.meta, h.path);
      if (this.#mine(m) === undefined) {
        lost = m;
        return 'lost' as const;
      }
      writeMarker(h.meta!, m);
      return m.seq === seq ? h.deleteInTxn(keys) : undefined;
    });
    if (r === 'lost') throw this.#lost('deleteIfUntouched', lost!);
    if (r === undefined) return undefined;
    h.deleted(r.blobs, r.bytes);
    return r.bytes;
  }

  async end(): Promise<void> {
    const h = this.#host;
    if (this.#depth === 0) return;
    if (--this.#depth > 0) return;
    const id = this.#id;
    this.#id = undefined;
    await this.#txn('closing a gc sweep', () => {
      const m = readMarker(h.meta, h.path);
      m.sweeps = m.sweeps.filter((s) => !s.id.equals(id!));
      if (m.sweeps.length === 0) clearTouched(h.touched!);
      writeMarker(h.meta!, m);
    });
  }

  touch(keys: readonly DataKey[]): boolean[] | Promise<boolean[]> {
    const h = this.#host;
    h.checkOpen('touch');
    for (const k of keys) {
      if (!isDataKey(k))
        throw new PagableError('INVALID_ARGUMENT', `touch: ${JSON.stringify(String(k).slice(0, 40))} is not a 32-char lowercase hex key`);
    }
    // A fresh snapshot: a sweep whose begin() committed before this read is seen. One that commits
    // after it is a sweep that began after this touch, which is the order the protocol allows.
    try {
      h.env.resetReadTxn();
      if (h.meta === undefined || readMarker(h.meta, h.path).sweeps.length === 0) return h.hasMany(keys);
    } catch (e) {
      throw lmdbFailure(e, `touching ${keys.length} blob(s)`, h.path);
    }
    const bytes = keys.map((k) => Buffer.from(k, 'hex'));
    return this.#txn(`touching ${keys.length} blob(s)`, () => {
      // This handle's writes in flight were queued before this transaction: they have committed
      // (or failed) by now, so the store itself answers.
      const present = bytes.map((b) => h.blobs.doesExist(b));
      const m = openSweepInTxn(h.meta, h.path);
      if (m !== undefined) recordInTxn(h, m, Buffer.concat(bytes.filter((_, i) => present[i])));
      return present;
    });
  }
}

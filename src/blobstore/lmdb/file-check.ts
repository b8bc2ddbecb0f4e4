import { type Stats, closeSync, constants, fstatSync, lstatSync, openSync, readSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { arch } from 'node:os';
import { PagableError } from '../../error.js';

/*
 * Checking an LMDB `data.mdb` before LMDB maps it. LMDB trusts its file: a zeroed, truncated or
 * garbage file, or one meta page with a flipped bit, makes the native addon read outside the map
 * (SIGSEGV / SIGBUS / SIGFPE) instead of failing, and lmdb-js crashes on some of LMDB's own
 * open errors too. So everything LMDB reads to open an environment is checked here first, in JS.
 *
 * Layout (the LMDB 1.0 / "mdb.master3" format lmdb-js 3 bundles, 64-bit; all little-endian):
 * pages 0 and 1 are meta pages, each a 24-byte page header then an MDB_meta:
 *
 *   page header   0 mp_pgno u64 · 8 mp_txnid u64 · 16 mp_pad u16 · 18 mp_flags u16 (P_META 0x08)
 *                 · 20 mp_lower u16 · 22 mp_upper u16 (overflow pages: 20 mp_pages u32)
 *   MDB_meta   +0 mm_magic u32 (0xBEEFC0DE) · +4 mm_version u32 (low 16 bits: 2) · +8 mm_address
 *              +16 mm_mapsize u64 · +24 mm_dbs[0] free-page db · +72 mm_dbs[1] main db
 *              +120 mm_last_pg u64 · +128 mm_txnid u64 · +136 boot_id u64          (144 bytes)
 *   MDB_db     +0 md_pad u32 (page size, in mm_dbs[0]) · +4 md_flags u16 · +6 md_depth u16
 *              +8 md_branch_pages · +16 md_leaf_pages · +24 md_overflow_pages · +32 md_entries
 *              +40 md_root (u64 each; no root: all ones)                            (48 bytes)
 *
 * Transaction N writes meta page N % 2, so a store holds its newest snapshot in one meta page and
 * the one before in the other, and readers take the one with the higher txnid. lmdb-js's
 * overlapping sync adds a third, "flushed" meta at half a page into page 0 (from mm_mapsize on;
 * no magic), which LMDB also weighs at open and after a reboot.
 */

/** LMDB's magic number, first in every meta. */
const MDB_MAGIC = 0xbeefc0de;
/** The data format version LMDB 1.0 writes (low 16 bits of mm_version). */
const MDB_DATA_VERSION = 2;
/** Page header size: this format's pages begin with pgno, txnid, pad, flags, lower/upper. */
export const PAGE_HEADER = 24;
/** Page flags. */
export const P_BRANCH = 0x01;
export const P_LEAF = 0x02;
export const P_OVERFLOW = 0x04;
const P_META = 0x08;
/** MDB_db flags that matter here. */
const MDB_INTEGERKEY = 0x08;
const MDB_ENCRYPT = 0x2000;
/** Main-db flags that would make LMDB refuse to open named databases in it. */
const MAIN_DB_INCOMPATIBLE = 0x7e;
/** LMDB's cursor stack: a tree deeper than this cannot be read. */
export const MAX_DEPTH = 32;
/** Bytes LMDB reads of a meta page before it knows the page size. */
const META_READ = PAGE_HEADER + 144;
/** "No root page": all 64 bits set. */
export const NO_PAGE = -1;
/** How often a failed check is re-read before it counts: another process may be mid-commit. */
const ATTEMPTS = 3;

/**
 * The largest memory map this platform grants one store. x86-64 Linux gives a process 2^47 bytes
 * of address space, and a map LMDB cannot get crashes lmdb-js (measured: 2^46 maps, 2^46.5 does
 * not). Maps of several stores in one process share that space.
 */
export const MAX_MAP_SIZE = arch() === 'x64' || arch() === 'arm64' || arch() === 'ppc64' || arch() === 's390x' ? 2 ** 46 : 2 ** 31;

/** One MDB_db record: a B-tree's root and counters. */
export interface LmdbDbRecord {
  flags: number;
  depth: number;
  branchPages: number;
  leafPages: number;
  overflowPages: number;
  entries: number;
  /** Root page number, or NO_PAGE for an empty tree. */
  root: number;
}

/** One meta: a snapshot's roots. */
export interface LmdbMeta {
  /** Where it was read: `meta page 0`, `meta page 1` or `the flushed meta`. */
  where: string;
  mapSize: number;
  lastPage: number;
  txnId: number;
  free: LmdbDbRecord;
  main: LmdbDbRecord;
}

/** What the check learned of a data file: enough to walk its trees. */
export interface LmdbFileInfo {
  file: string;
  /** File size when checked (it only grows). */
  size: number;
  pageSize: number;
  /** The snapshot a reader opening now takes (the higher txnid). */
  newest: LmdbMeta;
  /** Every meta LMDB may pick (after a reboot it may take an older one). */
  metas: LmdbMeta[];
}

/** Options that reach LMDB's native code, checked before they do. */
export interface LmdbNativeOptions {
  mapSize?: number | undefined;
}

/** Rejects options lmdb-js would pass unchecked to native code: INVALID_ARGUMENT naming the option. */
export function checkLmdbOptions(options: LmdbNativeOptions, path: string): void {
  const m = options.mapSize;
  if (m === undefined) return;
  if (typeof m !== 'number' || !Number.isSafeInteger(m) || m <= 0 || m > MAX_MAP_SIZE) {
    throw new PagableError(
      'INVALID_ARGUMENT',
      `opening LMDB store ${path}: mapSize must be a whole number of bytes from 1 to ${MAX_MAP_SIZE} (what this platform maps), got ${String(m)}`,
    );
  }
}

/** u64 at `off` as a number; NO_PAGE for all ones; Infinity when beyond 2^53 (never sane here). */
export function u64(b: Buffer, off: number): number {
  const lo = b.readUInt32LE(off);
  const hi = b.readUInt32LE(off + 4);
  if (hi === 0xffffffff && lo === 0xffffffff) return NO_PAGE;
  if (hi > 0x1fffff) return Infinity;
  return hi * 0x1_0000_0000 + lo;
}

function readDb(b: Buffer, off: number): LmdbDbRecord {
  return {
    flags: b.readUInt16LE(off + 4),
    depth: b.readUInt16LE(off + 6),
    branchPages: u64(b, off + 8),
    leafPages: u64(b, off + 16),
    overflowPages: u64(b, off + 24),
    entries: u64(b, off + 32),
    root: u64(b, off + 40),
  };
}

/** Reads the meta at `off` (the MDB_meta, after the page header). */
function readMeta(b: Buffer, off: number, where: string): LmdbMeta {
  return {
    where,
    mapSize: u64(b, off + 16),
    lastPage: u64(b, off + 120),
    txnId: u64(b, off + 128),
    free: readDb(b, off + 24),
    main: readDb(b, off + 72),
  };
}

/** Why a db record cannot be, or undefined. */
function dbProblem(db: LmdbDbRecord, lastPage: number, name: string): string | undefined {
  if (db.root === NO_PAGE) {
    return db.depth === 0 ? undefined : `the ${name} db has no root but depth ${db.depth}`;
  }
  if (!(db.root >= 2 && db.root <= lastPage)) return `the ${name} db's root page ${db.root} is outside pages 2..${lastPage}`;
  if (db.depth < 1 || db.depth > MAX_DEPTH) return `the ${name} db's depth ${db.depth} is outside 1..${MAX_DEPTH}`;
  const pages = db.branchPages + db.leafPages + db.overflowPages;
  if (!(pages >= 1 && pages <= lastPage)) return `the ${name} db claims ${pages} pages of ${lastPage + 1}`;
  if (!Number.isFinite(db.entries)) return `the ${name} db's entry count is absurd`;
  return undefined;
}

/** Why a meta cannot be, or undefined. */
function metaProblem(m: LmdbMeta, pageSize: number): string | undefined {
  if (!Number.isFinite(m.txnId) || m.txnId === NO_PAGE) return `${m.where}: absurd txnid`;
  if (!(m.lastPage >= 1 && (m.lastPage + 1) * pageSize <= MAX_MAP_SIZE)) return `${m.where}: absurd last page ${m.lastPage}`;
  // The file may end before the last page when its final pages are free (LMDB never wrote
  // them); the page walk checks that, and that no page in use lies past the end.
  if (!(m.mapSize >= 0 && m.mapSize <= MAX_MAP_SIZE)) return `${m.where}: map size ${m.mapSize} is more than this platform maps`;
  if ((m.free.flags & MDB_INTEGERKEY) === 0) return `${m.where}: the free-page db lost its integer-key flag`;
  if ((m.free.flags & MDB_ENCRYPT) !== 0) return `${m.where}: flags an encrypted store, which pagable never writes`;
  if ((m.main.flags & MAIN_DB_INCOMPATIBLE) !== 0)
    return `${m.where}: main db flags 0x${m.main.flags.toString(16)} cannot hold named databases`;
  return dbProblem(m.free, m.lastPage, 'free-page') ?? dbProblem(m.main, m.lastPage, 'main');
}

/** Reads exactly `length` bytes at `position` (short when the file is shorter). */
export function readAt(fd: number, buf: Buffer, length: number, position: number): number {
  let done = 0;
  while (done < length) {
    const n = readSync(fd, buf, done, length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return done;
}

/** The page size a valid first meta page declares, or why there is none. */
function pageSizeOf(head: Buffer, got: number): number | string {
  if (got < META_READ) return `it has ${got} bytes, less than one LMDB meta page`;
  if ((head.readUInt16LE(18) & P_META) === 0) return 'page 0 is not a meta page (not an LMDB data file)';
  if (head.readUInt32LE(PAGE_HEADER) !== MDB_MAGIC) return 'meta page 0 lacks the LMDB magic number 0xBEEFC0DE';
  const version = head.readUInt32LE(PAGE_HEADER + 4) & 0xffff;
  if (version !== MDB_DATA_VERSION) return `meta page 0 has data format version ${version}, expected ${MDB_DATA_VERSION}`;
  const ps = head.readUInt32LE(PAGE_HEADER + 24);
  if (ps < 512 || ps > 0x10000 || (ps & (ps - 1)) !== 0) return `meta page 0 declares page size ${ps}`;
  return ps;
}

/** One pass over the meta pages: the file's info, or why it is damaged. */
function checkOnce(fd: number, file: string): LmdbFileInfo | string {
  const head = Buffer.alloc(META_READ);
  const got = readAt(fd, head, META_READ, 0);
  const ps = pageSizeOf(head, got);
  if (typeof ps === 'string') return ps;
  const pages = Buffer.alloc(2 * ps);
  if (readAt(fd, pages, 2 * ps, 0) < 2 * ps) return `it is truncated inside its meta pages (page size ${ps})`;
  // Read the size after the metas: a writer in another process only grows the file, so a meta
  // read first never needs more than the size read afterwards.
  const size = fstatSync(fd).size;
  if ((pages.readUInt16LE(ps + 18) & P_META) === 0) return 'page 1 is not a meta page';
  if (pages.readUInt32LE(ps + PAGE_HEADER) !== MDB_MAGIC) return 'meta page 1 lacks the LMDB magic number';
  if ((pages.readUInt32LE(ps + PAGE_HEADER + 4) & 0xffff) !== MDB_DATA_VERSION) return 'meta page 1 has another data format version';
  if (pages.readUInt32LE(ps + PAGE_HEADER + 24) !== ps) return 'meta page 1 declares another page size than meta page 0';
  const m0 = readMeta(pages, PAGE_HEADER, 'meta page 0');
  const m1 = readMeta(pages, ps + PAGE_HEADER, 'meta page 1');
  const metas = [m0, m1];
  for (const m of metas) {
    const p = metaProblem(m, ps);
    if (p !== undefined) return p;
  }
  // Transaction N writes page N % 2 over N - 2, so the two differ by one, but in a new store
  // (both 0) and a compacted copy (page 0 keeps txnid 0). Anything else is a flipped txnid, which
  // would make readers take a stale or half-overwritten snapshot.
  if (m0.txnId > 0 && m1.txnId > 0 && Math.abs(m0.txnId - m1.txnId) !== 1) {
    return `meta pages 0 and 1 disagree (txnids ${m0.txnId} and ${m1.txnId}): one of them is damaged`;
  }
  const newest = m0.txnId >= m1.txnId ? m0 : m1;
  const newestTxn = newest.txnId;
  // The flushed meta: all zero until lmdb-js's overlapping sync first writes it.
  const sync = readMeta(pages, (ps >> 1) + PAGE_HEADER, 'the flushed meta in page 0');
  if (sync.txnId !== 0) {
    if (pages.readUInt32LE((ps >> 1) + PAGE_HEADER + 24) !== ps) return 'the flushed meta in page 0 declares another page size';
    const p = metaProblem(sync, ps);
    if (p !== undefined) return p;
    if (sync.txnId > newestTxn) return `the flushed meta in page 0 is newer (txnid ${sync.txnId}) than both meta pages`;
    metas.push(sync);
  }
  // LMDB never gives pages back, so an older snapshot ends where the newest does or before.
  for (const m of metas) {
    if (m.lastPage > newest.lastPage)
      return `${m.where} (txnid ${m.txnId}) reaches page ${m.lastPage}, past the newest snapshot's ${newest.lastPage}`;
  }
  return { file, size, pageSize: ps, newest, metas };
}

/** Blocks the thread for `ms` (only between re-reads of a file that failed a check). */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** What a file that is not a regular one is, for messages. */
function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** INVALID_ARGUMENT: `file` is `what` where LMDB needs a regular file. */
function notRegular(file: string, what: string): PagableError {
  return new PagableError(
    'INVALID_ARGUMENT',
    `${file} is ${what}, not a regular file: LMDB maps its data and lock files, and would crash or block on anything else`,
  );
}

/**
 * Whether `file` exists as a regular file (after resolving symlinks): false when absent,
 * INVALID_ARGUMENT when it is anything else (a device, FIFO, socket or directory, or a symlink to
 * nothing, through which LMDB would create a file elsewhere). Never opens it, so never blocks.
 */
export function isRegularFile(file: string): boolean {
  let st: Stats;
  try {
    st = statSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new PagableError('IO', `cannot read LMDB file ${file}: ${(e as Error).message}`, { cause: e });
    }
    let link = false;
    try {
      link = lstatSync(file).isSymbolicLink();
    } catch {
      // Absent, not a link.
    }
    if (link) throw notRegular(file, 'a symbolic link to nothing');
    return false;
  }
  if (!st.isFile()) throw notRegular(file, kindOf(st));
  return true;
}

/**
 * Checks `file` (a data.mdb) before LMDB maps it: undefined when it is absent or empty (LMDB then
 * makes a new store), its info when LMDB can open it, CORRUPT naming the file and the damage
 * otherwise (IO when it cannot be read). A failing check is re-read a few times first, since a
 * writer in another process may be mid-commit. Anything but a regular file is INVALID_ARGUMENT;
 * an empty one beside a lock.mdb is CORRUPT: LMDB writes its meta pages as it creates the file,
 * so the store it belonged to was truncated (a store being created elsewhere is waited for).
 */
export function checkLmdbDataFile(file: string): LmdbFileInfo | undefined {
  if (!isRegularFile(file)) return undefined;
  let fd: number;
  try {
    // Non-blocking: if a FIFO took the file's place since the check above, open must not wait for a writer.
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new PagableError('IO', `cannot read LMDB data file ${file}: ${(e as Error).message}`, { cause: e });
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw notRegular(file, kindOf(st));
    if (st.size === 0) {
      if (!isRegularFile(join(dirname(file), 'lock.mdb'))) return undefined;
      return retryCheck(file, () =>
        fstatSync(fd).size === 0
          ? `it is empty beside ${basename(file) === 'data.mdb' ? 'lock.mdb' : 'a lock file'}, so its store was truncated (remove both files to start a new store)`
          : checkOnce(fd, file),
      );
    }
    return retryCheck(file, () => checkOnce(fd, file));
  } catch (e) {
    if (e instanceof PagableError) throw e;
    throw new PagableError('IO', `cannot read LMDB data file ${file}: ${(e as Error).message}`, { cause: e });
  } finally {
    closeSync(fd);
  }
}

/** Runs `check` until it passes, at most ATTEMPTS times; CORRUPT with the last reason. */
export function retryCheck<T>(file: string, check: () => T | string): T {
  let why = '';
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    if (attempt > 0) pause(5 * attempt);
    const r = check();
    if (typeof r !== 'string') return r;
    why = r;
  }
  throw new PagableError('CORRUPT', `LMDB data file ${file} is damaged: ${why}`);
}

import { type Stats, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Database, RootDatabase } from 'lmdb';
import { PagableError, toPagableError } from '../../error.js';
import type { BlobCount } from '../interface.js';
import { readBlobRecordLayout } from '../blob-record.js';
import { type LmdbFileInfo, checkLmdbDataFile, checkLmdbOptions, isRegularFile } from './file-check.js';
import { prepareCreation, removeFailedCreation } from './creation-room.js';
import { underEnvLock } from './env-lock.js';
import { lmdbFailure } from './errors.js';
import type { LmdbBlobStoreOptions } from './options.js';
import { walkLmdbFile } from './page-walk.js';

/*
 * How an LMDB blob store opens. Before LMDB maps the file: the options, and everything LMDB reads
 * to open the environment and find the databases (meta pages, free-page and main trees). Then
 * lmdb itself, loaded on demand (an optional peer dependency). After it, under a read transaction
 * (so no other process recycles the pages being read), the trees of the store's own databases,
 * counting the blobs on the way.
 */

type Db = Database<Uint8Array, Uint8Array>;

/** The named databases: blobs and roots hold the data, meta and touched the gc sweeps. */
const DB_NAMES = ['blobs', 'roots', 'meta', 'touched'] as const;
const BINARY = { keyEncoding: 'binary', encoding: 'binary' } as const;
/** Opens a database only if it exists: lmdb-js reads `create` (open.js: without MDB_CREATE), though its types omit it. */
const IF_PRESENT = { ...BINARY, create: false };

/** An opened, checked environment and its databases (meta / touched absent from old read-only stores). */
export interface OpenedLmdb {
  env: RootDatabase;
  blobs: Db;
  roots: Db;
  meta: Db | undefined;
  touched: Db | undefined;
  /** Counted at open; undefined with countAtOpen false. */
  count: BlobCount | undefined;
}

/** Re-reads a store's data file info (for retries); CORRUPT if it vanished. */
export function rereadInfo(file: string): LmdbFileInfo {
  const i = checkLmdbDataFile(file);
  if (i === undefined) throw new PagableError('CORRUPT', `LMDB data file ${file} vanished while it was checked`);
  return i;
}

/**
 * Before LMDB opens `path`: the data file's info, or undefined when there is none yet (or an
 * empty one). NOT_FOUND when there is none and `mayCreate` is false, or the environment lacks
 * the store's databases and `readOnly`; CORRUPT when damaged; INVALID_ARGUMENT when `path` is not
 * a directory or its data.mdb / lock.mdb is not a regular file (LMDB would map a device or block
 * on a FIFO). Creates nothing.
 */
export function checkBeforeOpen(path: string, mayCreate: boolean, readOnly: boolean): LmdbFileInfo | undefined {
  let st: Stats | undefined;
  try {
    st = statSync(path);
  } catch {
    // Missing: LMDB creates it when allowed.
  }
  if (st !== undefined && !st.isDirectory()) {
    throw new PagableError('INVALID_ARGUMENT', `${path} is not a directory: an LMDB store is a directory holding data.mdb and lock.mdb`);
  }
  const file = join(path, 'data.mdb');
  if (st !== undefined) isRegularFile(join(path, 'lock.mdb'));
  const info = st !== undefined ? checkLmdbDataFile(file) : undefined;
  if (info === undefined) {
    if (!mayCreate) throw new PagableError('NOT_FOUND', `no pagable store at ${path} (no data.mdb, or an empty one)`);
    return undefined;
  }
  const dbs = walkLmdbFile(info, { trees: [] }, () => rereadInfo(file));
  if (readOnly && !(dbs.has('blobs') && dbs.has('roots'))) {
    throw new PagableError('NOT_FOUND', `${path} is an LMDB environment but not a pagable store (no blobs / roots databases)`);
  }
  return info;
}

/**
 * Walks the newest snapshot of `file` (checking every page of `trees`) and counts the blobs and
 * data bytes of `blobs`; call it under an LMDB read transaction. A malformed record counts as a
 * blob without data (reading it is CORRUPT).
 */
export function checkAndCount(file: string, trees: readonly string[]): BlobCount {
  const n = { blobs: 0, bytes: 0 };
  walkLmdbFile(
    rereadInfo(file),
    {
      trees,
      onRetry: () => {
        n.blobs = 0;
        n.bytes = 0;
      },
      onEntry: (db, e) => {
        if (db !== 'blobs') return undefined;
        n.blobs++;
        try {
          // The layout reads only the child count (at most 5 bytes, all in `head`) and checks the
          // keys it announces fit the value's size.
          n.bytes += e.dataSize - readBlobRecordLayout(e.head, 'record', e.dataSize).dataOffset;
        } catch {
          // Malformed: no data bytes.
        }
        return undefined;
      },
    },
    () => rereadInfo(file),
  );
  return n;
}

/** Loads the optional peer dependency, or says how to install it. */
async function loadLmdb(): Promise<typeof import('lmdb')> {
  try {
    return await import('lmdb');
  } catch (e) {
    throw new PagableError('IO', 'LMDB stores need the optional peer dependency "lmdb": npm install lmdb', { cause: e });
  }
}

/** Walks and counts under a read transaction of `env`, which pins the snapshot being walked. */
export function countUnderReader(env: RootDatabase, file: string, trees: readonly string[]): BlobCount {
  const txn = env.useReadTransaction();
  try {
    return checkAndCount(file, trees);
  } finally {
    txn.done();
  }
}

/**
 * Opens the LMDB store in directory `path` with every check: INVALID_ARGUMENT for bad arguments,
 * NOT_FOUND when there is no store and none may be created (nothing is created then), CORRUPT when
 * the file is damaged, IO when lmdb is missing or LMDB fails.
 */
export async function openLmdb(path: string, options: LmdbBlobStoreOptions): Promise<OpenedLmdb> {
  if (typeof path !== 'string' || path.length === 0) {
    throw new PagableError('INVALID_ARGUMENT', `LmdbBlobStore.open: expected a directory path, got ${JSON.stringify(path)}`);
  }
  checkLmdbOptions(options, path);
  const lease = options.sweepLeaseMs;
  if (lease !== undefined && !(Number.isSafeInteger(lease) && lease > 0)) {
    throw new PagableError(
      'INVALID_ARGUMENT',
      `opening LMDB store ${path}: sweepLeaseMs must be a positive whole number, got ${String(lease)}`,
    );
  }
  const readOnly = options.readOnly === true;
  const mayCreate = options.create !== false && !readOnly;
  // Not for a path that is there and not a directory: checkBeforeOpen says what is wrong with it.
  const open = (): Promise<OpenedDbs> => openChecked(path, options, mayCreate, readOnly);
  const dbs = isNonDirectory(path) ? await open() : await underEnvLock(path, 'opening', mayCreate, open);
  // Counted outside the lock: a walk of a large file takes long, and a reader needs no lock.
  const { env } = dbs;
  try {
    const counted = countUnderReader(env, join(path, 'data.mdb'), options.countAtOpen === false ? ['roots', 'meta', 'touched'] : DB_NAMES);
    return { ...dbs, count: options.countAtOpen === false ? undefined : counted };
  } catch (e) {
    await closeLmdbEnv(path, env).catch(() => undefined);
    throw lmdbFailure(e, 'opening the databases', path);
  }
}

/** Whether `path` exists and is not a directory (then no lock: checkBeforeOpen says what is wrong). */
function isNonDirectory(path: string): boolean {
  try {
    return !statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * INVALID_ARGUMENT, before anything is written, when the environment at `path` lacks the store's
 * blobs or roots database and holds something else: another program's LMDB data, which opening the
 * store would change (a named database is a key of the main one, which that program may read). An
 * environment holding nothing, or only databases of the store (a creation cut short), is the store.
 */
function refuseForeign(env: RootDatabase, path: string): void {
  const missing = ['blobs', 'roots'].filter((n) => env.openDB(n, IF_PRESENT) === undefined);
  if (missing.length === 0) return;
  let other: string | undefined;
  try {
    for (const k of env.getKeys({ limit: DB_NAMES.length + 1 })) {
      if (typeof k === 'string' && (DB_NAMES as readonly string[]).includes(k)) continue;
      other = JSON.stringify(k);
      break;
    }
  } catch {
    // Keys this program's encoding cannot read are not a pagable store's either.
    other = 'keys of another encoding';
  }
  if (other === undefined) return;
  throw new PagableError(
    'INVALID_ARGUMENT',
    `${path} holds an LMDB environment that is not a pagable store (no ${missing.join(' / ')} database; its main database holds ${other}): not opened, its data left as it was`,
  );
}

/** Closes `env` (of the store at `path`) under the lock its opens take (see env-lock.ts). */
export function closeLmdbEnv(path: string, env: RootDatabase): Promise<void> {
  return underEnvLock(path, 'closing', false, () => env.close());
}

/** The environment and its databases, before counting. */
type OpenedDbs = Omit<OpenedLmdb, 'count'>;

/** openLmdb once the options are checked (under the lock when the directory is there or may be made). */
async function openChecked(path: string, options: LmdbBlobStoreOptions, mayCreate: boolean, readOnly: boolean): Promise<OpenedDbs> {
  const creating = checkBeforeOpen(path, mayCreate, readOnly) === undefined;
  const lmdb = await loadLmdb();
  // Room for a new store (creation-room.ts): a full disk is IO, not SIGBUS or SIGSEGV.
  // Its directory was made by the env lock (underEnvLock with mayCreate).
  if (creating) prepareCreation(path);
  let env: RootDatabase;
  try {
    env = lmdb.open({
      path,
      // Always a directory: lmdb would otherwise treat a path with a dot as a file name.
      noSubdir: false,
      maxDbs: 8,
      ...(options.mapSize !== undefined ? { mapSize: options.mapSize } : {}),
      noSync: options.noSync === true,
      readOnly,
    });
  } catch (e) {
    if (creating) removeFailedCreation(path);
    throw toPagableError(e, 'IO', `opening LMDB store ${path}`);
  }
  try {
    if (!creating && !readOnly) refuseForeign(env, path);
    // Read-only, lmdb returns undefined for a database the environment lacks.
    const [blobs, roots, meta, touched] = DB_NAMES.map((n) => env.openDB<Uint8Array, Uint8Array>(n, BINARY) as Db | undefined);
    if (blobs === undefined || roots === undefined) {
      throw new PagableError('NOT_FOUND', `${path} is an LMDB environment but not a pagable store (no blobs / roots databases)`);
    }
    return { env, blobs, roots, meta, touched };
  } catch (e) {
    // Already under the lock.
    await env.close().catch(() => undefined);
    throw lmdbFailure(e, 'opening the databases', path);
  }
}

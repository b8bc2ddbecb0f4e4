/*
 * The LMDB peer: raw lmdb-js with its default options (msgpackr encoding with shared structures),
 * each document of a shape put as a plain object under its own key in one synchronous write
 * transaction, and read back with get.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { type RootDatabase, open } from 'lmdb';
import type { Contender } from './measure.js';

type Docs = ReadonlyArray<readonly [string, unknown]>;

function write(db: RootDatabase, docs: Docs): number {
  return db.transactionSync(() => {
    for (const [k, v] of docs) db.putSync(k, v);
    return docs.length;
  });
}

/** Writes `docs` into a fresh database in `dir` (setup for rawLmdbLoad). */
export async function rawLmdbWrite(dir: string, docs: Docs): Promise<void> {
  const db = open({ path: dir });
  write(db, docs);
  await db.close();
}

/** Each sample puts every document into a fresh database under `root`. */
export function rawLmdbSave(root: string, docs: Docs): Contender<{ db: RootDatabase; dir: string }, number> {
  let n = 0;
  return {
    prepare: () => {
      const dir = join(root, `raw-save-${n++}`);
      return { db: open({ path: dir }), dir };
    },
    run: ({ db }) => write(db, docs),
    check: async (_, { db, dir }) => {
      await db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Each sample opens the database in `dir` (untimed) and gets every document. */
export function rawLmdbLoad(dir: string, docs: Docs): Contender<RootDatabase, unknown[]> {
  return {
    prepare: () => open({ path: dir }),
    run: (db) => docs.map(([k]) => db.get(k)),
    check: async (values, db) => {
      if (values.some((v) => v === undefined)) throw new Error('raw lmdb-js: a document is missing');
      await db.close();
    },
  };
}

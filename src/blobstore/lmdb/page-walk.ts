import { closeSync, constants, openSync } from 'node:fs';
import {
  type LmdbDbRecord,
  type LmdbFileInfo,
  type LmdbMeta,
  MAX_DEPTH,
  NO_PAGE,
  PAGE_HEADER,
  P_BRANCH,
  P_LEAF,
  P_OVERFLOW,
  readAt,
  retryCheck,
  u64,
} from './file-check.js';
import {
  DB_RECORD,
  F_BIGDATA,
  F_DUPDATA,
  F_SUBDATA,
  NODE_HEADER,
  OVPAGE,
  branchChild,
  compareBytes,
  compareU64,
  leafDataSize,
  nodeFlags,
  nodeKey,
  nodeKeySize,
  nodeOffsets,
} from './page-layout.js';

/*
 * Walking the B-trees of an LMDB data file in JS, checking every page LMDB would follow, so that a
 * damaged page is a CORRUPT error here instead of a segfault in the native addon. It reads pages
 * with plain file reads, never through LMDB's map. The pages' layout is in page-layout.ts.
 *
 * Checked: every page number inside the snapshot and the file (pages past the end must be free),
 * each page's own number, kind and writing transaction (never after the snapshot's: LMDB would
 * write into such a page in place, in its read-only map), nodes and keys inside their page,
 * overflow runs inside the snapshot and matching their size, every leaf at the tree's depth, no
 * page reached twice, keys in order within their separators' range (else LMDB's cursors skip
 * entries silently), the page and entry counts of each tree, and the page numbers in the free
 * lists. Not checked: what the values hold (blobs are checked against their keys elsewhere), and
 * the trees of older snapshots beyond their roots (LMDB takes one only after a machine crash
 * under overlapping sync).
 */

/** One leaf entry, as a tree walk reports it. */
export interface LmdbLeafEntry {
  /** The page holding the key; valid only during the callback. */
  page: Buffer;
  keyOffset: number;
  keySize: number;
  /** The value's size. */
  dataSize: number;
  /**
   * The first bytes of the value (up to 16; fewer when the value is shorter); valid only during
   * the callback.
   */
  head: Buffer;
}

/** Per tree, what a walk found. */
export interface LmdbTreeReport {
  entries: number;
  pages: number;
}

/** Reads and checks the pages of one snapshot of one file. */
export class LmdbPageWalker {
  readonly #fd: number;
  readonly #meta: LmdbMeta;
  readonly #ps: number;
  readonly #page: Buffer;
  readonly #head = Buffer.alloc(OVPAGE + 16);
  /** One bit per page of the snapshot: reached already. */
  readonly #seen: Uint8Array;
  /** Pages wholly in the file. */
  readonly #filePages: number;

  constructor(fd: number, info: LmdbFileInfo, meta: LmdbMeta) {
    this.#fd = fd;
    this.#meta = meta;
    this.#ps = info.pageSize;
    this.#page = Buffer.alloc(info.pageSize);
    this.#filePages = Math.floor(info.size / info.pageSize);
    this.#seen = new Uint8Array((Math.min(meta.lastPage, this.#filePages) >> 3) + 1);
  }

  /** Marks `pgno` reached; why not, when it is outside the snapshot or the file, or reached before. */
  #reach(pgno: number, count: number, what: string): string | undefined {
    if (!(pgno >= 2 && pgno + count - 1 <= this.#meta.lastPage)) {
      return `${what} names page ${pgno}${count > 1 ? `..${pgno + count - 1}` : ''}, outside pages 2..${this.#meta.lastPage}`;
    }
    if (pgno + count > this.#filePages) {
      return `${what} names page ${pgno + count - 1}, past the end of the file (${this.#filePages} pages): the file is truncated`;
    }
    for (let p = pgno; p < pgno + count; p++) {
      const bit = 1 << (p & 7);
      if ((this.#seen[p >> 3]! & bit) !== 0) return `${what}: page ${p} is reached twice`;
      this.#seen[p >> 3]! |= bit;
    }
    return undefined;
  }

  /** Reads page `pgno` into the shared buffer; why not when it is not a page of kind `kind`. */
  #load(pgno: number, kind: number, what: string): string | undefined {
    const ps = this.#ps;
    if (readAt(this.#fd, this.#page, ps, pgno * ps) < ps) return `${what}: page ${pgno} lies past the end of the file`;
    const own = u64(this.#page, 0);
    if (own !== pgno) return `${what}: page ${pgno} says it is page ${own}`;
    const bad = this.#txnProblem(this.#page, pgno, what);
    if (bad !== undefined) return bad;
    const flags = this.#page.readUInt16LE(18) & (P_BRANCH | P_LEAF | P_OVERFLOW | 0x08 | 0x20 | 0x40);
    if (flags !== kind) return `${what}: page ${pgno} has kind 0x${flags.toString(16)}, expected 0x${kind.toString(16)}`;
    return undefined;
  }

  /**
   * A page records the transaction that wrote it, at most the snapshot's. A later one would make
   * a writer take it for its own dirty page and write into LMDB's read-only map (a segfault).
   */
  #txnProblem(page: Buffer, pgno: number, what: string): string | undefined {
    const txn = u64(page, 8);
    if (txn > this.#meta.txnId || txn === NO_PAGE)
      return `${what}: page ${pgno} claims transaction ${txn}, after the snapshot's ${this.#meta.txnId}`;
    return undefined;
  }

  /**
   * Walks the tree of `db`, calling `onEntry` for each leaf entry in key order; the tree's
   * counts, or why it is damaged. `onEntry` may return a reason to stop with.
   */
  walk(db: LmdbDbRecord, name: string, onEntry?: (e: LmdbLeafEntry) => string | undefined): LmdbTreeReport | string {
    if (db.root === NO_PAGE) return db.entries === 0 ? { entries: 0, pages: 0 } : `the ${name} db has no root but ${db.entries} entries`;
    const what = `the ${name} db`;
    let entries = 0;
    let branch = 0;
    let leaf = 0;
    let overflow = 0;
    // Keys must be in order, or LMDB's searches and cursor seeks silently miss entries: the free
    // db's keys are native (little-endian) integers, the others compare as bytes.
    const cmp = name === 'free-page' ? compareU64 : compareBytes;
    // Depth-first, children pushed in reverse so leaves come in key order; each with the key
    // range its parent's separators route to it ([lo, hi), undefined: unbounded).
    const stack: Frame[] = [{ pgno: db.root, level: 1, lo: undefined, hi: undefined }];
    const reached = this.#reach(db.root, 1, what);
    if (reached !== undefined) return reached;
    let prev: Buffer | undefined;
    while (stack.length > 0) {
      const { pgno, level, lo, hi } = stack.pop()!;
      const isLeaf = level === db.depth;
      const bad = this.#load(pgno, isLeaf ? P_LEAF : P_BRANCH, `${what} at level ${level} of ${db.depth}`);
      if (bad !== undefined) return bad;
      const nodes = nodeOffsets(this.#page, this.#ps, pgno, what);
      if (typeof nodes === 'string') return nodes;
      const p = this.#page;
      if (!isLeaf) {
        branch++;
        if (nodes.length === 0) return `${what}: branch page ${pgno} is empty`;
        // Separator i (from 1: the first node's key is not used) starts child i's range.
        const seps = nodes.map((node) => Buffer.from(nodeKey(p, node)));
        for (let i = 1; i < seps.length; i++) {
          const low = i === 1 ? lo : seps[i - 1];
          if ((low !== undefined && cmp(seps[i]!, low) < (i === 1 ? 0 : 1)) || (hi !== undefined && cmp(seps[i]!, hi) >= 0)) {
            return `${what}: branch page ${pgno} has its keys out of order at node ${i}`;
          }
        }
        for (let i = nodes.length - 1; i >= 0; i--) {
          const node = nodes[i]!;
          const child = branchChild(p, node);
          const r = this.#reach(child, 1, `${what} branch page ${pgno}`);
          if (r !== undefined) return r;
          stack.push({ pgno: child, level: level + 1, lo: i === 0 ? lo : seps[i], hi: i + 1 < seps.length ? seps[i + 1] : hi });
        }
        continue;
      }
      leaf++;
      for (let i = 0; i < nodes.length; i++) {
        const node = nodes[i]!;
        const flags = nodeFlags(p, node);
        const ksize = nodeKeySize(p, node);
        const dsize = leafDataSize(p, node);
        const dataAt = node + NODE_HEADER + ksize;
        if ((flags & F_DUPDATA) !== 0) return `${what}: page ${pgno} node ${i} holds duplicates, which pagable never writes`;
        const key = p.subarray(node + NODE_HEADER, dataAt);
        if (
          (prev !== undefined && cmp(key, prev) <= 0) ||
          (lo !== undefined && cmp(key, lo) < 0) ||
          (hi !== undefined && cmp(key, hi) >= 0)
        ) {
          return `${what}: page ${pgno} has its keys out of order at node ${i}`;
        }
        prev = key;
        if ((flags & F_BIGDATA) !== 0) {
          if (dataAt + OVPAGE > this.#ps) return `${what}: page ${pgno} node ${i} overflow reference runs past the page`;
          const ov = u64(p, dataAt);
          const count = u64(p, dataAt + 16);
          const want = Math.floor((PAGE_HEADER - 1 + dsize) / this.#ps) + 1;
          if (count !== want) return `${what}: page ${pgno} node ${i} claims ${count} overflow pages for ${dsize} bytes`;
          const r = this.#reach(ov, count, `${what} page ${pgno} node ${i}`);
          if (r !== undefined) return r;
          overflow += count;
          const head = this.#head;
          if (readAt(this.#fd, head, OVPAGE + 16, ov * this.#ps) < OVPAGE + Math.min(16, dsize)) {
            return `${what}: overflow page ${ov} lies past the end of the file`;
          }
          if (u64(head, 0) !== ov || (head.readUInt16LE(18) & 0x7f) !== P_OVERFLOW || head.readUInt32LE(20) !== count) {
            return `${what}: page ${ov} is not the ${count}-page overflow run page ${pgno} node ${i} names`;
          }
          const late = this.#txnProblem(head, ov, what);
          if (late !== undefined) return late;
          entries++;
          if (onEntry !== undefined) {
            const why = onEntry({
              page: p,
              keyOffset: node + NODE_HEADER,
              keySize: ksize,
              dataSize: dsize,
              head: head.subarray(OVPAGE, OVPAGE + Math.min(16, dsize)),
            });
            if (why !== undefined) return why;
          }
          continue;
        }
        if (dataAt + dsize > this.#ps) return `${what}: page ${pgno} node ${i} value runs past the page`;
        if ((flags & F_SUBDATA) !== 0 && dsize !== DB_RECORD) return `${what}: page ${pgno} node ${i} is a ${dsize}-byte database record`;
        entries++;
        if (onEntry !== undefined) {
          const why = onEntry({
            page: p,
            keyOffset: node + NODE_HEADER,
            keySize: ksize,
            dataSize: dsize,
            head: p.subarray(dataAt, dataAt + Math.min(16, dsize)),
          });
          if (why !== undefined) return why;
        }
      }
      // The next page overwrites the buffer `prev` points into.
      if (prev !== undefined) prev = Buffer.from(prev);
    }
    if (countsDisagree(db, entries, branch, leaf, overflow)) {
      return `${what} counts ${db.entries} entries in ${db.branchPages}+${db.leafPages}+${db.overflowPages} pages, its tree has ${entries} in ${branch}+${leaf}+${overflow}`;
    }
    return { entries, pages: branch + leaf + overflow };
  }

  /** Reads a whole value (for free lists): from the page, or from its overflow run. */
  readValue(e: LmdbLeafEntry): Buffer {
    const out = Buffer.alloc(e.dataSize);
    if (e.head.length === e.dataSize && e.dataSize <= 16) {
      e.head.copy(out);
      return out;
    }
    // Inline values are in the page right after the key; overflow ones follow their run's header.
    const p = e.page;
    const node = e.keyOffset - NODE_HEADER;
    if ((nodeFlags(p, node) & F_BIGDATA) === 0) {
      p.copy(out, 0, e.keyOffset + e.keySize, e.keyOffset + e.keySize + e.dataSize);
      return out;
    }
    const ov = u64(p, e.keyOffset + e.keySize);
    readAt(this.#fd, out, e.dataSize, ov * this.#ps + PAGE_HEADER);
    return out;
  }

  /** The named databases the main db lists: name -> record; or why the main db is damaged. */
  namedDbs(): Map<string, LmdbDbRecord> | string {
    const out = new Map<string, LmdbDbRecord>();
    const r = this.walk(this.#meta.main, 'main', (e) => {
      const node = e.keyOffset - NODE_HEADER;
      if ((nodeFlags(e.page, node) & F_SUBDATA) === 0) return undefined;
      // lmdb-js stores a database's name with its C string's terminating NUL.
      const end = e.keyOffset + e.keySize;
      const name = e.page.toString('latin1', e.keyOffset, e.keySize > 0 && e.page[end - 1] === 0 ? end - 1 : end);
      const rec = Buffer.from(e.page.subarray(e.keyOffset + e.keySize, e.keyOffset + e.keySize + DB_RECORD));
      out.set(name, {
        flags: rec.readUInt16LE(4),
        depth: rec.readUInt16LE(6),
        branchPages: u64(rec, 8),
        leafPages: u64(rec, 16),
        overflowPages: u64(rec, 24),
        entries: u64(rec, 32),
        root: u64(rec, 40),
      });
      return undefined;
    });
    return typeof r === 'string' ? r : out;
  }

  /**
   * Walks the free-page db, checking every page number its lists hold, and that the pages of the
   * snapshot past the end of the file, if any, are all free.
   */
  walkFreeDb(): string | undefined {
    const last = this.#meta.lastPage;
    const end = this.#filePages;
    const pastEnd = new Set<number>();
    const free = (first: number, n: number): void => {
      for (let p = Math.max(first, end); p < first + n && p <= last; p++) pastEnd.add(p);
    };
    const r = this.walk(this.#meta.free, 'free-page', (e) => {
      if (e.keySize !== 8) return `the free-page db has a ${e.keySize}-byte key`;
      const v = this.readValue(e);
      if (v.length < 8 || v.length % 8 !== 0) return `the free-page db has a ${v.length}-byte list`;
      const n = u64(v, 0);
      if (!(n >= 0 && 8 + 8 * n <= v.length)) return `a free-page list claims ${n} entries in ${v.length} bytes`;
      for (let i = 1; i <= n; i++) {
        const lo = v.readUInt32LE(8 * i);
        const hi = v.readInt32LE(8 * i + 4);
        const entry = hi * 0x1_0000_0000 + lo;
        if (entry === 0) continue;
        if (entry > 0) {
          if (entry < 2 || entry > last) return `a free-page list names page ${entry}, outside pages 2..${last}`;
          if (entry >= end) free(entry, 1);
          continue;
        }
        if (i === n) return 'a free-page list ends inside a run';
        const start = u64(v, 8 * ++i);
        if (!(start >= 2 && start - entry - 1 <= last)) return `a free-page list names run ${start}+${-entry}, outside pages 2..${last}`;
        if (start - entry > end) free(start, -entry);
      }
      return undefined;
    });
    if (typeof r === 'string') return r;
    const missing = last + 1 - Math.max(end, 2) - pastEnd.size;
    if (missing > 0) {
      return `the file is truncated: it ends at page ${end}, its newest snapshot reaches page ${last}, and ${missing} of the pages between are not free`;
    }
    return undefined;
  }
}

/** A page still to walk, with the key range its parent routes to it. */
interface Frame {
  pgno: number;
  level: number;
  lo: Buffer | undefined;
  hi: Buffer | undefined;
}

/** True when a tree's own counters disagree with what its walk found. */
function countsDisagree(db: LmdbDbRecord, entries: number, branch: number, leaf: number, overflow: number): boolean {
  return db.entries !== entries || db.branchPages !== branch || db.leafPages !== leaf || db.overflowPages !== overflow;
}

/** What `walkLmdbFile` checks and reports. */
export interface LmdbWalkPlan {
  /** Named databases whose trees are walked (others only have their records checked). */
  trees: readonly string[];
  /** Called for each entry of these databases, e.g. to count blobs; may return a reason to stop. */
  onEntry?: (db: string, e: LmdbLeafEntry) => string | undefined;
  /** Called before a walk is retried (reset what onEntry gathered). */
  onRetry?: () => void;
}

/**
 * Walks the newest snapshot of `info` (free-page db, main db, and the named trees of `plan`):
 * the named databases found, or CORRUPT naming the file and the first damage. A failing walk is
 * retried on re-read metas (`reread`), since another process may be committing meanwhile.
 */
export function walkLmdbFile(info: LmdbFileInfo, plan: LmdbWalkPlan, reread: () => LmdbFileInfo = () => info): Map<string, LmdbDbRecord> {
  let current = info;
  let first = true;
  return retryCheck(info.file, () => {
    if (!first) {
      plan.onRetry?.();
      current = reread();
    }
    first = false;
    // Non-blocking, as in checkLmdbDataFile: the file was a regular one when checked.
    const fd = openSync(current.file, constants.O_RDONLY | constants.O_NONBLOCK);
    try {
      const w = new LmdbPageWalker(fd, current, current.newest);
      const free = w.walkFreeDb();
      if (free !== undefined) return free;
      const dbs = w.namedDbs();
      if (typeof dbs === 'string') return dbs;
      for (const [name, rec] of dbs) {
        if (rec.depth > MAX_DEPTH) return `the ${name} db's depth ${rec.depth} is more than LMDB reads`;
      }
      for (const name of plan.trees) {
        const rec = dbs.get(name);
        if (rec === undefined) continue;
        const onEntry = plan.onEntry;
        const r = w.walk(rec, name, onEntry === undefined ? undefined : (e) => onEntry(name, e));
        if (typeof r === 'string') return r;
      }
      return dbs;
    } finally {
      closeSync(fd);
    }
  });
}

import { PAGE_HEADER } from './file-check.js';

/*
 * Where the fields of LMDB's branch and leaf pages sit, and how their keys are ordered, stated
 * once next to the format, so the walk that checks those pages (page-walk.ts) reads fields
 * by name and not by bare offset.
 *
 * Pages (after the 24-byte header, see file-check.ts): branch and leaf pages hold
 * (mp_lower / 2) u16 node offsets at byte 24, each relative to byte 24; a node is
 *   lo u16 · hi u16 · flags u16 · ksize u16 · key · data
 * Branch node: child page = lo | hi << 16 | flags << 32. Leaf node: data size = lo | hi << 16;
 * with F_BIGDATA its data is an MDB_ovpage (pgno u64, txnid u64, pages u64) naming overflow pages
 * whose header has P_OVERFLOW and mp_pages at 20; with F_SUBDATA (in the main db) it is a named
 * database's 48-byte MDB_db. Free-page db values are lmdb-js's free lists: u64 count, then entries
 * (a page number; or minus a run length, then the run's first page; or 0, an emptied slot).
 */

/** Leaf node flags. */
export const F_BIGDATA = 0x01;
export const F_SUBDATA = 0x02;
export const F_DUPDATA = 0x04;
/** Bytes of a node before its key. */
export const NODE_HEADER = 8;
/** Bytes of an MDB_ovpage, and of an overflow page's header. */
export const OVPAGE = 24;
/** Bytes of an MDB_db record. */
export const DB_RECORD = 48;

/** LMDB's default key order: bytes, then length. */
export function compareBytes(a: Buffer, b: Buffer): number {
  return Buffer.compare(a, b);
}

/** The free-page db's order: its keys are native (little-endian) 64-bit transaction ids. */
export function compareU64(a: Buffer, b: Buffer): number {
  if (a.length !== 8 || b.length !== 8) return compareBytes(a, b);
  const d = a.readUInt32LE(4) - b.readUInt32LE(4);
  return d !== 0 ? d : a.readUInt32LE(0) - b.readUInt32LE(0);
}

/** A node's flags (F_*; in a branch node, the top bits of its child page). */
export function nodeFlags(p: Buffer, node: number): number {
  return p.readUInt16LE(node + 4);
}

/** A node's key size. */
export function nodeKeySize(p: Buffer, node: number): number {
  return p.readUInt16LE(node + 6);
}

/** A node's key, in place in the page. */
export function nodeKey(p: Buffer, node: number): Buffer {
  return p.subarray(node + NODE_HEADER, node + NODE_HEADER + nodeKeySize(p, node));
}

/** The child page a branch node names. */
export function branchChild(p: Buffer, node: number): number {
  return p.readUInt16LE(node) + p.readUInt16LE(node + 2) * 0x1_0000 + p.readUInt16LE(node + 4) * 0x1_0000_0000;
}

/** The size of a leaf node's value. */
export function leafDataSize(p: Buffer, node: number): number {
  return p.readUInt16LE(node) + p.readUInt16LE(node + 2) * 0x1_0000;
}

/**
 * Node offsets (from the page's start) of branch or leaf page `p` of `pageSize` bytes, page
 * `pgno`; why not when they leave the page.
 */
export function nodeOffsets(p: Buffer, pageSize: number, pgno: number, what: string): number[] | string {
  const lower = p.readUInt16LE(20);
  const upper = p.readUInt16LE(22);
  if ((lower & 1) !== 0 || lower > upper || PAGE_HEADER + upper > pageSize) {
    return `${what}: page ${pgno} has free space bounds ${lower}..${upper}`;
  }
  const n = lower >> 1;
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const off = p.readUInt16LE(PAGE_HEADER + 2 * i);
    const node = PAGE_HEADER + off;
    if (off < upper || node + NODE_HEADER > pageSize) return `${what}: page ${pgno} node ${i} lies outside the page`;
    const ksize = nodeKeySize(p, node);
    if (node + NODE_HEADER + ksize > pageSize) return `${what}: page ${pgno} node ${i} key runs past the page`;
    out[i] = node;
  }
  return out;
}

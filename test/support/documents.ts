/*
 * Documents for the bounded-memory tests: made from an id, the same every time (so what is read
 * back can be checked against a fresh copy), and fresh heap every time (cut from a pool of random
 * text as copies, not slices that would share the pool's memory).
 */
import { Field, Pagable } from '../../src/index.js';
import { Rng } from './prng.js';

/** One string of text (a page of a book, a log chunk). */
@Pagable()
export class Page {
  @Field() id!: number;
  @Field() text!: string;
}

/** Many ~200-character strings (tutorial 06's documents). */
@Pagable()
export class Article {
  @Field() id!: number;
  @Field() paragraphs!: string[];
}

const MB = 1024 * 1024;

/** Random lowercase words that documents are cut from. */
const POOL = (() => {
  const rng = new Rng(20);
  const b = Buffer.alloc(2 * MB);
  for (let i = 0; i < b.length; i++) b[i] = rng.int(8) === 0 ? 32 : 97 + rng.int(26);
  return b;
})();

/** `length` characters of the pool chosen by `seed`, as a string of their own. */
function cut(seed: number, length: number): string {
  const at = (Math.imul(seed, 2654435761) >>> 0) % (POOL.length - length);
  return POOL.toString('latin1', at, at + length);
}

/** Page `id` of `bytes` characters. */
export function page(id: number, bytes: number): Page {
  return Object.assign(new Page(), { id, text: cut(id, bytes) });
}

/** Article `id` of about `bytes` characters, in 200-character paragraphs. */
export function article(id: number, bytes: number): Article {
  const paragraphs: string[] = [];
  for (let p = 0; p * 200 < bytes; p++) paragraphs.push(cut(id * 1000 + p, 200));
  return Object.assign(new Article(), { id, paragraphs });
}

/** True when `doc` is document `id` as `make` makes it. */
export function sameDocument(doc: Page | Article, id: number, bytes: number, make: (id: number, bytes: number) => Page | Article): boolean {
  return JSON.stringify(doc) === JSON.stringify(make(id, bytes));
}

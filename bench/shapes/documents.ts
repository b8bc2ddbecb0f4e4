/*
 * The document-store shape: ~20k small documents (a handful of polymorphic blocks, two dates'
 * worth of fields, a digest, a shared author, a small lazy attachment), a third of them
 * content-equal copies of earlier ones (the same document imported twice): many small blobs,
 * many of them equal.
 */
import { plainToInstance } from 'class-transformer';
import { PagableArc, type PagableStorage } from '../../src/index.js';
import { Prng } from '../prng.js';
import { CtDocStore } from './documents-ct.js';
import {
  type Block,
  ChecklistBlock,
  CodeBlock,
  Doc,
  DocAttachment,
  DocAuthor,
  DocStore,
  HeadingBlock,
  ImageBlock,
  ParagraphBlock,
} from './documents-model.js';
import { KEY_STANDIN, type Shape, type ShapeData, type ShapeSize, distinct, peek } from './shape.js';

const WORDS =
  'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore magna aliqua'.split(' ');
const TAGS = ['draft', 'review', 'public', 'internal', 'archived', 'howto', 'spec', 'meeting'];
const LANGS = ['ts', 'rust', 'python', 'sql', 'sh'];
const EPOCH = Date.UTC(2020, 0, 1);

function sentence(rng: Prng, lo: number, hi: number): string {
  const out: string[] = [];
  for (let i = rng.int(lo, hi); i > 0; i--) out.push(rng.pick(WORDS));
  return out.join(' ');
}

function bytes(rng: Prng, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.u32() & 0xff;
  return out;
}

function block(rng: Prng, id: string): Block {
  const r = rng.next();
  if (r < 0.45) return Object.assign(new ParagraphBlock(), { id, text: sentence(rng, 6, 30), marks: rng.chance(0.3) ? ['bold'] : [] });
  if (r < 0.65) return Object.assign(new HeadingBlock(), { id, level: rng.int(1, 3), text: sentence(rng, 2, 6) });
  if (r < 0.8) {
    return Object.assign(new ImageBlock(), {
      id,
      src: `/media/${rng.hex(12)}.png`,
      width: rng.int(64, 2048),
      height: rng.int(64, 2048),
      alt: sentence(rng, 1, 4),
    });
  }
  if (r < 0.92) return Object.assign(new CodeBlock(), { id, language: rng.pick(LANGS), source: sentence(rng, 4, 20).replace(/ /g, '\n') });
  const n = rng.int(2, 5);
  return Object.assign(new ChecklistBlock(), {
    id,
    items: Array.from({ length: n }, () => sentence(rng, 2, 5)),
    done: Array.from({ length: n }, () => rng.chance(0.5)),
  });
}

function makeDoc(rng: Prng, i: number, authors: readonly DocAuthor[], home: PagableStorage): Doc {
  const nBlocks = rng.int(2, 7);
  const attachment = Object.assign(new DocAttachment(), {
    name: `${rng.pick(WORDS)}-${i}.${rng.pick(['png', 'pdf', 'txt'])}`,
    mime: rng.pick(['image/png', 'application/pdf', 'text/plain']),
    bytes: bytes(rng, rng.int(32, 200)),
  });
  return Object.assign(new Doc(), {
    id: `doc-${i}`,
    title: sentence(rng, 2, 8),
    created: new Date(EPOCH + rng.int(0, 1e9) * 100),
    revision: rng.int(1, 40),
    tags: Array.from({ length: rng.int(0, 3) }, () => rng.pick(TAGS)),
    blocks: Array.from({ length: nBlocks }, (_, b) => block(rng, `b${b}`)),
    digest: bytes(rng, 16),
    author: rng.pick(authors),
    attachment: PagableArc.new(attachment, home),
  });
}

/** A content-equal copy: new objects all the way down (the author stays shared by identity). */
function copyDoc(d: Doc, home: PagableStorage): Doc {
  const a = peek(d.attachment);
  return Object.assign(new Doc(), {
    ...d,
    created: new Date(d.created.getTime()),
    tags: [...d.tags],
    blocks: d.blocks.map((b) => Object.assign(Object.create(Object.getPrototypeOf(b) as object) as Block, structuredClone({ ...b }))),
    digest: d.digest.slice(),
    attachment: PagableArc.new(Object.assign(new DocAttachment(), { ...a, bytes: a.bytes.slice() }), home),
  });
}

function build(n: number, home: PagableStorage): DocStore {
  const rng = new Prng(21, 0xd0c5);
  const authors = Array.from({ length: Math.max(4, Math.floor(n / 100)) }, (_, i) =>
    Object.assign(new DocAuthor(), {
      id: i,
      name: `${rng.pick(WORDS)} ${rng.pick(WORDS)}`,
      email: `user${i}@example.com`,
      since: new Date(EPOCH - rng.int(0, 1e6) * 1000),
    }),
  );
  const documents: Doc[] = [];
  for (let i = 0; i < n; i++) {
    if (i > 2 && rng.chance(1 / 3)) documents.push(copyDoc(documents[rng.int(0, i - 1)]!, home));
    else documents.push(makeDoc(rng, i, authors, home));
  }
  return Object.assign(new DocStore(), { name: 'docs', authors, documents });
}

// ---- the other forms ----

const TAG_BY_CLASS = new Map<unknown, string>([
  [ParagraphBlock, 'docs.Paragraph'],
  [HeadingBlock, 'docs.Heading'],
  [ImageBlock, 'docs.Image'],
  [CodeBlock, 'docs.Code'],
  [ChecklistBlock, 'docs.Checklist'],
]);

const plainAuthor = (a: DocAuthor): object => ({ id: a.id, name: a.name, email: a.email, since: a.since });
const plainAttachment = (a: DocAttachment): object => ({ name: a.name, mime: a.mime, bytes: a.bytes });
const plainBlock = (b: Block): object => ({ type: TAG_BY_CLASS.get(b.constructor), ...b });

function plainDoc(d: Doc, author: unknown, attachment: unknown): object {
  return {
    id: d.id,
    title: d.title,
    created: d.created,
    revision: d.revision,
    tags: d.tags,
    blocks: d.blocks.map(plainBlock),
    digest: d.digest,
    author,
    attachment,
  };
}

/** Plain objects: blocks carry their tag as `type`, a document names its author by id. */
function toPlain(s: DocStore): object {
  return {
    name: s.name,
    authors: s.authors.map(plainAuthor),
    documents: s.documents.map((d) => plainDoc(d, d.author.id, plainAttachment(peek(d.attachment)))),
  };
}

function pieces(s: DocStore): unknown[] {
  const docs = distinct(s.documents);
  const out: unknown[] = [{ name: s.name, authors: s.authors.map(() => KEY_STANDIN), documents: s.documents.map(() => KEY_STANDIN) }];
  for (const a of distinct([...s.authors, ...docs.map((d) => d.author)])) out.push(plainAuthor(a));
  for (const d of docs) {
    out.push(plainDoc(d, KEY_STANDIN, KEY_STANDIN));
    out.push(plainAttachment(peek(d.attachment)));
  }
  return out;
}

/** class-transformer instances of the same data (the discriminator property is `__type`). */
function toCt(s: DocStore): CtDocStore {
  const p = toPlain(s) as { documents: Array<{ blocks: Array<Record<string, unknown>> }> };
  for (const d of p.documents) d.blocks = d.blocks.map(({ type, ...rest }) => ({ __type: type, ...rest }));
  return plainToInstance(CtDocStore, p);
}

/** The document-store shape. */
export const documentsShape: Shape = {
  id: 'documents',
  title: 'document store: many small polymorphic blobs, a third duplicates',
  bars: { saveVsFloor: 0.8, saveVsPack: 0.6, loadVsUnpack: 1.3, roundTrip: 4, lmdb: 0.7 },
  make(size: ShapeSize, home: PagableStorage): ShapeData {
    const n = size === 'full' ? 20_000 : 600;
    const root = build(n, home);
    const ct = toCt(root);
    const plain = toPlain(root) as { documents: unknown[]; authors: unknown[] };
    const distinctDocs = distinct(root.documents).length;
    return {
      root,
      cls: DocStore,
      pinAll: (loaded) => distinct((loaded as DocStore).documents).map((d) => d.attachment.pinSync()),
      toPlain: (v) => toPlain(v as DocStore),
      plain,
      pieces: () => pieces(root),
      documents: [...plain.authors.map((a, i) => [`author/${i}`, a] as const), ...plain.documents.map((d, i) => [`doc/${i}`, d] as const)],
      ct,
      ctClass: CtDocStore,
      describe: { documents: n, distinctDocumentObjects: distinctDocs, authors: root.authors.length },
    };
  },
};

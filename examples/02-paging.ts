/**
 * Tutorial 2: paging values out of the heap and back.
 *
 * A long-running process (a language server, a build daemon) keeps a cache of parsed documents.
 * Most of them are cold most of the time. Holding each one in a PagableArc lets the process drop
 * the cold ones from the heap and bring any of them back, unchanged, the moment it is needed:
 *
 *   - a PagableArc is Pinned (resident, kept) or Unpinned (resident, may be paged out), or PagedOut
 *     (only its key is held; the value is gone for the GC);
 *   - `pin()` returns a PinnedPagableArc whose `value` you read; release it when done, or let
 *     `using` do it at the end of the block;
 *   - `pageOutPending()` writes every arc nobody pins to the storage and drops its value.
 *
 * Values held by arcs are immutable once stored: the blob is named by their content. Construct
 * the storage with `{ freeze: true }` during development to make accidental mutations throw.
 *
 * Run: npm run example -- 02
 */
import {
  Field, InMemoryPagableStorage, Pagable, PagableArc, type PagableStorage, type PinnedPagableArc, TypeTag,
} from 'pagable';

// ---- the domain: a parsed document -----------------------------------------------------------

@TypeTag('example02.Section') @Pagable()
class Section {
  @Field() heading!: string;
  @Field() paragraphs!: string[];
}

@TypeTag('example02.ParsedDocument') @Pagable()
class ParsedDocument {
  @Field() path!: string;
  @Field() title!: string;
  @Field(() => [Section]) sections!: Section[];
  @Field() wordCounts!: Map<string, number>;

  /** Methods work on paged-in values: they come back with their prototype. */
  words(): number {
    let n = 0;
    for (const c of this.wordCounts.values()) n += c;
    return n;
  }
}

/** A tiny Markdown-ish parser: `# title`, `## heading`, paragraphs separated by blank lines. */
function parse(path: string, text: string): ParsedDocument {
  const doc = Object.assign(new ParsedDocument(), { path, title: '', sections: [] as Section[], wordCounts: new Map<string, number>() });
  let section: Section | undefined;
  for (const block of text.split(/\n\s*\n/)) {
    const line = block.trim();
    if (line.startsWith('## ')) {
      section = Object.assign(new Section(), { heading: line.slice(3), paragraphs: [] });
      doc.sections.push(section);
    } else if (line.startsWith('# ')) {
      doc.title = line.slice(2);
    } else if (line.length > 0) {
      section?.paragraphs.push(line);
      for (const w of line.toLowerCase().match(/[a-z0-9]+/g) ?? []) doc.wordCounts.set(w, (doc.wordCounts.get(w) ?? 0) + 1);
    }
  }
  return doc;
}

/** Some source text to parse (a real cache would read files). */
function sourceOf(i: number): string {
  const out = [`# Document ${i}`];
  for (let s = 0; s < 6; s++) {
    out.push(`## Part ${s} of document ${i}`);
    for (let p = 0; p < 5; p++) {
      out.push(`Paragraph ${p} of part ${s} in document ${i} talks about topic${(i * 7 + s * 3 + p) % 97} ` +
        `and refers to item${(i + p) % 53}, section${s}, note${i % 11}, with some filler words to make it realistic.`);
    }
  }
  return out.join('\n\n');
}

// ---- the cache ---------------------------------------------------------------------------------

class DocumentCache {
  readonly #arcs = new Map<string, PagableArc<ParsedDocument>>();

  constructor(private readonly storage: PagableStorage) {}

  /** Parses a document and keeps it behind an arc that nobody pins: it may be paged out. */
  add(path: string, text: string): void {
    const arc = PagableArc.new(parse(path, text), this.storage); // starts Pinned
    arc.unpin(); // the cache itself does not keep it resident
    this.#arcs.set(path, arc);
  }

  /** The document, paged in if needed. Release the pin when done (or use `using`). */
  async open(path: string): Promise<PinnedPagableArc<ParsedDocument>> {
    const arc = this.#arcs.get(path);
    if (arc === undefined) throw new Error(`no document ${path}`);
    const pin = await arc.pin();
    // pin() also makes this handle Pinned; the returned pin alone should keep the document.
    arc.unpin();
    return pin;
  }

  get size(): number {
    return this.#arcs.size;
  }

  /** How many documents are in the heap right now. */
  residentCount(): number {
    let n = 0;
    for (const arc of this.#arcs.values()) if (!arc.isPagedOut) n++;
    return n;
  }
}

// ---- the walk-through --------------------------------------------------------------------------

const gc = (globalThis as { gc?: () => void }).gc;

/** Heap in use after a full collection (when node runs with --expose-gc). */
async function heapUsed(): Promise<number> {
  for (let i = 0; i < 2; i++) {
    await new Promise((r) => setImmediate(r));
    gc?.();
  }
  return process.memoryUsage().heapUsed;
}

const mb = (n: number): string => `${(n / 1048576).toFixed(1)} MB`;

async function main(): Promise<void> {
  const storage = new InMemoryPagableStorage();
  const cache = new DocumentCache(storage);

  const empty = await heapUsed();
  const N = 2000;
  for (let i = 0; i < N; i++) cache.add(`docs/${String(i).padStart(4, '0')}.md`, sourceOf(i));
  const loaded = await heapUsed();
  console.log(`parsed ${cache.size} documents: ${cache.residentCount()} resident, ${storage.pendingPagingCount()} waiting to be paged out`);

  // Nothing pins them: write them to the storage and drop them from the heap.
  const report = await storage.pageOutPending();
  const pagedOut = await heapUsed();
  console.log(`paged out ${report.pagedOut} documents (${report.failed.length} failed); ${cache.residentCount()} resident now`);
  console.log(`heap used: ${mb(loaded)} with the documents, ${mb(pagedOut)} after paging out ` +
    `(the documents took ${mb(loaded - empty)}; ${gc ? 'measured after gc()' : 'run with --expose-gc for exact figures'})`);
  console.log(`stored: ${storage.stats().blobs} blobs, ${mb(storage.stats().bytes)}`);

  // Reading one document pages it back in. `using` releases the pin at the end of the block.
  const path = 'docs/0042.md';
  {
    using doc = await cache.open(path);
    const d = doc.value;
    console.log(`${path}: "${d.title}", ${d.sections.length} sections, ${d.words()} words, first heading "${d.sections[0]!.heading}"`);
    const fresh = parse(path, sourceOf(42));
    const same = JSON.stringify(d.sections) === JSON.stringify(fresh.sections) && [...d.wordCounts].join() === [...fresh.wordCounts].join();
    console.log(`same as a fresh parse: ${same}; a ParsedDocument again: ${d instanceof ParsedDocument}`);
    if (!same) throw new Error('round trip changed the document');

    // Pins are counted: a second reader shares the resident value, with no I/O.
    const fetches = storage.stats().fetches;
    const second = await cache.open(path);
    console.log(`second reader sees the same object: ${second.value === d}, fetches: ${storage.stats().fetches - fetches}`);
    second.release();
  }
  // The last pin is released: the document has a key, so it left the heap at once.
  console.log(`after release: ${cache.residentCount()} resident`);

  if (gc !== undefined && loaded - pagedOut < 0.5 * (loaded - empty)) throw new Error('paging out freed less than half the documents\' heap');
  await storage.close();
  console.log('ok');
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});

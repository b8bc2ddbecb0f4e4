/**
 * Tutorial 6: more graph than heap — automatic page-out under a memory budget.
 *
 * A job worker streams documents (here ~220 MB of them) and must keep every one reachable, but
 * its heap is capped far below that (run with `--max-old-space-size=72`). Each document goes into
 * a PagableArc that is unpinned at once: it stays resident until the storage pages it out, which
 * `autoPageOut` does by itself — when the heap passes `heapUsedLimit`, or when more than
 * `maxPending` arcs wait — on a later turn of the event loop, never on the producer's stack. The
 * handles left behind hold only keys; any document comes back with `use()` / `pin()`.
 *
 * Without `autoPageOut` (run with `--manual`) nothing pages out and the same program dies of heap
 * exhaustion: that is the point of the option.
 *
 * Run: npm run build:all && node --max-old-space-size=72 build/examples/06-memory-budget.js [--manual]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Field, LmdbPagableStorage, Pagable, PagableArc, type PageOutReport, TypeTag } from 'pagable';

@TypeTag('example06.Doc') @Pagable()
class Doc {
  @Field() id!: number;
  @Field() title!: string;
  @Field() paragraphs!: string[];
}

const DOCS = Number(process.env.DOCS ?? 2200);
const PARAGRAPHS = 500;
const MB = 1024 * 1024;
const WORDS = ['page', 'graph', 'arc', 'blob', 'heap', 'store', 'key', 'lazy', 'shared', 'value', 'budget', 'stream'];

/** Document `id`, the same every time it is asked for (so the sample read back can be checked). */
function makeDoc(id: number): Doc {
  let seed = id * 2654435761 >>> 0;
  const paragraphs: string[] = [];
  for (let p = 0; p < PARAGRAPHS; p++) {
    const words: string[] = [];
    for (let w = 0; w < 36; w++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      words.push(WORDS[seed % WORDS.length]!);
    }
    // ~200 ASCII characters per paragraph: about 100 KB of text per document.
    paragraphs.push(`${id}.${p} ${words.join(' ')}`);
  }
  return Object.assign(new Doc(), { id, title: `document ${id}`, paragraphs });
}

/** A source that yields to the event loop between documents, as a network or file stream does. */
async function* documents(n: number): AsyncGenerator<Doc> {
  for (let i = 0; i < n; i++) {
    await new Promise((r) => setImmediate(r));
    yield makeDoc(i);
  }
}

async function main(): Promise<void> {
  const manual = process.argv.includes('--manual');
  const heapLimit = 32 * MB;
  const dir = mkdtempSync(join(tmpdir(), 'pagable-budget-'));
  let runs = 0;
  const storage = await LmdbPagableStorage.open(dir, manual ? {} : {
    // Page out when the heap passes 32 MB, and in any case once 64 documents wait.
    autoPageOut: { heapUsedLimit: heapLimit, maxPending: 64, intervalMs: 20 },
    onPageOut: (r: PageOutReport) => {
      runs++;
      if (r.failed.length > 0) console.error('page-out failures:', r.failed);
    },
  });
  try {
    console.log(`budget: heap limit ${process.env.NODE_OPTIONS ?? process.execArgv.join(' ')}; autoPageOut ${manual ? 'off' : `at ${heapLimit / MB} MB heap or 64 waiting`}`);
    const arcs: PagableArc<Doc>[] = [];
    let peak = 0;
    let produced = 0;
    for await (const doc of documents(DOCS)) {
      produced += doc.paragraphs.reduce((n, p) => n + p.length, 0);
      const arc = PagableArc.new(doc, storage);
      arc.unpin(); // resident until the storage pages it out
      arcs.push(arc);
      peak = Math.max(peak, process.memoryUsage().heapUsed);
    }
    await storage.pageOutPending();
    const resident = arcs.filter((a) => !a.isPagedOut).length;
    console.log(`streamed ${arcs.length} documents, ${Math.round(produced / MB)} MB of text; ${resident} still resident`);
    console.log(`peak heap ${(peak / MB).toFixed(1)} MB against a limit of ${heapLimit / MB} MB for page-out; automatic page-outs: ${runs}`);

    // Any document comes back on demand, equal to what was streamed.
    let same = 0;
    for (const id of [0, 7, 499, 1234 % DOCS, DOCS - 1]) {
      same += (await arcs[id]!.use((d) => JSON.stringify(d) === JSON.stringify(makeDoc(id)))) ? 1 : 0;
    }
    console.log(`sample read back: ${same} of 5 equal`);
    console.log(`on disk: ${Math.round(storage.fileBytes() / MB)} MB in ${storage.stats().blobs} blobs`);
  } finally {
    await storage.close();
    rmSync(dir, { recursive: true, force: true });
  }
  console.log('ok');
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});

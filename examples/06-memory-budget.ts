/**
 * Tutorial 6: more graph than heap — bounded memory, whatever the producer's style.
 *
 * A job worker streams documents (~100 KB each, far more of them than its heap holds: it runs
 * with `--max-old-space-size=72`) and must keep every one reachable. Each document goes into a
 * PagableArc that is unpinned at once, and `autoPageOut` pages it out:
 *
 *   - when the heap passes `heapUsedLimit`, an arc queued then is paged out right there, on the
 *     producer's own stack, batch by batch (LMDB and memory can write synchronously), so even a
 *     loop that never yields stays bounded;
 *   - when more than `maxPending` arcs wait, or the heap is over while nothing is being queued, it
 *     pages out on a later turn of the event loop;
 *   - `await storage.drain()` waits until nothing needs paging out: on Redis, which cannot write
 *     synchronously, that is how a producer is held back.
 *
 * The handles left behind hold only keys; any document comes back with `use()` / `pin()`. Four
 * producers stream the same documents, one after another, each into its own store: one yields to
 * the event loop after every document (a network stream), one after every 100 (a batch reader),
 * one only awaits `drain()` every 100, and one is a plain loop that never yields.
 *
 * With `--manual` there is no `autoPageOut`, and the first producer dies of heap exhaustion: that
 * is the point of the option. It runs in a child process, so this one can say so and clean up.
 *
 * Run: npm run example -- 06 [--manual]
 *  or: npm run build:all && node --max-old-space-size=72 build/examples/06-memory-budget.js [--manual]
 */
// node-options: --max-old-space-size=72
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getHeapStatistics } from 'node:v8';
import { Field, LmdbPagableStorage, Pagable, PagableArc, type StorageOptions, TypeTag } from 'pagable';

@TypeTag('example06.Doc') @Pagable()
class Doc {
  @Field() id!: number;
  @Field() title!: string;
  @Field() paragraphs!: string[];
}

const DOCS = Number(process.env.DOCS ?? 1000);
const MB = 1024 * 1024;
const HEAP_LIMIT = 32 * MB;
const WORDS = ['page', 'graph', 'arc', 'blob', 'heap', 'store', 'key', 'lazy', 'shared', 'value', 'budget', 'stream'];

/** Document `id`, the same every time it is asked for (so the sample read back can be checked). */
function makeDoc(id: number): Doc {
  let seed = id * 2654435761 >>> 0;
  const paragraphs: string[] = [];
  for (let p = 0; p < 500; p++) {
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

const nextTurn = (): Promise<void> => new Promise((r) => setImmediate(r));

/** The producers: each calls `put` for every document, and waits (or not) in its own way. */
const PRODUCERS: Record<string, (put: (id: number) => void, storage: LmdbPagableStorage) => Promise<void> | void> = {
  'yields every document': async (put) => {
    for (let i = 0; i < DOCS; i++) {
      put(i);
      await nextTurn();
    }
  },
  'yields every 100 documents': async (put) => {
    for (let i = 0; i < DOCS; i++) {
      put(i);
      if (i % 100 === 99) await nextTurn();
    }
  },
  'awaits only drain(), every 100': async (put, storage) => {
    for (let i = 0; i < DOCS; i++) {
      put(i);
      if (i % 100 === 99) await storage.drain();
    }
  },
  'a plain loop, never yields': (put) => {
    for (let i = 0; i < DOCS; i++) put(i);
  },
};

/** Streams every document into a fresh store in `dir` the way `producer` does; prints what it took. */
async function stream(name: string, dir: string, options: StorageOptions): Promise<void> {
  const storage = await LmdbPagableStorage.open(dir, options);
  try {
    const arcs: PagableArc<Doc>[] = [];
    let peak = 0;
    let bytes = 0;
    const started = performance.now();
    await PRODUCERS[name]!((id) => {
      const doc = makeDoc(id);
      bytes += doc.paragraphs.reduce((n, p) => n + p.length, 0);
      const arc = PagableArc.new(doc, storage);
      arc.unpin(); // resident until the storage pages it out
      arcs.push(arc);
      peak = Math.max(peak, getHeapStatistics().used_heap_size);
    }, storage);
    await storage.pageOutPending();
    const seconds = (performance.now() - started) / 1000;

    // Any document comes back on demand, equal to what was streamed.
    let same = 0;
    for (const id of [0, 7, 499 % DOCS, DOCS - 1]) {
      same += (await arcs[id]!.use((d) => JSON.stringify(d) === JSON.stringify(makeDoc(id)))) ? 1 : 0;
    }
    const s = storage.stats();
    console.log(
      `${name.padEnd(31)} ${Math.round(bytes / MB)} MB in ${seconds.toFixed(1)} s; peak heap ${(peak / MB).toFixed(1)} MB; ` +
        `${s.autoPageOuts} automatic page-outs (${s.autoReclaims} on the producer's stack); sample read back: ${same} of 4 equal`,
    );
  } finally {
    await storage.close();
  }
}

async function main(): Promise<void> {
  const manual = process.argv.includes('--manual');
  const options: StorageOptions = {
    // Page out when the heap passes 32 MB, and in any case once 64 documents wait.
    autoPageOut: { heapUsedLimit: HEAP_LIMIT, maxPending: 64 },
    onPageOut: (r) => {
      if (r.failed.length > 0) console.error('page-out failures:', r.failed);
    },
  };
  const cap = process.execArgv.find((a) => a.startsWith('--max-old-space-size')) ?? 'no heap cap';
  const child = process.env.PAGABLE_TUTORIAL_06_DIR;
  if (child !== undefined) {
    // The --manual child: the first producer without autoPageOut.
    await stream('yields every document', child, {});
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'pagable-budget-'));
  try {
    if (manual) {
      console.log(`${cap}; autoPageOut off: the first producer, in a child process`);
      const r = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url)], {
        env: { ...process.env, PAGABLE_TUTORIAL_06_DIR: join(dir, 'manual') },
        stdio: ['ignore', 'inherit', 'pipe'],
      });
      const oom = /heap out of memory/i.test(r.stderr.toString());
      console.log(oom ? 'without autoPageOut it died: JavaScript heap out of memory' : `it ended: ${r.signal ?? `exit ${r.status}`}`);
    } else {
      console.log(`${cap}; autoPageOut at ${HEAP_LIMIT / MB} MB of heap or 64 waiting; ${DOCS} documents of ~100 KB per producer`);
      for (const name of Object.keys(PRODUCERS)) await stream(name, join(dir, name.replace(/\W+/g, '-')), options);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    console.log(`removed ${dir}`);
  }
  console.log('ok');
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});

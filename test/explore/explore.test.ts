import { expect } from 'chai';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { open as openEnv } from 'lmdb';
import {
  type DataKey,
  Field,
  Lazy,
  LmdbPagableStorage,
  Pagable,
  PagableArc,
  type PagableStorage,
  Shared,
  TypeTag,
} from '../../src/index.js';
import type { BlobRef, Page } from '../../src/explore/blob-ref.js';
import type { BlobDetail, Summary } from '../../src/explore/explorer.js';
import type { Neighbourhood } from '../../src/explore/neighbourhood.js';
import { type ExploreServer, startExploreServer } from '../../src/explore/server.js';
import { exploreSourceOf } from '../../src/explore/source.js';
import type { TreemapNode } from '../../src/explore/treemap.js';

// ---- a small library: several classes, two roots sharing subtrees, one unrooted graph -------------

@Pagable()
class Text {
  @Field() body!: string;
}

@TypeTag('explore.Author')
@Pagable()
class Author {
  @Field() name!: string;
  @Field() born!: number;
}

@TypeTag('explore.Book')
@Pagable()
class Book {
  @Field() title!: string;
  @Field() year!: number;
  @Shared(() => Author) author!: Author;
  @Lazy(() => Text) text!: PagableArc<Text> | undefined;
}

@TypeTag('explore.Shelf')
@Pagable()
class Shelf {
  @Field() label!: string;
  @Shared(() => [Book]) books!: Book[];
}

@TypeTag('explore.Library')
@Pagable()
class Library {
  @Field() name!: string;
  @Shared(() => [Shelf]) shelves!: Shelf[];
}

function make<T extends object>(cls: new () => T, fields: Partial<T>): T {
  return Object.assign(new cls(), fields);
}

/** Two libraries sharing a shelf and authors, and a book nobody roots. */
function buildLibraries(s: PagableStorage): { main: Library; archive: Library; orphan: Book } {
  const authors = ['Le Guin', 'Calvino', 'Borges', 'Lem'].map((name, i) => make(Author, { name, born: 1920 + i }));
  const book = (title: string, i: number): Book =>
    make(Book, {
      title,
      year: 1960 + i,
      author: authors[i % authors.length]!,
      text: PagableArc.new(make(Text, { body: `${title}: ${'lorem ipsum '.repeat(1 + (i % 4))}` }), s),
    });
  const shelves = Array.from({ length: 4 }, (_, sh) =>
    make(Shelf, {
      label: `shelf ${sh}`,
      books: Array.from({ length: 5 }, (_, b) => book(`Book ${sh}.${b}`, sh * 5 + b)),
    }),
  );
  const main = make(Library, { name: 'main', shelves: shelves.slice(0, 3) });
  const archive = make(Library, { name: 'archive', shelves: [shelves[2]!, shelves[3]!] });
  const orphan = make(Book, { title: 'Unrooted', year: 2001, author: authors[0]!, text: undefined });
  return { main, archive, orphan };
}

// ---- helpers ------------------------------------------------------------------------------------

const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const REPO = fileURLToPath(new URL('../../../', import.meta.url));

async function getJson<T>(base: string, path: string): Promise<{ status: number; body: T }> {
  const res = await fetch(new URL(path, base));
  return { status: res.status, body: (await res.json()) as T };
}

/** A raw request with a chosen Host header (fetch will not send one). */
function rawRequest(url: string, method: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers: { host } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * Copies a store this process holds open, without its lock file: LMDB knows live readers by
 * fcntl locks on lock.mdb, and closing any descriptor of that file (as a copy does) drops every
 * lock this process holds on it, so another process would then clear our reader slots.
 */
function copyStore(from: string, to: string): void {
  cpSync(from, to, { recursive: true, filter: (src) => !src.endsWith('lock.mdb') });
}

function classNames(t: TreemapNode): string[] {
  return (t.children ?? []).map((c) => c.name);
}

describe('pagable explore', function () {
  this.timeout(60_000);
  let dir: string;
  let store: string;
  let keys: { main: DataKey; archive: DataKey; orphan: DataKey };
  let blobs: number;
  let bytes: number;
  let storage: LmdbPagableStorage;
  let server: ExploreServer;
  let base: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pagable-explore-'));
    store = join(dir, 'store');
    const s = await LmdbPagableStorage.open(store);
    const g = buildLibraries(s);
    keys = { main: await s.save(g.main), archive: await s.save(g.archive), orphan: await s.save(g.orphan) };
    await s.setRoot('main', keys.main);
    await s.setRoot('archive', keys.archive);
    await s.close();
    const counted = await LmdbPagableStorage.open(store, { create: false, readOnly: true });
    ({ blobs, bytes } = counted.stats());
    await counted.close();
    // As the CLI opens it: read-only, unverified reads (the scan re-hashes every blob itself).
    storage = await LmdbPagableStorage.open(store, { create: false, readOnly: true, verify: false, countAtOpen: false });
    server = await startExploreServer(exploreSourceOf(storage), { port: 0 });
    base = server.url;
    await server.explorer.scanned();
  });

  after(async () => {
    await server?.close();
    await storage?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('listens on loopback and serves the page and its script', async () => {
    expect(base).to.match(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await fetch(base);
    expect(page.status).to.equal(200);
    expect(page.headers.get('content-type')).to.match(/text\/html/);
    expect(await page.text()).to.contain('<script type="module" src="/app.js">');
    const js = await fetch(new URL('/app.js', base));
    expect(js.status).to.equal(200);
    // No remote assets: the bundle and the page name no other origin.
    expect(await js.text()).not.to.match(/https?:\/\/(?!www\.w3\.org)[a-z]/i);
  });

  it('summary: blob count, bytes, dedup, verify and what gc would free, matching the library and a real gc', async () => {
    const { status, body: s } = await getJson<Summary>(base, '/api/summary');
    expect(status).to.equal(200);
    expect(s.scan.phase).to.equal('done');
    expect(s.roots).to.equal(2);
    expect(s.fileBytes).to.be.greaterThan(0);
    const t = s.totals!;
    expect(t.blobs).to.equal(blobs);
    expect(t.bytes).to.equal(bytes);
    expect(t.verify).to.deep.equal({ checked: blobs, corrupt: 0, corruptKeys: [] });
    // Shared authors and a shelf in both libraries: without dedup the store would be larger.
    expect(t.dedupRatio).to.be.greaterThan(1);
    expect(t.dangling.refs).to.equal(0);

    // The dry run frees exactly what gc frees (gc on a copy: the explorer never writes).
    const copy = join(dir, 'gc-copy');
    copyStore(store, copy);
    const rw = await LmdbPagableStorage.open(copy, { create: false });
    const report = await rw.gc();
    await rw.close();
    expect(report.freedBlobs).to.be.greaterThan(0);
    expect(t.gc).to.deep.equal({ unreachableBlobs: report.freedBlobs, unreachableBytes: report.freedBytes });
  });

  it('treemap by class lists every class, and its rectangles add up to the store', async () => {
    const { body: t } = await getJson<TreemapNode>(base, '/api/treemap?by=class');
    expect(classNames(t)).to.include.members(['explore.Library', 'explore.Shelf', 'explore.Book', 'explore.Author']);
    // Text has no tag: its class name comes from the schema it was written with.
    expect(classNames(t)).to.include('Text');
    // Schema blobs (the writers' schemas travel with the data) group together.
    expect(classNames(t)).to.include('(schema)');
    expect(t.blobs).to.equal(blobs);
    expect(t.bytes).to.equal(bytes);
    const books = t.children!.find((c) => c.name === 'explore.Book')!;
    expect(books.blobs).to.equal(21); // 20 shelved + the orphan
  });

  it('treemap by root puts each blob once: under its root, shared, or unreachable', async () => {
    const { body: t } = await getJson<TreemapNode>(base, '/api/treemap?by=root');
    const groups = new Map((t.children ?? []).map((c) => [c.name, c]));
    expect([...groups.keys()]).to.include.members(['main', 'archive', 'shared by several roots', 'reached by no root (gc would free)']);
    expect(groups.get('main')!.key).to.equal(keys.main);
    expect(t.blobs).to.equal(blobs);
    expect(t.bytes).to.equal(bytes);
    const { body: s } = await getJson<Summary>(base, '/api/summary');
    expect(groups.get('reached by no root (gc would free)')!.blobs).to.equal(s.totals!.gc.unreachableBlobs);
    // The shelf both libraries hold is shared, with its books.
    expect(classNames(groups.get('shared by several roots')!)).to.include('explore.Shelf');
    const { body: bad } = await getJson<{ code: string }>(base, '/api/treemap?by=size');
    expect(bad.code).to.equal('INVALID_ARGUMENT');
  });

  it('roots: name, key, class and what each reaches', async () => {
    const { body: roots } = await getJson<Array<{ name: string; key: string; label: string; reach: { blobs: number } }>>(
      base,
      '/api/roots',
    );
    expect(roots.map((r) => r.name)).to.deep.equal(['archive', 'main']);
    const main = roots.find((r) => r.name === 'main')!;
    expect(main.key).to.equal(keys.main);
    expect(main.label).to.equal('explore.Library');
    expect(main.reach.blobs).to.be.greaterThan(30);
  });

  it('a blob: class, fields, child links with their classes, size, referrers; by key, prefix or root name', async () => {
    const { body: lib } = await getJson<BlobDetail>(base, '/api/blob/main');
    expect(lib.key).to.equal(keys.main);
    expect(lib.label).to.equal('explore.Library');
    expect(lib.tag).to.equal('explore.Library');
    expect(lib.roots).to.deep.equal(['main']);
    expect(lib.verified).to.equal(true);
    expect(lib.reachedBy).to.deep.equal(['main']);
    expect(lib.fields[0]!.preview).to.equal('"main"');
    expect(lib.childRefs).to.have.length(3);
    expect(lib.childRefs.every((c) => c.label === 'explore.Shelf' && c.present && c.bytes > 0)).to.equal(true);
    expect(lib.referrers!.total).to.equal(0);

    // The shelf both libraries hold: two referrers, reached by both roots.
    const shared = lib.childRefs[2]!.key;
    const { body: shelf } = await getJson<BlobDetail>(base, `/api/blob/${shared.slice(0, 12)}`);
    expect(shelf.key).to.equal(shared);
    expect(shelf.referrers!.items.map((r) => r.key).sort()).to.deep.equal([keys.main, keys.archive].sort());
    expect(shelf.reachedBy).to.equal('shared');

    // An author is referred to by several books; paging the referrers.
    const { body: book } = await getJson<BlobDetail>(base, `/api/blob/${shelf.childRefs[0]!.key}`);
    expect(book.label).to.equal('explore.Book');
    const author = book.childRefs.find((c) => c.label === 'explore.Author')!;
    const { body: page1 } = await getJson<Page<BlobRef>>(base, `/api/referrers/${author.key}?offset=0&limit=2`);
    const { body: page2 } = await getJson<Page<BlobRef>>(base, `/api/referrers/${author.key}?offset=2&limit=100`);
    expect(page1.items).to.have.length(2);
    expect(page1.total).to.be.greaterThan(2);
    expect(page1.items.length + page2.items.length).to.equal(page1.total);

    // The unrooted book: gc would free it.
    const { body: orphan } = await getJson<BlobDetail>(base, `/api/blob/${keys.orphan}`);
    expect(orphan.reachedBy).to.equal('unreachable');

    const missing = await getJson<{ code: string }>(base, `/api/blob/${'0'.repeat(32)}`);
    expect(missing.status).to.equal(404);
    expect(missing.body.code).to.equal('NOT_FOUND');
    const raw = await getJson<{ key: string; tag: string }>(base, `/api/raw/${keys.main}`);
    expect(raw.body).to.include({ key: keys.main, tag: 'explore.Library' });
  });

  it('neighbourhood: children and referrers around a blob, cut by depth and by node count, and says so', async () => {
    const { body: g } = await getJson<Neighbourhood>(base, `/api/graph/${keys.main}?down=1&up=0&nodes=100`);
    expect(g.centre).to.equal(keys.main);
    // The library, its three children, and the schema set it was written with (its last child).
    expect(g.nodes).to.have.length(5);
    expect(g.edges).to.have.length(4);
    expect(g.cutByDepth).to.equal(true);
    expect(g.cutByNodes).to.equal(false);
    const { body: full } = await getJson<Neighbourhood>(base, `/api/graph/${keys.main}?down=8&up=0&nodes=1000`);
    expect(full.cutByDepth).to.equal(false);
    expect(full.cutByNodes).to.equal(false);
    const { body: cut } = await getJson<Neighbourhood>(base, `/api/graph/${keys.main}?down=8&up=0&nodes=5`);
    expect(cut.nodes).to.have.length(5);
    expect(cut.cutByNodes).to.equal(true);
    // Upwards: the shared shelf's two libraries.
    const shelf = g.edges[2]!.to;
    const { body: up } = await getJson<Neighbourhood>(base, `/api/graph/${shelf}?down=0&up=1&nodes=100`);
    expect(
      up.nodes
        .filter((n) => n.level === -1)
        .map((n) => n.key)
        .sort(),
    ).to.deep.equal([keys.main, keys.archive].sort());
  });

  it('search: keys by prefix, classes and roots by name; class members a page at a time', async () => {
    const prefix = keys.orphan.slice(0, 6);
    const { body: r } = await getJson<{
      keys: BlobRef[];
      classes: Array<{ label: string; blobs: number }>;
      roots: Array<{ name: string }>;
    }>(base, `/api/search?q=${prefix}`);
    expect(r.keys.map((k) => k.key)).to.include(keys.orphan);
    const { body: byClass } = await getJson<{ classes: Array<{ label: string; blobs: number; bytes: number }> }>(
      base,
      '/api/search?q=BOOK',
    );
    expect(byClass.classes).to.deep.equal([{ label: 'explore.Book', blobs: 21, bytes: byClass.classes[0]!.bytes }]);
    const { body: byRoot } = await getJson<{ roots: Array<{ name: string }> }>(base, '/api/search?q=arch');
    expect(byRoot.roots.map((x) => x.name)).to.deep.equal(['archive']);
    const { body: page } = await getJson<Page<BlobRef>>(base, '/api/class/explore.Book?offset=20&limit=10');
    expect(page.total).to.equal(21);
    expect(page.items).to.have.length(1);
    const none = await getJson<{ code: string }>(base, '/api/class/nope');
    expect(none.status).to.equal(404);
  });

  it('is read-only and answers only to loopback host names', async () => {
    const url = new URL('/api/summary', base).toString();
    expect(await rawRequest(url, 'DELETE', new URL(base).host)).to.equal(405);
    expect(await rawRequest(url, 'PUT', new URL(base).host)).to.equal(405);
    // A POST without the page's proof is refused before routing (test/explore/server.test.ts).
    expect((await fetch(new URL(`/api/blob/${keys.main}`, base), { method: 'POST' })).status).to.equal(403);
    // A page elsewhere reaching the API through DNS rebinding names its own host: refused.
    expect(await rawRequest(url, 'GET', 'evil.example:80')).to.equal(421);
    expect(await rawRequest(url, 'GET', `localhost:${new URL(base).port}`)).to.equal(200);
    const { body: s } = await getJson<Summary>(base, '/api/summary');
    expect(s.totals!.blobs).to.equal(blobs);
  });

  it('reports a corrupt blob in verify and in its view', async () => {
    const copy = join(dir, 'corrupt');
    copyStore(store, copy);
    const env = openEnv({ path: copy, maxDbs: 4 });
    const raw = env.openDB<Uint8Array, Uint8Array>('blobs', { keyEncoding: 'binary', encoding: 'binary' });
    const rec = Buffer.from(raw.getBinary(Buffer.from(keys.orphan, 'hex'))!);
    rec[rec.length - 1] ^= 0x20;
    await raw.put(Buffer.from(keys.orphan, 'hex'), rec);
    await env.close();
    const s = await LmdbPagableStorage.open(copy, { create: false, readOnly: true, verify: false, countAtOpen: false });
    const srv = await startExploreServer(exploreSourceOf(s), { port: 0 });
    try {
      await srv.explorer.scanned();
      const { body: sum } = await getJson<Summary>(srv.url, '/api/summary');
      expect(sum.totals!.verify).to.deep.equal({ checked: blobs, corrupt: 1, corruptKeys: [keys.orphan] });
      const { body: b } = await getJson<BlobDetail>(srv.url, `/api/blob/${keys.orphan}`);
      expect(b.verified).to.equal(false);
    } finally {
      await srv.close();
      await s.close();
    }
  });

  it('the CLI prints the URL, serves, and stops cleanly on SIGINT', async () => {
    const child = spawn(process.execPath, [CLI, 'explore', store, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (b: Buffer) => {
        out += b.toString();
        const m = /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
        if (m) resolve(m[1]!);
      });
      child.on('exit', (code) => reject(new Error(`explore exited ${code}: ${out}${err}`)));
    });
    expect(out).to.contain(`pagable explore: ${store} at ${url}`);
    const { body } = await getJson<Summary>(url, '/api/summary');
    expect(body.store).to.equal(store);
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    child.kill('SIGINT');
    expect(await exited).to.equal(0);
    expect(err).to.contain('stopped');
    const usage = spawnSync(process.execPath, [CLI, 'stats', store, '--port', '1'], { encoding: 'utf8' });
    expect(usage.status).to.equal(2);
    expect(usage.stderr).to.contain('--port and --host apply to explore only');
  });

  describe('the page in Chromium', function () {
    this.timeout(120_000);
    const CHROMIUM = '/usr/bin/chromium';
    // The flags headless Chromium needs on this machine kind (no sandbox as root; no background
    // connections, which the closed network refuses).
    const FLAGS = [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ];
    let shots: string;

    before(function () {
      if (!existsSync(CHROMIUM) && process.getuid?.() === 0 && existsSync('/usr/bin/apt-get')) {
        this.timeout(600_000);
        spawnSync('bash', ['-c', 'apt-get update -qq && apt-get install -y -qq --no-install-recommends chromium'], {
          stdio: 'ignore',
          timeout: 540_000,
          env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
        });
      }
      if (!existsSync(CHROMIUM)) {
        console.log(`      (skipped: no ${CHROMIUM}; install Debian's chromium package, as .ci/run does, to run the browser test)`);
        this.skip();
      }
      shots = mkdtempSync(join(tmpdir(), 'pagable-explore-shots-'));
    });

    it('shows the treemap of the classes, follows a child link, finds a key by prefix', async () => {
      const { chromium } = await import('playwright-core');
      const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
      try {
        const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
        const errors: string[] = [];
        page.on('pageerror', (e) => errors.push(e.message));
        await page.goto(base);
        await page.waitForSelector('body[data-ready="true"]', { timeout: 20_000 });

        // The treemap has a rectangle per class.
        const labels = await page.$$eval('#treemap g.cell', (cells) => cells.map((c) => c.getAttribute('data-label')));
        expect(labels).to.include.members(['explore.Library', 'explore.Shelf', 'explore.Book', 'explore.Author']);
        // With no view chosen, the first root is shown.
        await page.waitForSelector('#blob .blob-title h2');
        expect(await page.textContent('#blob .blob-title h2')).to.equal('explore.Library');
        expect(await page.textContent('#verify-result')).to.contain(`all ${blobs} blobs hash to their keys`);
        expect(await page.textContent('#gc-result')).to.contain('gc would free');
        await page.waitForSelector('#graph svg a.node.centre');
        await page.screenshot({ path: join(shots, '1-root.png'), fullPage: true });
        if (process.env.PAGABLE_EXPLORE_DOCS === '1') {
          mkdirSync(join(REPO, 'docs'), { recursive: true });
          await page.screenshot({ path: join(REPO, 'docs', 'explore.png'), fullPage: true });
        }

        // Follow a child link: the page moves to that blob.
        const child = await page.getAttribute('#blob a.child-link', 'data-key');
        await page.click('#blob a.child-link');
        await page.locator('#blob .full-key', { hasText: child! }).waitFor();
        expect(page.url()).to.contain(`#/blob/${child}`);
        expect(await page.textContent('#blob .blob-title h2')).to.equal('explore.Shelf');
        expect(await page.$$eval('#blob a.referrer-link', (a) => a.length)).to.be.greaterThan(0);
        await page.screenshot({ path: join(shots, '2-child.png'), fullPage: true });

        // Search by key prefix, then open the result.
        await page.fill('#search', keys.orphan.slice(0, 8));
        await page.waitForSelector(`#search-results a.key-result[data-key="${keys.orphan}"]`);
        await page.click(`#search-results a.key-result[data-key="${keys.orphan}"]`);
        await page.locator('#blob .full-key', { hasText: keys.orphan }).waitFor();
        expect(await page.textContent('#blob')).to.contain('gc would free it');

        // The treemap by root names the roots.
        await page.click('.toggle button[data-by="root"]');
        await page.waitForSelector('#treemap g.group[data-group="main"]');
        await page.screenshot({ path: join(shots, '3-search-by-root.png'), fullPage: true });

        // Rescan: the page's own POST carries the proof the server asks of state-changing requests.
        const [rescan] = await Promise.all([page.waitForResponse((r) => r.url().endsWith('/api/rescan')), page.click('#rescan')]);
        expect(rescan.status()).to.equal(200);
        expect(errors).to.deep.equal([]);
      } finally {
        await browser.close();
      }
    });

    after(() => {
      if (shots !== undefined) console.log(`      screenshots: ${shots}`);
    });
  });
});

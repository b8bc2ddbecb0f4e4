/**
 * The explorer page: header figures and scan progress, roots, search, the treemap, one blob at a
 * time and its neighbourhood. Views are addressed by the URL hash (#/blob/KEY, #/class/LABEL),
 * so the back button and links work. Everything comes from the JSON API, a bounded piece at a time.
 */
import { type ScanProgress, type Summary, type TreemapNode, api } from './api.js';
import { blobLink, chip, renderBlob, renderClassList } from './blob-panel.js';
import { byId, el, kids, route } from './dom.js';
import { bytes, count, ratio } from './format.js';
import { renderGraph } from './graph-view.js';
import { renderTreemap } from './treemap-view.js';

const state: { treemapBy: 'class' | 'root'; treemap: TreemapNode | null; summary: Summary | null } = {
  treemapBy: 'class',
  treemap: null,
  summary: null,
};

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

// ---- header: figures and the scan --------------------------------------------------------------

function stat(value: string, label: string, cls = ''): HTMLElement {
  return el('div', { class: `stat ${cls}`, 'data-stat': label }, el('b', {}, value), el('span', {}, label));
}

function renderSummary(s: Summary): void {
  byId('store-name').textContent = s.store;
  const t = s.totals;
  const items: HTMLElement[] = [];
  if (t === null) {
    items.push(stat(String(s.roots), 'roots'));
    if (s.fileBytes !== null) items.push(stat(bytes(s.fileBytes), 'on disk'));
  } else {
    items.push(
      stat(count(t.blobs), 'blobs'),
      stat(bytes(t.bytes), 'stored'),
      ...(s.fileBytes !== null ? [stat(bytes(s.fileBytes), 'on disk')] : []),
      stat(ratio(t.dedupRatio), 'dedup'),
      stat(count(s.roots), 'roots'),
      stat(t.verify.corrupt === 0 ? 'ok' : `${count(t.verify.corrupt)} corrupt`, 'verify', t.verify.corrupt === 0 ? 'good' : 'bad'),
      stat(
        t.gc.unreachableBlobs === 0 ? 'nothing' : `${bytes(t.gc.unreachableBytes)}`,
        'gc would free',
        t.gc.unreachableBlobs === 0 ? 'good' : '',
      ),
    );
  }
  byId('stats').replaceChildren(...items);
  renderHealth(s);
}

function renderHealth(s: Summary): void {
  const t = s.totals;
  const host = byId('health');
  if (t === null) {
    host.replaceChildren();
    return;
  }
  host.replaceChildren(
    ...kids(
      el('h2', {}, 'Store health'),
      el(
        'p',
        { id: 'verify-result', class: t.verify.corrupt === 0 ? 'good' : 'bad' },
        t.verify.corrupt === 0
          ? `verify: all ${count(t.verify.checked)} blobs hash to their keys`
          : `verify: ${count(t.verify.corrupt)} of ${count(t.verify.checked)} blobs do not hash to their keys`,
      ),
      ...t.verify.corruptKeys.slice(0, 10).map((k) => el('p', {}, el('a', { href: route('blob', k) }, el('code', {}, k)))),
      el(
        'p',
        { id: 'gc-result' },
        t.gc.unreachableBlobs === 0
          ? 'gc would free nothing: every blob is reached from a root'
          : `gc would free ${count(t.gc.unreachableBlobs)} blob${t.gc.unreachableBlobs === 1 ? '' : 's'} (${bytes(t.gc.unreachableBytes)}) that no root reaches`,
      ),
      t.dangling.refs > 0 ? el('p', { class: 'bad' }, `${count(t.dangling.refs)} references to missing blobs`) : null,
      el(
        'p',
        { class: 'muted' },
        `dedup ${ratio(t.dedupRatio)}: ${bytes(t.logicalBytes)} if every reference held its own copy, ${bytes(t.bytes)} stored; ${count(t.edges)} references, ${count(t.labels)} classes`,
      ),
      el('p', { class: 'muted' }, `scanned in ${((s.scan.ms ?? 0) / 1000).toFixed(1)} s; index ${bytes(t.indexBytes)} in the server`),
    ),
  );
}

function renderProgress(p: ScanProgress): void {
  const box = byId('scan');
  const running = p.phase !== 'done' && p.phase !== 'failed';
  box.hidden = !running && p.phase !== 'failed';
  const bar = byId<HTMLProgressElement>('scan-bar');
  if (p.phase === 'failed') {
    byId('scan-text').textContent = `scan failed: ${p.error ?? ''}`;
    bar.hidden = true;
    return;
  }
  bar.hidden = false;
  const phase = p.phase === 'keys' ? 'listing keys' : p.phase === 'blobs' ? 'reading blobs' : 'analysing';
  byId('scan-text').textContent = `${phase} ${count(p.done)}${p.total !== undefined ? ` / ${count(p.total)}` : ''}`;
  // Listing keys counts against the store's own blob count where it has one (LMDB), reading against the keys listed.
  if (p.phase !== 'analysis' && p.total !== undefined && p.total > 0) bar.value = Math.min(1, p.done / p.total);
  else bar.removeAttribute('value');
}

/** Polls the scan until it is done, then reloads what depends on it. */
async function followScan(): Promise<void> {
  for (;;) {
    const p = await api.progress();
    renderProgress(p);
    if (p.phase === 'done' || p.phase === 'failed') break;
    await new Promise((r) => setTimeout(r, 250));
  }
  state.summary = await api.summary();
  renderSummary(state.summary);
  await Promise.all([loadRoots(), loadTreemap()]);
  await show();
}

// ---- roots, treemap --------------------------------------------------------------------------

async function loadRoots(): Promise<void> {
  const roots = await api.roots();
  const host = byId('roots');
  if (roots.length === 0) {
    host.replaceChildren(el('li', { class: 'muted' }, '(no roots)'));
    return;
  }
  host.replaceChildren(
    ...roots.map((r) =>
      el(
        'li',
        {},
        el(
          'a',
          { class: 'root-item', href: route('blob', r.key), 'data-root': r.name, title: r.key },
          el('span', { class: 'root-name' }, r.label !== null ? chip(r.label) : null, ' ', r.name),
          el(
            'small',
            {},
            `${r.label ?? ''} ${r.key.slice(0, 10)}${r.reach !== null ? ` · reaches ${count(r.reach.blobs)} blobs, ${bytes(r.reach.bytes)}` : ''}`,
          ),
        ),
      ),
    ),
  );
}

async function loadTreemap(): Promise<void> {
  const host = byId('treemap');
  state.treemap = await api.treemap(state.treemapBy);
  if (state.treemap === null) {
    host.replaceChildren(el('p', { class: 'muted' }, 'waiting for the scan…'));
    return;
  }
  if (state.treemap.blobs === 0) {
    host.replaceChildren(el('p', { class: 'muted' }, 'the store is empty'));
    return;
  }
  renderTreemap(host, state.treemap, state.treemapBy === 'root');
}

// ---- search ------------------------------------------------------------------------------------

let searchSeq = 0;

async function search(q: string): Promise<void> {
  const host = byId('search-results');
  const seq = ++searchSeq;
  if (q.trim() === '') {
    host.replaceChildren();
    return;
  }
  const r = await api.search(q);
  if (seq !== searchSeq) return;
  const parts: Array<HTMLElement | null> = [];
  if (r.roots.length > 0) {
    parts.push(
      el('h3', {}, 'Roots'),
      el(
        'ul',
        { class: 'link-list' },
        ...r.roots.map((x) => el('li', {}, el('a', { class: 'root-result', href: route('blob', x.key) }, x.name))),
      ),
    );
  }
  if (r.classes !== null && r.classes.length > 0) {
    parts.push(
      el('h3', {}, 'Classes'),
      el(
        'ul',
        { class: 'link-list' },
        ...r.classes.map((c) =>
          el(
            'li',
            {},
            el(
              'a',
              { class: 'blob-link class-result', href: route('class', c.label), 'data-label': c.label },
              chip(c.label),
              el('span', { class: 'label' }, c.label),
              el('span', { class: 'size' }, `${count(c.blobs)} · ${bytes(c.bytes)}`),
            ),
          ),
        ),
      ),
    );
  }
  if (r.keys !== null && r.keys.length > 0) {
    parts.push(el('h3', {}, 'Keys'), el('ul', { class: 'link-list' }, ...r.keys.map((k) => el('li', {}, blobLink(k, 'key-result')))));
  }
  if (r.keys === null) parts.push(el('p', { class: 'muted' }, 'keys and classes are searchable once the scan is done'));
  if (parts.length === 0) parts.push(el('p', { class: 'muted' }, 'nothing matches'));
  host.replaceChildren(...parts.filter((p): p is HTMLElement => p !== null));
}

// ---- the current view (#/blob/KEY, #/class/LABEL) -------------------------------------------------

function currentRoute(): { kind: string; arg: string } | undefined {
  const m = /^#\/(blob|class)\/(.+)$/.exec(location.hash);
  if (m === null) return undefined;
  try {
    return { kind: m[1]!, arg: decodeURIComponent(m[2]!) };
  } catch {
    return undefined;
  }
}

let viewSeq = 0;

async function show(): Promise<void> {
  const seq = ++viewSeq;
  const r = currentRoute();
  const blobHost = byId('blob');
  if (r === undefined) {
    // No view chosen: the first root, if any.
    const first = byId('roots').querySelector<HTMLAnchorElement>('a.root-item');
    if (first !== null) location.replace(first.getAttribute('href')!);
    return;
  }
  if (r.kind === 'class') {
    renderClassList(blobHost, r.arg);
    byId('graph-card').hidden = true;
    return;
  }
  byId('graph-card').hidden = false;
  try {
    const d = await api.blob(r.arg);
    if (seq !== viewSeq) return;
    renderBlob(blobHost, d);
    await showGraph(d.key, seq);
  } catch (e) {
    if (seq !== viewSeq) return;
    blobHost.replaceChildren(el('p', { class: 'bad' }, errorText(e)));
    byId('graph').replaceChildren();
    byId('graph-note').textContent = '';
  }
}

async function showGraph(key: string, seq: number): Promise<void> {
  const form = byId<HTMLFormElement>('graph-limits');
  const num = (name: string, fallback: number): number => {
    const v = Number((form.elements.namedItem(name) as HTMLInputElement).value);
    return Number.isInteger(v) ? v : fallback;
  };
  const g = await api.graph(key, num('down', 2), num('up', 1), num('nodes', 60));
  if (seq !== viewSeq) return;
  const notes: string[] = [`${count(g.nodes.length)} blobs, ${count(g.edges.length)} references`];
  if (g.cutByNodes) notes.push(`cut at ${count(g.nodes.length)} nodes: raise "nodes" to see more`);
  if (g.cutByDepth) notes.push('cut by depth: blobs marked +N have neighbours beyond the levels shown');
  if (!g.referrersKnown) notes.push('referrers appear once the scan is done');
  const note = byId('graph-note');
  note.textContent = notes.join(' · ');
  note.className = g.cutByNodes || g.cutByDepth ? 'cut' : 'muted';
  renderGraph(byId('graph'), g);
}

// ---- wiring ------------------------------------------------------------------------------------

function wire(): void {
  window.addEventListener('hashchange', () => void show());
  for (const b of document.querySelectorAll<HTMLButtonElement>('.toggle button')) {
    b.addEventListener('click', () => {
      state.treemapBy = b.dataset.by === 'root' ? 'root' : 'class';
      for (const o of document.querySelectorAll('.toggle button')) o.classList.toggle('on', o === b);
      void loadTreemap();
    });
  }
  const input = byId<HTMLInputElement>('search');
  let timer: ReturnType<typeof setTimeout> | undefined;
  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => void search(input.value), 150);
  });
  byId('search-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    clearTimeout(timer);
    void search(input.value);
  });
  byId('graph-limits').addEventListener('change', () => {
    const r = currentRoute();
    if (r?.kind === 'blob') void showGraph(r.arg, viewSeq);
  });
  byId('rescan').addEventListener('click', () => {
    void api.rescan().then(() => followScan());
  });
  let resize: ReturnType<typeof setTimeout> | undefined;
  window.addEventListener('resize', () => {
    clearTimeout(resize);
    resize = setTimeout(() => {
      if (state.treemap !== null && state.treemap.blobs > 0) renderTreemap(byId('treemap'), state.treemap, state.treemapBy === 'root');
    }, 200);
  });
}

async function start(): Promise<void> {
  wire();
  state.summary = await api.summary();
  renderSummary(state.summary);
  await loadRoots();
  // The blob view works before the scan is done (it reads the blob itself).
  void show();
  await followScan();
  document.body.dataset.ready = 'true';
}

start().catch((e: unknown) => {
  document.body.prepend(el('p', { class: 'bad' }, `the explorer failed: ${errorText(e)}`));
});

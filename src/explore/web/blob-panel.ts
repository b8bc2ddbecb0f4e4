/** One blob: class, key, size, verification, roots, fields, child links, referrers (paged). */
import { type BlobDetail, type BlobRef, api } from './api.js';
import { colorOf } from './colors.js';
import { el, kids, route } from './dom.js';
import { bytes, count, shortKey } from './format.js';

/** A link to a blob, as lists show it: colour chip, class, short key, size. */
export function blobLink(ref: BlobRef, cls: string, prefix?: string): HTMLElement {
  return el(
    'a',
    { class: `blob-link ${cls}`, href: route('blob', ref.key), 'data-key': ref.key, title: ref.key },
    prefix !== undefined ? el('span', { class: 'pos' }, prefix) : null,
    chip(ref.label),
    el('span', { class: 'label' }, ref.label),
    el('code', {}, shortKey(ref.key)),
    el('span', { class: 'size' }, bytes(ref.bytes)),
  );
}

/** A small square in the class's colour. */
export function chip(label: string): HTMLElement {
  const c = el('span', { class: 'chip' });
  c.style.background = colorOf(label);
  return c;
}

function reachText(d: BlobDetail): HTMLElement | string {
  if (d.reachedBy === undefined) return 'known once the scan is done';
  if (d.reachedBy === 'unreachable') return el('span', { class: 'bad' }, 'no root: gc would free it');
  if (d.reachedBy === 'shared') return 'several roots';
  return d.reachedBy.join(', ');
}

/** Renders `d` into `host`. */
export function renderBlob(host: HTMLElement, d: BlobDetail): void {
  const facts = el(
    'dl',
    { class: 'facts' },
    el('dt', {}, 'key'),
    el('dd', {}, el('code', { class: 'full-key' }, d.key)),
    el('dt', {}, 'size'),
    el('dd', {}, `${bytes(d.bytes)} (${count(d.bytes)} bytes)`),
    d.className !== undefined ? el('dt', {}, 'class') : null,
    d.className !== undefined ? el('dd', {}, d.className) : null,
    el('dt', {}, 'tag'),
    el('dd', {}, d.tag ?? '(none)'),
    el('dt', {}, 'content'),
    el(
      'dd',
      {},
      d.verified ? el('span', { class: 'good' }, 'hashes to its key') : el('span', { class: 'bad' }, 'CORRUPT: does not hash to its key'),
    ),
    el('dt', {}, 'named by'),
    el('dd', {}, d.roots.length > 0 ? d.roots.join(', ') : '(no root)'),
    el('dt', {}, 'reached from'),
    el('dd', {}, reachText(d)),
  );
  const fields = el(
    'table',
    { class: 'fields' },
    el('thead', {}, el('tr', {}, el('th', {}, 'field'), el('th', {}, 'value'))),
    el(
      'tbody',
      {},
      ...d.fields.map((f) =>
        el(
          'tr',
          {},
          el('td', { class: 'field-name' }, f.name ?? `#${f.index}`),
          el(
            'td',
            { class: 'field-value' },
            el('code', {}, f.preview),
            // Where the schema tells which children a field holds, link them right here.
            ...(f.children ?? []).map((ci) =>
              d.childRefs[ci] !== undefined ? blobLink(d.childRefs[ci]!, 'field-link', String(ci)) : null,
            ),
          ),
        ),
      ),
    ),
  );
  const children = el(
    'div',
    { class: 'children' },
    el('h3', {}, `Children (${count(d.children.length)})`),
    d.children.length === 0 ? el('p', { class: 'muted' }, 'none: a leaf blob') : null,
    d.childRefs.length < d.children.length
      ? el('p', { class: 'muted' }, `the first ${count(d.childRefs.length)} are listed; raw JSON lists every key`)
      : null,
    el(
      'ol',
      { class: 'link-list' },
      ...d.childRefs.map((c, i) =>
        el('li', {}, c.present ? blobLink(c, 'child-link', String(i)) : el('span', { class: 'bad' }, `${i} missing blob ${c.key}`)),
      ),
    ),
  );
  const referrers = el('div', { class: 'referrers' }, el('h3', {}, 'Referrers'));
  renderReferrers(referrers, d);
  host.replaceChildren(
    ...kids(
      el(
        'div',
        { class: 'blob-title' },
        chip(d.label),
        el('h2', {}, d.label),
        el('a', { class: 'raw', href: api.rawUrl(d.key), target: '_blank', rel: 'noopener' }, 'raw JSON'),
      ),
      facts,
      d.error !== undefined ? el('p', { class: 'bad' }, d.error) : null,
      el('h3', {}, 'Fields'),
      d.fields.length === 0 ? el('p', { class: 'muted' }, 'no fields') : fields,
      d.fields.length < d.fieldCount
        ? el('p', { class: 'muted' }, `the first ${count(d.fields.length)} of ${count(d.fieldCount)} shown; raw JSON has them all`)
        : null,
      d.fields.every((f) => f.name === undefined) &&
        el(
          'p',
          { class: 'muted note' },
          'Fields are positional (#0, #1, ...) in declaration order. An arc field (@Shared, @Lazy) holds a placeholder (0); its blob is among the children, in the order the body refers to them.',
        ),
      el('div', { class: 'two-cols' }, children, referrers),
    ),
  );
}

function renderReferrers(host: HTMLElement, d: BlobDetail): void {
  const first = d.referrers;
  if (first === undefined) {
    host.append(el('p', { class: 'muted' }, 'known once the scan is done'));
    return;
  }
  const list = el('ul', { class: 'link-list' });
  const more = el('button', { class: 'more', type: 'button' }, 'more');
  const heading = host.querySelector('h3')!;
  heading.textContent = `Referrers (${count(first.total)})`;
  if (first.total === 0) host.append(el('p', { class: 'muted' }, d.roots.length > 0 ? 'none: a root' : 'none'));
  let shown = 0;
  const add = (items: BlobRef[]): void => {
    for (const r of items) list.append(el('li', {}, blobLink(r, 'referrer-link')));
    shown += items.length;
    more.hidden = shown >= first.total;
    more.textContent = `more (${count(first.total - shown)} left)`;
  };
  more.addEventListener('click', () => {
    more.disabled = true;
    void api.referrers(d.key, shown, 100).then((p) => {
      more.disabled = false;
      if (p !== null) add(p.items);
    });
  });
  add(first.items);
  host.append(list, more);
}

/** A page of the blobs of one class, with a "more" button. */
export function renderClassList(host: HTMLElement, label: string): void {
  const list = el('ul', { class: 'link-list' });
  const more = el('button', { class: 'more', type: 'button' }, 'more');
  const heading = el('h2', {}, label);
  const status = el('p', { class: 'muted' }, 'loading…');
  host.replaceChildren(el('div', { class: 'blob-title' }, chip(label), heading), status, list, more);
  let shown = 0;
  const load = (): void => {
    more.disabled = true;
    void api.classBlobs(label, shown, 100).then(
      (p) => {
        more.disabled = false;
        if (p === null) {
          status.textContent = 'the scan is still running: try again when it is done';
          more.hidden = true;
          return;
        }
        status.textContent = `${count(p.total)} blobs of this class, in key order`;
        for (const r of p.items) list.append(el('li', {}, blobLink(r, 'class-member')));
        shown += p.items.length;
        more.hidden = shown >= p.total;
        more.textContent = `more (${count(p.total - shown)} left)`;
      },
      (e: unknown) => {
        status.textContent = e instanceof Error ? e.message : String(e);
      },
    );
  };
  more.addEventListener('click', load);
  load();
}

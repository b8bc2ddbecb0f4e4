/** The treemap of stored bytes (by class, or by root then class), laid out by d3-hierarchy. */
import { type HierarchyRectangularNode, hierarchy, treemap, treemapSquarify } from 'd3-hierarchy';
import { select } from 'd3-selection';
import type { TreemapNode } from './api.js';
import { colorOf } from './colors.js';
import { route } from './dom.js';
import { bytes, count } from './format.js';

/** Height of a group's title strip (by root). */
const GROUP_HEADER = 18;

/** Where a click on a rectangle leads. */
function linkOf(n: HierarchyRectangularNode<TreemapNode>): string | undefined {
  const d = n.data;
  if (d.kind === 'class') return route('class', d.name);
  if (d.kind === 'root' && d.key !== undefined) return route('blob', d.key);
  return undefined;
}

/**
 * Draws `data` into `host` (replacing what was there), sized to the host's width. Leaves are
 * `g.cell` with `data-label` (the class) so tests and users can find a class's rectangle; a
 * leaf too small for its text keeps a tooltip.
 */
export function renderTreemap(host: HTMLElement, data: TreemapNode, grouped: boolean): void {
  const width = Math.max(320, host.clientWidth);
  const height = Math.round(Math.min(520, Math.max(260, width * 0.45)));
  const root = hierarchy<TreemapNode>(data, (d) => d.children)
    .sum((d) => (d.children === undefined ? Math.max(d.bytes, 1) : 0))
    .sort((a, b) => (b.value ?? 0) - (a.value ?? 0));
  const layout = treemap<TreemapNode>().size([width, height]).tile(treemapSquarify).paddingInner(2).round(true);
  // paddingOuter sets all four sides, so the title strip (paddingTop) comes after it.
  if (grouped) layout.paddingOuter((n) => (n.depth === 1 ? 2 : 0)).paddingTop((n) => (n.depth === 1 ? GROUP_HEADER : 0));
  const laid = layout(root);

  host.replaceChildren();
  const svg = select(host)
    .append('svg')
    .attr('width', width)
    .attr('height', height)
    .attr('viewBox', `0 0 ${width} ${height}`)
    .attr('role', 'img')
    .attr('aria-label', grouped ? 'stored bytes by root and class' : 'stored bytes by class');

  if (grouped) {
    const groups = svg
      .selectAll('g.group')
      .data(laid.children ?? [])
      .join('g')
      .attr('class', 'group')
      .attr('data-group', (d) => d.data.name)
      .attr('transform', (d) => `translate(${d.x0},${d.y0})`);
    groups
      .append('rect')
      .attr('class', (d) => `group-frame ${d.data.kind}`)
      .attr('width', (d) => d.x1 - d.x0)
      .attr('height', (d) => d.y1 - d.y0);
    groups
      .append('a')
      .attr('href', (d) => linkOf(d) ?? null)
      .append('text')
      .attr('class', 'group-title')
      .attr('x', 4)
      .attr('y', 13)
      .text((d) => fit(`${d.data.name} — ${bytes(d.data.bytes)}`, d.x1 - d.x0 - 8, 7));
  }

  const leaves = svg
    .selectAll('g.cell')
    .data(laid.leaves())
    .join('g')
    .attr('class', 'cell')
    .attr('data-label', (d) => d.data.name)
    .attr('transform', (d) => `translate(${d.x0},${d.y0})`);
  const links = leaves.append('a').attr('href', (d) => linkOf(d) ?? null);
  links
    .append('rect')
    .attr('width', (d) => Math.max(0, d.x1 - d.x0))
    .attr('height', (d) => Math.max(0, d.y1 - d.y0))
    .attr('fill', (d) => (d.data.kind === 'class' ? colorOf(d.data.name) : '#999'));
  links
    .append('title')
    .text(
      (d) =>
        `${d.data.name}\n${bytes(d.data.bytes)} in ${count(d.data.blobs)} blobs` +
        (grouped && d.parent ? `\nunder ${d.parent.data.name}` : ''),
    );
  const texts = links.append('text').attr('class', 'cell-text').attr('x', 4).attr('y', 14);
  texts
    .append('tspan')
    .attr('class', 'cell-name')
    .text((d) => (d.y1 - d.y0 >= 16 ? fit(d.data.name, d.x1 - d.x0 - 8, 7) : ''));
  texts
    .append('tspan')
    .attr('x', 4)
    .attr('dy', 14)
    .attr('class', 'cell-size')
    .text((d) => (d.y1 - d.y0 >= 32 ? fit(`${bytes(d.data.bytes)} · ${count(d.data.blobs)} blobs`, d.x1 - d.x0 - 8, 6.2) : ''));
}

/** `s` cut to what fits in `px` pixels at about `charPx` a character. */
function fit(s: string, px: number, charPx: number): string {
  const n = Math.floor(px / charPx);
  if (n <= 1) return '';
  return s.length <= n ? s : s.slice(0, n - 1) + '…';
}

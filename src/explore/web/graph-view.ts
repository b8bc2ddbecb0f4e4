/**
 * The bounded neighbourhood of one blob: referrers above, children below, laid out by d3-force
 * (links, repulsion, collision, and a pull to each node's level so the DAG reads top-down),
 * panned and zoomed with d3-zoom. The layout is computed in one go (a fixed number of ticks), so
 * the same graph is drawn the same way every time.
 */
import {
  type SimulationLinkDatum,
  type SimulationNodeDatum,
  forceCollide,
  forceLink,
  forceManyBody,
  forceSimulation,
  forceX,
  forceY,
} from 'd3-force';
import { select } from 'd3-selection';
import { zoom, zoomIdentity } from 'd3-zoom';
import type { Neighbourhood } from './api.js';
import { colorOf } from './colors.js';
import { route } from './dom.js';
import { bytes, shortKey } from './format.js';

interface Node extends SimulationNodeDatum {
  key: string;
  label: string;
  bytes: number;
  level: number;
  hidden: number;
  present: boolean;
}

type Link = SimulationLinkDatum<Node>;

const LEVEL_GAP = 90;
const TICKS = 300;

function radius(n: Node): number {
  return 6 + Math.min(14, Math.sqrt(n.bytes) / 3);
}

/** Draws `g` into `host`, replacing what was there. Nodes are links to their blob. */
export function renderGraph(host: HTMLElement, g: Neighbourhood): void {
  const width = Math.max(320, host.clientWidth);
  const levels = g.nodes.reduce((m, n) => [Math.min(m[0]!, n.level), Math.max(m[1]!, n.level)], [0, 0]);
  const height = Math.max(260, Math.min(640, (levels[1]! - levels[0]! + 1) * LEVEL_GAP + 60));
  const nodes: Node[] = g.nodes.map((n) => ({ ...n, x: 0, y: n.level * LEVEL_GAP }));
  const byKey = new Map(nodes.map((n) => [n.key, n]));
  const links: Link[] = g.edges.map((e) => ({ source: byKey.get(e.from)!, target: byKey.get(e.to)! }));
  const centre = byKey.get(g.centre)!;
  centre.fx = 0;
  centre.fy = 0;
  const sim = forceSimulation(nodes)
    .force(
      'link',
      forceLink<Node, Link>(links)
        .distance(LEVEL_GAP * 0.8)
        .strength(0.3),
    )
    .force('charge', forceManyBody<Node>().strength(-160))
    .force('level', forceY<Node>((n) => n.level * LEVEL_GAP).strength(1))
    .force('x', forceX<Node>(0).strength(0.04))
    // Wide enough for the label and short key under each node.
    .force('collide', forceCollide<Node>((n) => Math.max(radius(n) + 10, 36)).strength(0.9))
    .stop();
  for (let i = 0; i < TICKS; i++) sim.tick();

  host.replaceChildren();
  const svg = select(host)
    .append('svg')
    .attr('width', width)
    .attr('height', height)
    .attr('role', 'img')
    .attr('aria-label', `neighbourhood of ${g.centre}`);
  svg
    .append('defs')
    .append('marker')
    .attr('id', 'arrow')
    .attr('viewBox', '0 -4 8 8')
    .attr('refX', 8)
    .attr('refY', 0)
    .attr('markerWidth', 7)
    .attr('markerHeight', 7)
    .attr('orient', 'auto')
    .append('path')
    .attr('d', 'M0,-4L8,0L0,4')
    .attr('class', 'arrow-head');
  const view = svg.append('g');
  // Fit: centre the drawing, scale it down when it is wider than the box.
  const xs = nodes.map((n) => n.x ?? 0);
  const ys = nodes.map((n) => n.y ?? 0);
  const [minX, maxX, minY, maxY] = [Math.min(...xs) - 40, Math.max(...xs) + 40, Math.min(...ys) - 30, Math.max(...ys) + 40];
  const k = Math.min(1.2, width / (maxX - minX), height / (maxY - minY));
  const fitted = zoomIdentity.translate(width / 2 - ((minX + maxX) / 2) * k, height / 2 - ((minY + maxY) / 2) * k).scale(k);
  const behaviour = zoom<SVGSVGElement, unknown>()
    .scaleExtent([0.1, 4])
    .on('zoom', (ev: { transform: { toString(): string } }) => {
      view.attr('transform', ev.transform.toString());
    });
  svg.call(behaviour).call(behaviour.transform, fitted);

  view
    .append('g')
    .attr('class', 'edges')
    .selectAll('line')
    .data(links)
    .join('line')
    .attr('x1', (l) => (l.source as Node).x!)
    .attr('y1', (l) => (l.source as Node).y!)
    .attr('x2', (l) => endX(l))
    .attr('y2', (l) => endY(l))
    .attr('marker-end', 'url(#arrow)');
  const node = view
    .append('g')
    .attr('class', 'nodes')
    .selectAll('a')
    .data(nodes)
    .join('a')
    .attr('class', (n) => `node${n.key === g.centre ? ' centre' : ''}${n.present ? '' : ' missing'}`)
    .attr('data-key', (n) => n.key)
    .attr('href', (n) => route('blob', n.key))
    .attr('transform', (n) => `translate(${n.x},${n.y})`);
  node
    .append('circle')
    .attr('r', radius)
    .attr('fill', (n) => colorOf(n.label));
  node.append('title').text((n) => `${n.label}\n${n.key}\n${bytes(n.bytes)}${n.hidden > 0 ? `\n${n.hidden} neighbours not shown` : ''}`);
  node
    .append('text')
    .attr('class', 'node-label')
    .attr('y', (n) => radius(n) + 12)
    .text((n) => shortLabel(n.label));
  node
    .append('text')
    .attr('class', 'node-key')
    .attr('y', (n) => radius(n) + 23)
    .text((n) => shortKey(n.key));
  node
    .filter((n) => n.hidden > 0)
    .append('text')
    .attr('class', 'node-more')
    .attr('x', (n) => radius(n) + 3)
    .attr('y', -4)
    .text((n) => `+${n.hidden}`);
}

/** The edge stops at the target's rim, so the arrow head shows. */
function endX(l: Link): number {
  const s = l.source as Node;
  const t = l.target as Node;
  const d = Math.hypot(t.x! - s.x!, t.y! - s.y!) || 1;
  return t.x! - ((t.x! - s.x!) / d) * (radius(t) + 2);
}

function endY(l: Link): number {
  const s = l.source as Node;
  const t = l.target as Node;
  const d = Math.hypot(t.x! - s.x!, t.y! - s.y!) || 1;
  return t.y! - ((t.y! - s.y!) / d) * (radius(t) + 2);
}

function shortLabel(label: string): string {
  const last = label.split('.').pop() ?? label;
  return last.length > 18 ? last.slice(0, 17) + '…' : last;
}

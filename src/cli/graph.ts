import type { DataKey, PagableData } from '../keys/data.js';
import { PagableError } from '../error.js';
import { blobLabeller } from '../view/blob-schema.js';
import { escapeControls } from './escape.js';
import type { Json } from '../view/blob-view.js';
import { SchemaPrefetch } from '../view/schema-prefetch.js';

/** One blob in a walked graph. */
export interface GraphNode {
  key: DataKey;
  tag: string | undefined;
  bytes: number;
  /** `missing`: a child key with no blob; `corrupt`: a blob that fails to read or verify. */
  status: 'ok' | 'missing' | 'corrupt';
  /** How many distinct blobs list this one as a child: more than one is a shared subtree. */
  parents: number;
}

/** A parent -> child arc; `count` > 1 when the parent lists the child several times. */
export interface GraphEdge {
  from: DataKey;
  to: DataKey;
  count: number;
}

/** The DAG below one blob, each blob once. */
export interface BlobGraph {
  top: DataKey;
  nodes: GraphNode[];
  edges: GraphEdge[];
  /** Why the walk stopped before the whole DAG (a depth or node limit), if it did. */
  cut: string | undefined;
}

/** Limits of a walk: how deep below the top, how many blobs and arcs at most. */
export interface GraphLimits {
  depth: number;
  maxNodes: number;
  maxEdges: number;
}

/**
 * Walks the arcs from `top` breadth first, iteratively (a chain a million blobs deep needs no
 * stack), visiting each blob once and at most `limits.depth` levels / `limits.maxNodes` blobs
 * (the graph says where it was cut). A blob that is absent or fails to read is kept as a
 * `missing` / `corrupt` node and not expanded, so a damaged store can still be drawn.
 */
export async function walkGraph(
  fetch: (key: DataKey) => PagableData | Promise<PagableData>,
  top: DataKey,
  limits: GraphLimits,
  onProgress?: (visited: number) => void,
): Promise<BlobGraph> {
  const nodes = new Map<DataKey, GraphNode>();
  // Labels come from the stored schemas, fetched ahead once per schema set (any store, Redis too).
  const schemas = new SchemaPrefetch(async (k) => fetch(k));
  const tagOf = blobLabeller(schemas.lookup);
  const edges: GraphEdge[] = [];
  let level: DataKey[] = [top];
  let cut: string | undefined;
  for (let depth = 0; level.length > 0; depth++) {
    const next: DataKey[] = [];
    for (const key of level) {
      if (nodes.has(key)) continue;
      if (nodes.size >= limits.maxNodes) {
        cut = `cut at ${limits.maxNodes} blobs (--max-nodes)`;
        break;
      }
      let blob: PagableData | undefined;
      let status: GraphNode['status'] = 'ok';
      try {
        blob = await fetch(key);
      } catch (e) {
        if (!(e instanceof PagableError) || (e.code !== 'NOT_FOUND' && e.code !== 'CORRUPT')) throw e;
        status = e.code === 'NOT_FOUND' ? 'missing' : 'corrupt';
      }
      if (blob !== undefined) await schemas.ensure(blob, key);
      nodes.set(key, { key, tag: blob && tagOf(blob, key), bytes: blob?.data.length ?? 0, status, parents: 0 });
      if (onProgress !== undefined && nodes.size % 1000 === 0) onProgress(nodes.size);
      if (blob === undefined || blob.arcs.length === 0) continue;
      if (depth >= limits.depth) {
        cut ??= `cut at depth ${limits.depth} (--depth)`;
        continue;
      }
      const counts = new Map<DataKey, number>();
      for (const c of blob.arcs) counts.set(c, (counts.get(c) ?? 0) + 1);
      if (edges.length + counts.size > limits.maxEdges) {
        cut ??= `cut at ${limits.maxEdges} arcs (--max-edges)`;
        continue;
      }
      for (const [c, count] of counts) {
        edges.push({ from: key, to: c, count });
        next.push(c);
      }
    }
    if (cut !== undefined && nodes.size >= limits.maxNodes) break;
    level = next;
  }
  // An edge to a blob the limits left out is dropped: the graph shows what was walked.
  const kept = edges.filter((e) => nodes.has(e.to));
  for (const e of kept) nodes.get(e.to)!.parents++;
  return { top, nodes: [...nodes.values()], edges: kept, cut };
}

function short(key: DataKey): string {
  return key.slice(0, 8);
}

function sizeLabel(n: GraphNode): string {
  return n.status === 'ok' ? `${n.bytes} B` : n.status.toUpperCase();
}

function dotString(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`;
}

/** Graphviz DOT: shared blobs filled yellow, the top one doubled, missing / corrupt ones red. */
export function renderDot(g: BlobGraph): string {
  const out = ['digraph pagable {', '  node [shape=box, fontname="monospace", fontsize=10];'];
  for (const n of g.nodes) {
    const label = [short(n.key), ...(n.tag !== undefined ? [escapeControls(n.tag)] : []), sizeLabel(n)].join('\n');
    const attrs = [`label=${dotString(label)}`];
    if (n.status !== 'ok') attrs.push('color=red', 'fontcolor=red');
    else if (n.parents > 1) attrs.push('style=filled', 'fillcolor="#fff3b0"');
    if (n.key === g.top) attrs.push('peripheries=2');
    out.push(`  ${dotString(n.key)} [${attrs.join(', ')}];`);
  }
  for (const e of g.edges) out.push(`  ${dotString(e.from)} -> ${dotString(e.to)}${e.count > 1 ? ` [label="x${e.count}"]` : ''};`);
  if (g.cut !== undefined) out.push(`  // ${g.cut}`);
  out.push('}');
  return out.join('\n');
}

function mermaidText(s: string): string {
  // Mermaid labels are quoted; HTML entities keep quotes and angle brackets literal.
  return s.replace(/&/g, '&amp;').replace(/"/g, '#quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Mermaid flowchart: the same styling as DOT through classes. */
export function renderMermaid(g: BlobGraph): string {
  const out = ['flowchart TD'];
  const shared: string[] = [];
  const bad: string[] = [];
  for (const n of g.nodes) {
    const label = [short(n.key), ...(n.tag !== undefined ? [escapeControls(n.tag)] : []), sizeLabel(n)].map(mermaidText).join('<br/>');
    const id = `k${n.key}`;
    out.push(n.key === g.top ? `  ${id}[["${label}"]]` : `  ${id}["${label}"]`);
    if (n.status !== 'ok') bad.push(id);
    else if (n.parents > 1) shared.push(id);
  }
  for (const e of g.edges) out.push(`  k${e.from} -->${e.count > 1 ? `|x${e.count}|` : ''} k${e.to}`);
  out.push('  classDef shared fill:#fff3b0,stroke:#b08800');
  out.push('  classDef bad stroke:#d00,color:#d00');
  if (shared.length > 0) out.push(`  class ${shared.join(',')} shared`);
  if (bad.length > 0) out.push(`  class ${bad.join(',')} bad`);
  if (g.cut !== undefined) out.push(`  %% ${g.cut}`);
  return out.join('\n');
}

/** The graph as JSON. */
export function graphJson(g: BlobGraph): Json {
  return {
    top: g.top,
    nodes: g.nodes.map((n) => ({ key: n.key, tag: n.tag ?? null, bytes: n.bytes, status: n.status, parents: n.parents })),
    edges: g.edges.map((e) => ({ from: e.from, to: e.to, count: e.count })),
    cut: g.cut ?? null,
  };
}

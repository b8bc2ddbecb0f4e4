import type { DataKey } from '../keys/data.js';

/** What the neighbourhood walk needs to know of one blob. */
export interface NodeInfo {
  key: DataKey;
  label: string;
  bytes: number;
  /** False for a key no stored blob has. */
  present: boolean;
  /** Distinct child keys (the first ones, where there are more than a graph can hold). */
  children: readonly DataKey[];
  /** How many distinct children the blob has. */
  childCount: number;
  /** Distinct referrer keys (the first ones); undefined while the index that knows them is being built. */
  parents: readonly DataKey[] | undefined;
  /** How many distinct referrers the blob has. */
  parentCount: number;
}

/** Limits of one neighbourhood. */
export interface NeighbourhoodLimits {
  /** Levels of children below the centre. */
  down: number;
  /** Levels of referrers above it (ignored where referrers are unknown). */
  up: number;
  /** Most nodes returned. */
  nodes: number;
}

/** One blob in a neighbourhood; `level` is negative above the centre. */
export interface NeighbourhoodNode {
  key: DataKey;
  label: string;
  bytes: number;
  present: boolean;
  level: number;
  /** Children and referrers of this blob left out of the graph (by a limit). */
  hidden: number;
}

/** The bounded graph around one blob, and whether (and by what) it was cut. */
export interface Neighbourhood {
  centre: DataKey;
  nodes: NeighbourhoodNode[];
  edges: Array<{ from: DataKey; to: DataKey }>;
  /** True when blobs lay beyond the depth limits, or beyond the node limit. */
  cutByDepth: boolean;
  cutByNodes: boolean;
  /** False when referrers were not known (the index is still being built). */
  referrersKnown: boolean;
}

/**
 * Breadth-first around `centre`, a level down then a level up, until the levels or the node
 * budget run out. Every edge between two included blobs is drawn, so shared children show as
 * shared; what a limit left out is counted per node (`hidden`) and in the cut flags.
 */
export async function neighbourhood(
  centre: DataKey,
  limits: NeighbourhoodLimits,
  info: (keys: DataKey[]) => Promise<NodeInfo[]>,
): Promise<Neighbourhood> {
  const nodes = new Map<DataKey, { info: NodeInfo; level: number }>();
  const [first] = await info([centre]);
  nodes.set(centre, { info: first!, level: 0 });
  let down: DataKey[] = [centre];
  let up: DataKey[] = [centre];
  let cutByNodes = false;
  const referrersKnown = first!.parents !== undefined;
  const expand = async (frontier: DataKey[], level: number, next: (n: NodeInfo) => readonly DataKey[] | undefined): Promise<DataKey[]> => {
    const fresh = new Set<DataKey>();
    for (const k of frontier) {
      for (const c of next(nodes.get(k)!.info) ?? []) {
        if (nodes.has(c) || fresh.has(c)) continue;
        if (nodes.size + fresh.size >= limits.nodes) {
          cutByNodes = true;
          break;
        }
        fresh.add(c);
      }
    }
    const infos = fresh.size === 0 ? [] : await info([...fresh]);
    infos.forEach((n) => nodes.set(n.key, { info: n, level }));
    return [...fresh];
  };
  for (let level = 1; level <= Math.max(limits.down, limits.up) && !cutByNodes; level++) {
    if (level <= limits.down) down = await expand(down, level, (n) => n.children);
    if (level <= limits.up && referrersKnown && !cutByNodes) up = await expand(up, -level, (n) => n.parents);
  }
  const edges: Array<{ from: DataKey; to: DataKey }> = [];
  const drawn = new Set<string>();
  const edge = (from: DataKey, to: DataKey): void => {
    // Seen from both ends (a long child list may be cut short at one of them): drawn once.
    if (drawn.has(from + to)) return;
    drawn.add(from + to);
    edges.push({ from, to });
  };
  const out: NeighbourhoodNode[] = [];
  let cutByDepth = false;
  for (const [key, { info: n, level }] of nodes) {
    let hiddenChildren = n.childCount;
    let hiddenParents = n.parentCount;
    for (const c of n.children) {
      if (!nodes.has(c)) continue;
      edge(key, c);
      hiddenChildren--;
    }
    for (const p of n.parents ?? []) {
      if (!nodes.has(p)) continue;
      edge(p, key);
      hiddenParents--;
    }
    if ((level === limits.down && hiddenChildren > 0) || (level === -limits.up && hiddenParents > 0)) cutByDepth = true;
    const hidden = hiddenChildren + hiddenParents;
    out.push({ key, label: n.label, bytes: n.bytes, present: n.present, level, hidden });
  }
  return { centre, nodes: out, edges, cutByDepth, cutByNodes, referrersKnown };
}

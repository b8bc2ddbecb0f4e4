/*
 * How a batch of keys is cut into commands: on a single server, runs of at most `size` keys; on
 * a Redis Cluster, where one command (MGET, a script) may only name keys of one hash slot, the
 * keys of each slot, in runs of at most `size`. The commands of one batch are sent together, so
 * ioredis' auto-pipelining puts them in one write per node: a batch costs one round trip either way.
 */

/** Indexes into a batch of keys, grouped so that each group can be one command; input order kept within a group. */
export function groupBySlot(keys: readonly string[], size: number, slotOf: ((key: string) => number) | undefined): number[][] {
  const groups: number[][] = [];
  if (slotOf === undefined) {
    for (let i = 0; i < keys.length; i += size) {
      const g: number[] = [];
      for (let j = i; j < Math.min(i + size, keys.length); j++) g.push(j);
      groups.push(g);
    }
    return groups;
  }
  const open = new Map<number, number[]>();
  for (let i = 0; i < keys.length; i++) {
    const slot = slotOf(keys[i]!);
    let g = open.get(slot);
    if (g === undefined || g.length === size) {
      g = [];
      open.set(slot, g);
      groups.push(g);
    }
    g.push(i);
  }
  return groups;
}

/**
 * Sends one command per group, all at once, and puts the per-key replies back in input order.
 * `send` gets a group's indexes and resolves to one reply per index.
 */
export async function perGroup<R>(groups: readonly number[][], n: number, send: (indexes: number[]) => Promise<readonly R[]>): Promise<R[]> {
  const out = new Array<R>(n);
  await Promise.all(groups.map(async (g) => {
    const replies = await send(g);
    if (replies.length !== g.length) throw new Error(`expected ${g.length} replies, got ${replies.length}`);
    for (let i = 0; i < g.length; i++) out[g[i]!] = replies[i]!;
  }));
  return out;
}

/*
 * How a batch of keys is cut into commands: on a single server, runs of at most `size` keys; on
 * a Redis Cluster, where one command (MGET, a script) may only name keys of one hash slot, the
 * keys of each slot, in runs of at most `size`. The commands of one batch are sent together, without
 * waiting for each other: a batch costs one round trip either way.
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
 * True for the errors a multi-key command meets in a slot being moved between Cluster nodes
 * (TRYAGAIN, or redirections ioredis gave up on): one command per key gets through, since a
 * single key is wholly on one node or the other and ioredis follows its ASK.
 */
export function isSlotInMigration(e: unknown): boolean {
  return e instanceof Error && /^(TRYAGAIN|MOVED |ASK |Too many Cluster redirections)/.test(e.message);
}

/**
 * Sends one command per group, all at once, and puts the per-key replies back in input order.
 * `send` gets a group's indexes and resolves to one reply per index. With `split`, a group of
 * several keys that fails for a slot in migration is sent again as one command per key.
 */
export async function perGroup<R>(
  groups: readonly number[][],
  n: number,
  send: (indexes: number[]) => Promise<readonly R[]>,
  split = false,
): Promise<R[]> {
  const out = new Array<R>(n);
  const one = async (g: number[]): Promise<void> => {
    const replies = await send(g);
    if (replies.length !== g.length) throw new Error(`expected ${g.length} replies, got ${replies.length}`);
    for (let i = 0; i < g.length; i++) out[g[i]!] = replies[i]!;
  };
  await Promise.all(
    groups.map(async (g) => {
      try {
        await one(g);
      } catch (e) {
        if (!split || g.length === 1 || !isSlotInMigration(e)) throw e;
        await Promise.all(g.map((i) => one([i])));
      }
    }),
  );
  return out;
}

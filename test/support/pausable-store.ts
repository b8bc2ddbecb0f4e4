import { type BlobEntry, type BlobStore, type DataKey, delegating, type MemoryBlobStore, type SweepGuard } from '../../src/index.js';

/*
 * Wrappers that let a test stop a storage's gc at a chosen call and act while it waits, so the
 * windows between gc's steps (first mark, listing, final mark, deletes) are hit every run, in
 * process, without timing. Production code has no hook for this: the wrapper is a BlobStore.
 */

/** A call held until the test releases it. */
export interface Pause {
  /** Resolves when the call was made (it waits from then on). */
  readonly reached: Promise<void>;
  /** Lets the call go on. */
  release(): void;
}

/** The calls a pause can hold: the store's own, and its sweep guard's. */
export type PausableCall =
  | 'keys'
  | 'listRoots'
  | 'getMany'
  | 'putMany'
  | 'hasMany'
  | 'setRoot'
  | 'deleteMany'
  | 'deleteIfUntouched'
  | 'touchedSince'
  | 'begin'
  | 'end';

/** A store whose calls can be held, and that can list its keys in an order the test chooses. */
export interface PausableStore {
  readonly store: BlobStore;
  /** Holds the `nth` (1-based) next call of `call`. */
  pauseAt(call: PausableCall, nth?: number): Pause;
  /** Makes the `nth` next call of `call` fail (throw, or reject when the store answers asynchronously). */
  failAt(call: PausableCall, nth?: number): void;
  /** Lists keys in this order (`keys()`); the store's own order when unset. */
  order: ((keys: DataKey[]) => DataKey[]) | undefined;
  /** Calls made so far, by name. */
  readonly calls: Map<PausableCall, number>;
}

/**
 * `inner` with calls that can be held (and its sweep guard's, when it has one). `async`: every
 * call answers with a promise, as a network backend's do (without it, calls not held answer as
 * `inner` does).
 */
export function pausable(inner: BlobStore, options: { async?: boolean } = {}): PausableStore {
  const waits = new Map<PausableCall, Array<{ at: number; open: Promise<void>; arrive: () => void }>>();
  const calls = new Map<PausableCall, number>();
  const failures = new Map<PausableCall, number[]>();
  /** Counts the call; resolves when it may go on (at once unless a pause holds it). */
  const gate = (call: PausableCall): Promise<void> | undefined => {
    const n = (calls.get(call) ?? 0) + 1;
    calls.set(call, n);
    if (failures.get(call)?.includes(n)) {
      const e = new Error(`injected ${call} failure`);
      if (options.async === true) return Promise.reject(e);
      throw e;
    }
    const list = waits.get(call) ?? [];
    const w = list.find((x) => x.at === n);
    if (w === undefined) return undefined;
    w.arrive();
    return w.open;
  };
  const held = <T>(call: PausableCall, body: () => T | Promise<T>): T | Promise<T> => {
    const g = gate(call);
    if (g !== undefined) return g.then(body);
    return options.async === true ? Promise.resolve().then(body) : body();
  };
  const self: PausableStore = {
    store: inner,
    order: undefined,
    calls,
    pauseAt(call, nth = 1) {
      let arrive!: () => void;
      let release!: () => void;
      const reached = new Promise<void>((r) => (arrive = r));
      const open = new Promise<void>((r) => (release = r));
      const list = waits.get(call) ?? [];
      list.push({ at: (calls.get(call) ?? 0) + nth, open, arrive });
      waits.set(call, list);
      return { reached, release };
    },
    failAt(call, nth = 1) {
      failures.set(call, [...(failures.get(call) ?? []), (calls.get(call) ?? 0) + nth]);
    },
  };
  const guard = inner.sweeps;
  const store = delegating(inner, {
    name: `pausable ${inner.name}`,
    listRoots: () => held('listRoots', () => inner.listRoots()),
    getMany: (keys) => held('getMany', () => inner.getMany(keys)),
    putMany: (entries) => held('putMany', () => inner.putMany(entries)),
    hasMany: (keys) => held('hasMany', () => inner.hasMany(keys)),
    setRoot: (name, key) => held('setRoot', () => inner.setRoot(name, key)),
    getSync: options.async === true ? undefined : inner.getSync?.bind(inner),
    deleteMany: (keys) => held('deleteMany', () => inner.deleteMany(keys)),
    keys: () =>
      (async function* () {
        await gate('keys');
        // Listed once released, so whatever was written during the pause is listed too.
        const all: DataKey[] = [];
        for await (const k of inner.keys()) all.push(k);
        yield* self.order === undefined ? all : self.order(all);
      })(),
    sweeps:
      guard === undefined
        ? undefined
        : {
            begin: () => held('begin', () => guard.begin()),
            touchedSince: (since) => held('touchedSince', () => guard.touchedSince(since)),
            deleteIfUntouched: (keys, seq) => held('deleteIfUntouched', () => guard.deleteIfUntouched(keys, seq)),
            end: () => held('end', () => guard.end()),
            touch: (keys) => guard.touch(keys),
          },
  });
  return Object.assign(self, { store });
}

/**
 * `inner` with a SweepGuard as the interface describes it (src/blobstore/interface.ts), kept in
 * memory: what several handles of one shared store (LMDB, Redis) have, in process.
 */
export function guarded(inner: MemoryBlobStore): BlobStore & { openSweeps(): number } {
  let seq = 0;
  let open = 0;
  const log: Array<{ seq: number; key: DataKey }> = [];
  const record = (keys: Iterable<DataKey>): void => {
    if (open > 0) for (const key of keys) log.push({ seq: ++seq, key });
  };
  const guard: SweepGuard = {
    begin: () => {
      open++;
      return seq;
    },
    touchedSince: (since) => ({ keys: [...new Set(log.filter((e) => e.seq > since).map((e) => e.key))], seq }),
    deleteIfUntouched: (keys, since) => (seq > since ? undefined : inner.deleteMany(keys)),
    end: () => {
      if (--open === 0) log.length = 0;
    },
    touch: (keys) => {
      record(keys);
      return inner.hasMany(keys);
    },
  };
  const store = delegating(inner, {
    name: `guarded ${inner.name}`,
    sweeps: guard,
    putMany: (entries: readonly BlobEntry[]) => {
      record(entries.map((e) => e.key));
      return inner.putMany(entries);
    },
    setRoot: (name, key) => {
      record([key]);
      return inner.setRoot(name, key);
    },
  });
  /** Sweeps begun and not ended (a gc that ends, even by failing, ends its sweep). */
  return Object.assign(store, { openSweeps: () => open });
}

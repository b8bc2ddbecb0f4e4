/*
 * Stress: 1,000 interleaved pin / pinSync / unpin / clone / release / pin-clone /
 * intoPagable / pageOutPending / save tasks over shared arcs, with random awaits between and
 * inside them, on memory and LMDB. A model tracks what each handle and pin should be; afterwards
 * pin counts are exact for every handle, nothing is stranded (a final pageOutPending leaves no
 * arc pending and every unpinned arc paged out), and every acknowledged key loads, also through
 * another handle on the same store.
 *
 * Backends are opened through a factory taking a `StoreWrapper`: once storages are built from a
 * BlobStore, a wrapper that fails at random plugs in there; the model already accepts an operation
 * failing with a PagableError when a wrapper is given (the operation must then change nothing),
 * and `heal()` lets the final checks run against a store that works again.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type BlobStore,
  type Class,
  type DataKey,
  InMemoryPagableStorage,
  LmdbPagableStorage,
  MemoryBlobStore,
  PagableArc,
  PagableError,
  type PagableStorage,
  PagableStorageBase,
  type PinnedPagableArc,
} from '../../src/index.js';
import { type Faults, faulty } from '../support/faulty-store.js';
import { CfgNodeData, Doc, UNodeData } from '../support/arc-models.js';
import { Rng } from '../support/prng.js';

/** Wraps a backend's blob store, e.g. in one that fails at random; `heal` stops the failures. */
export interface StoreWrapper {
  wrap<S extends object>(store: S): S;
  heal(): void;
}

interface StressStore {
  storage: PagableStorage;
  syncFetch: boolean;
  /** Another handle on the same store (persistent backends), for the acknowledged-keys check. */
  reopen?(): Promise<PagableStorage>;
  close(): Promise<void>;
}

interface StressBackend {
  name: string;
  /** A fresh, empty store; `wrapper` (when given) wraps its blob store. */
  open(wrapper: StoreWrapper | undefined): Promise<StressStore>;
}

const dirs: string[] = [];
after(function () {
  // Deleting a store directory can take long on a disk busy with other work: not a test's timeout.
  this.timeout(300_000);
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const BACKENDS: readonly StressBackend[] = [
  {
    name: 'memory',
    open: async (wrapper) => {
      const storage = wrapper === undefined ? new InMemoryPagableStorage() : new PagableStorageBase(wrapper.wrap(new MemoryBlobStore()));
      return { storage, syncFetch: true, close: () => storage.close() };
    },
  },
  {
    name: 'lmdb',
    open: async () => {
      const dir = mkdtempSync(join(tmpdir(), 'pagable-stress-'));
      dirs.push(dir);
      const storage = await LmdbPagableStorage.open(dir);
      return { storage, syncFetch: true, reopen: () => LmdbPagableStorage.open(dir), close: () => storage.close() };
    },
  },
];

const TASKS = Number(process.env['PAGABLE_STRESS'] ?? 1000);
const SEED = Number(process.env['PAGABLE_STRESS_SEED'] ?? 0x57e55);

/**
 * A handle the test holds, as the model sees it. Operations on one handle may overlap (a pin still
 * paging in when an unpin runs): which one wins is then the library's business, so the handle is
 * marked `raced` and its state is read back once no operation on it is in flight. The counts stay
 * exact either way: pinnedCount must equal the pinned handles plus the live pins.
 */
interface HandleModel {
  arc: PagableArc<unknown>;
  pinned: boolean;
  busy: number;
  raced: boolean;
}

/** One arc of the run: its expected value, and the handles and pins the test holds on it. */
interface ArcModel {
  id: number;
  /** What its value must look like, whoever pages it in. */
  check(value: unknown): void;
  cls: Class<object>;
  handles: HandleModel[];
  pins: PinnedPagableArc<unknown>[];
}

const handle = (arc: PagableArc<unknown>): HandleModel => ({ arc, pinned: arc.isPinned, busy: 0, raced: false });

/** Runs `op` on `h`, marking overlaps; a raced handle takes its state from the library once idle. */
async function onHandle(h: HandleModel, op: () => Promise<void> | void): Promise<void> {
  if (h.busy > 0) h.raced = true;
  h.busy++;
  try {
    await op();
  } finally {
    if (--h.busy === 0 && h.raced) {
      h.pinned = h.arc.isPinned;
      h.raced = false;
    }
  }
}

const expectedCount = (m: ArcModel): number => m.handles.filter((h) => h.pinned).length + m.pins.length;

/** Waits nothing, a microtask, a macrotask or a timer: interleavings differ from task to task. */
async function jitter(rng: Rng): Promise<void> {
  switch (rng.int(4)) {
    case 0:
      return;
    case 1:
      await Promise.resolve();
      return;
    case 2:
      await new Promise((r) => setImmediate(r));
      return;
    default:
      await new Promise((r) => setTimeout(r, rng.int(3)));
  }
}

/** The arcs of a run: leaves (Doc, UNodeData) and parents (CfgNodeData) holding arcs of the leaves. */
function makeArcs(s: PagableStorage): ArcModel[] {
  const arcs: ArcModel[] = [];
  const add = (cls: ArcModel['cls'], value: object, check: (v: unknown) => void): ArcModel => {
    const m: ArcModel = { id: arcs.length, cls, check, handles: [handle(PagableArc.new(value, s))], pins: [] };
    arcs.push(m);
    return m;
  };
  for (let i = 0; i < 6; i++) {
    const title = `doc-${i}`;
    add(Doc, Doc.of(title, 3 + i), (v) => {
      expect(v).to.be.instanceOf(Doc);
      expect((v as Doc).title).to.equal(title);
    });
  }
  const nodes: ArcModel[] = [];
  for (let i = 0; i < 4; i++) {
    nodes.push(
      add(UNodeData, UNodeData.of(i * 10), (v) => {
        expect(v).to.be.instanceOf(UNodeData);
        expect((v as UNodeData).x).to.equal(i * 10);
      }),
    );
  }
  const parents: ArcModel[] = [];
  for (let i = 0; i < 3; i++) {
    // A parent holds its own, unpinned handles on arcs the test also holds (a leaf, the parents
    // before it): shared arcs. Unpinned nested handles keep the counts exact when a value is dropped.
    const unpinnedClone = <T>(m: ArcModel): PagableArc<T> => {
      const c = m.handles[0]!.arc.clone() as PagableArc<T>;
      c.unpin();
      return c;
    };
    const deps = parents.map((p) => unpinnedClone<CfgNodeData>(p));
    parents.push(
      add(CfgNodeData, CfgNodeData.of(unpinnedClone<UNodeData>(nodes[i]!), deps), (v) => {
        expect(v).to.be.instanceOf(CfgNodeData);
        expect((v as CfgNodeData).node).to.be.instanceOf(PagableArc);
        expect((v as CfgNodeData).deps).to.have.length(i);
      }),
    );
  }
  return arcs;
}

/** What a run did: operations by name, those that failed (with a wrapper), pins of paged-out arcs. */
interface StressReport {
  ops: Record<string, number>;
  failed: number;
  pagedIn: number;
}

async function stress(backend: StressBackend, wrapper: StoreWrapper | undefined): Promise<StressReport> {
  const store = await backend.open(wrapper);
  const s = store.storage;
  const rng = new Rng(SEED);
  const arcs = makeArcs(s);
  const acknowledged: Array<{ key: DataKey; model: ArcModel }> = [];
  const ops: Record<string, number> = {};
  let failedOps = 0;
  let pagedIn = 0;
  let collections = 0;
  /** Runs one operation; with a wrapper, a PagableError is allowed and must have changed nothing. */
  const attempt = async (name: string, op: () => Promise<void> | void): Promise<void> => {
    ops[name] = (ops[name] ?? 0) + 1;
    try {
      await op();
    } catch (e) {
      if (wrapper === undefined || !(e instanceof PagableError)) throw e;
      failedOps++;
    }
  };
  const task = async (t: number): Promise<void> => {
    const r = new Rng(SEED ^ (t * 0x9e3779b1));
    await jitter(r);
    const m = r.pick(arcs);
    const h = r.pick(m.handles);
    switch (r.int(17)) {
      case 0:
      case 1:
        await attempt('pin', () =>
          onHandle(h, async () => {
            if (h.arc.isPagedOut) pagedIn++;
            const pin = await h.arc.pin();
            // Counted once it is ours: the handle is now Pinned, and the pin lives.
            h.pinned = true;
            m.pins.push(pin);
            m.check(pin.value);
          }),
        );
        break;
      case 2:
        if (!store.syncFetch) break;
        await attempt('pinSync', () =>
          onHandle(h, () => {
            if (h.arc.isPagedOut) pagedIn++;
            const pin = h.arc.pinSync();
            h.pinned = true;
            m.pins.push(pin);
            m.check(pin.value);
          }),
        );
        break;
      case 3:
      case 11:
        await attempt('unpin', () =>
          onHandle(h, () => {
            h.arc.unpin();
            h.pinned = false;
          }),
        );
        break;
      case 4:
        await attempt('clone', () =>
          onHandle(h, () => {
            const c = h.arc.clone();
            if (!h.raced) expect(c.isPinned, 'a clone is pinned iff its source is').to.equal(h.pinned);
            m.handles.push(handle(c));
          }),
        );
        break;
      case 12:
      case 14:
      case 15: {
        // Let the arc go entirely (as a caller done with it would), so page-outs have work to do.
        await attempt('let go', () => {
          for (const p of m.pins.splice(0)) p.release();
          for (const x of m.handles) {
            if (x.busy > 0) continue;
            x.arc.unpin();
            x.pinned = false;
          }
        });
        break;
      }
      case 16:
        // A few full collections mid-run: pins and weakly cached values must not depend on GC timing.
        if (collections++ < 2) await attempt('gc', () => (globalThis as { gc?: () => void }).gc?.());
        break;
      case 5:
      case 6:
      case 13: {
        const pin = m.pins.length > 0 ? m.pins.splice(r.int(m.pins.length), 1)[0]! : undefined;
        await attempt('release', () => {
          if (pin === undefined) return;
          pin.release();
          pin.release(); // idempotent
        });
        break;
      }
      case 7: {
        if (m.pins.length === 0) break;
        const pin = r.pick(m.pins);
        const cloning = r.chance(0.5);
        await attempt(cloning ? 'pin.clone' : 'intoPagable', () => {
          if (cloning) {
            m.pins.push(pin.clone());
          } else {
            m.pins.splice(m.pins.indexOf(pin), 1);
            const into = handle(pin.intoPagable());
            expect(into.pinned, 'intoPagable gives a Pinned handle').to.equal(true);
            m.handles.push(into);
          }
        });
        break;
      }
      case 8:
      case 9:
        await attempt('pageOutPending', async () => {
          const report = await s.pageOutPending();
          expect(report.failed, String(report.failed[0])).to.deep.equal([]);
          for (const a of arcs) {
            const key = a.handles[0]!.arc.dataKey;
            if (key !== undefined) acknowledged.push({ key, model: a });
          }
        });
        break;
      default:
        await attempt('save', async () => {
          const pin = m.pins[0];
          if (pin === undefined) return;
          const key = await s.save(pin.value as object);
          acknowledged.push({ key, model: m });
        });
    }
    await jitter(r);
  };
  // Many tasks in flight at once, started in waves.
  const inFlight: Array<Promise<void>> = [];
  const errors: unknown[] = [];
  for (let t = 0; t < TASKS; t++) {
    inFlight.push(
      task(t).catch((e: unknown) => {
        errors.push(e);
      }),
    );
    if (rng.chance(0.1)) await jitter(rng);
  }
  await Promise.all(inFlight);
  if (errors.length > 0) throw errors[0];

  wrapper?.heal();

  // Pin counts are exact, handle by handle, and every handle agrees on its arc.
  for (const m of arcs) {
    for (const h of m.handles) {
      expect(h.arc.isPinned, `arc ${m.id}: a handle's own state`).to.equal(h.pinned);
      expect(h.arc.pinnedCount, `arc ${m.id}: pinned handles + live pins`).to.equal(expectedCount(m));
      expect(PagableArc.ptrEq(h.arc, m.handles[0]!.arc)).to.equal(true);
    }
    for (const p of m.pins) {
      expect(p.isReleased).to.equal(false);
      m.check(p.value);
    }
  }
  // Nothing stranded: once every pin is gone, one page-out leaves nothing pending and every arc out.
  for (const m of arcs) {
    for (const p of m.pins.splice(0)) p.release();
    for (const h of m.handles) {
      h.arc.unpin();
      h.pinned = false;
    }
  }
  const final = await s.pageOutPending();
  expect(final.failed).to.deep.equal([]);
  expect(s.pendingPagingCount(), 'arcs left pending after a final pageOutPending').to.equal(0);
  for (const m of arcs) {
    for (const h of m.handles) {
      expect(h.arc.pinnedCount, `arc ${m.id}`).to.equal(0);
      expect(h.arc.isPagedOut, `arc ${m.id} is stranded in memory`).to.equal(true);
      expect(h.arc.dataKey).to.be.a('string');
    }
    acknowledged.push({ key: m.handles[0]!.arc.dataKey!, model: m });
  }
  // Every acknowledged key loads, here and through another handle on the store; the arcs pin back.
  const other = store.reopen === undefined ? undefined : await store.reopen();
  try {
    for (const { key, model } of acknowledged) {
      model.check(await s.load(model.cls, key));
      if (other !== undefined) model.check(await other.load(model.cls, key));
    }
    for (const m of arcs) {
      const pin = await m.handles[m.handles.length - 1]!.arc.pin();
      m.check(pin.value);
      pin.release();
    }
  } finally {
    await other?.close();
    await store.close();
  }
  return { ops, failed: failedOps, pagedIn };
}

describe('stress: interleaved pins, page-outs and clones over shared arcs', function () {
  this.timeout(120_000);
  for (const backend of BACKENDS) {
    it(`${backend.name}: ${TASKS} tasks with random awaits leave exact pin counts, nothing stranded, every acknowledged key loadable`, async () => {
      const { ops, pagedIn } = await stress(backend, undefined);
      expect(Object.values(ops).reduce((a, b) => a + b, 0)).to.be.greaterThan(TASKS * 0.8);
      // The run paged arcs back in while others were pinning, unpinning and paging out.
      expect(pagedIn, JSON.stringify(ops)).to.be.greaterThan(TASKS / 50);
    });
  }

  it(`memory, its store failing a quarter of reads and writes: ${TASKS} tasks strand nothing and change nothing when they fail`, async () => {
    const rng = new Rng(SEED + 1);
    let faults: Faults | undefined;
    const wrapper: StoreWrapper = {
      wrap: <S extends object>(store: S): S => {
        const f = faulty(store as unknown as BlobStore, { rate: 0.25, random: () => rng.u32() / 2 ** 32 });
        faults = f.faults;
        return f.store as unknown as S;
      },
      heal: () => {
        faults!.rate = 0;
      },
    };
    const { ops, failed } = await stress(BACKENDS[0]!, wrapper);
    expect(failed, JSON.stringify({ ops, failed })).to.be.greaterThan(0);
  });
});

/*
 * The moonshot bar's measurement: re-saving, into the storage it was loaded from, a build graph
 * loaded from a `freeze: true` storage with one leaf changed (the path to it copied, as one
 * changes frozen data), against the first save of the graph into a fresh storage. With re-save
 * without re-work, only the changed path is encoded again; the bar is 10x.
 */
import { type DataKey, InMemoryPagableStorage, type PagableData } from '../src/index.js';
import { type Contender, compareMany } from './measure.js';
import type { BuildGraph } from './model.js';
import { storageWith } from './reachable-blobs.js';
import { type MetricRow, row } from './report.js';
import type { ShapeData } from './shapes/shape.js';

export interface ResaveFigures {
  firstSaveMs: number;
  resaveMs: number;
  /** Whether the loaded graph's root object came back frozen. */
  loadedFrozen: boolean;
  /** Blobs the re-save stored (storeData calls) and how many of them were new. */
  resaveStores: number;
  resaveNewBlobs: number;
}

/** A shallow copy of `o` (same prototype) with `changes`. */
function copyOf<T extends object>(o: T, changes: Partial<T>): T {
  return Object.assign(Object.create(Object.getPrototypeOf(o) as object) as T, o, changes);
}

/** `g` with the last target of the last package of the last revision changed (nothing depends on it). */
export function oneLeafChanged(g: BuildGraph): BuildGraph {
  const ri = g.revisions.length - 1;
  const r = g.revisions[ri]!;
  const pi = r.packages.length - 1;
  const p = r.packages[pi]!;
  const ti = p.targets.length - 1;
  const t = p.targets[ti]!;
  const t2 = copyOf(t, { outputSize: t.outputSize + 1 });
  const p2 = copyOf(p, { targets: [...p.targets.slice(0, ti), t2] });
  const r2 = copyOf(r, { packages: [...r.packages.slice(0, pi), p2] });
  return copyOf(g, { revisions: [...g.revisions.slice(0, ri), r2] });
}

interface Resave {
  s: InMemoryPagableStorage;
  changed: BuildGraph;
  stores: number;
  blobs: number;
}

/** First save vs re-save of the loaded graph with one leaf changed, side by side. */
export async function measureResave(
  d: ShapeData,
  blobs: Map<DataKey, PagableData>,
  rootKey: DataKey,
  o: { warmup: number; iterations: number; say(s: string): void },
): Promise<{ row: MetricRow; figures: ResaveFigures }> {
  o.say('[buildGraph] moonshot: re-save of a loaded frozen graph with one leaf changed vs its first save ...');
  let frozen = false;
  let last = { stores: 0, fresh: 0 };
  const first: Contender<InMemoryPagableStorage, DataKey> = {
    prepare: () => new InMemoryPagableStorage({ freeze: true }),
    run: (s) => s.save(d.root),
    check: (k) => {
      if (k !== rootKey) throw new Error('moonshot: the first save gives another key');
    },
  };
  const resave: Contender<Resave, DataKey> = {
    prepare: async () => {
      const s = storageWith(blobs, { freeze: true });
      const loaded = (await s.load(d.cls, rootKey)) as BuildGraph;
      frozen = Object.isFrozen(loaded);
      const { stores, blobs: n } = s.stats();
      return { s, changed: oneLeafChanged(loaded), stores, blobs: n };
    },
    run: ({ s, changed }) => s.save(changed),
    check: (k, { s, stores, blobs: n }) => {
      if (k === rootKey) throw new Error('moonshot: the changed graph saved under the original key');
      last = { stores: s.stats().stores - stores, fresh: s.stats().blobs - n };
    },
  };
  const [a, b] = await compareMany([first, resave] as Contender[], o.warmup, o.iterations);
  const figures: ResaveFigures = {
    firstSaveMs: a!.median,
    resaveMs: b!.median,
    loadedFrozen: frozen,
    resaveStores: last.stores,
    resaveNewBlobs: last.fresh,
  };
  return {
    row: row({
      id: 'resaveOneLeaf',
      label: 'moonshot: re-save, one leaf changed, vs first save',
      pagable: b!.median,
      peer: a!.median,
      unit: 'ms',
      ratio: a!.median / b!.median,
      ratioMeaning: 'first save time / re-save time (loaded from a freeze: true storage, one target changed)',
      bar: { op: '>=', value: 10 },
      detail: { ...figures, firstSaveSamplesMs: a!.ms, resaveSamplesMs: b!.ms },
    }),
    figures,
  };
}

/*
 * The workload shapes of `npm run bench` (results.json `workloads`): each shape measured on its
 * own (shape-bench.ts), then a summary of every shape's ratios against its bars.
 */
import type { Contender } from './measure.js';
import { type ShapeBenchOptions, type ShapeResult, benchShape } from './shape-bench.js';
import { formatTable } from './report.js';
import { buildGraphShape } from './shapes/build-graph.js';
import { catalogShape } from './shapes/catalog.js';
import { documentsShape } from './shapes/documents.js';
import { largeBlobsShape } from './shapes/large-blobs.js';
import type { Shape } from './shapes/shape.js';
import { tinySharedShape } from './shapes/tiny-shared.js';

/** Every shape, in the order the bench runs them. */
export const SHAPES: readonly Shape[] = [buildGraphShape, documentsShape, tinySharedShape, largeBlobsShape, catalogShape];

/** The shapes named in `ids` (all when undefined); an unknown name throws. */
export function selectShapes(ids: readonly string[] | undefined): Shape[] {
  if (ids === undefined) return [...SHAPES];
  return ids.map((id) => {
    const s = SHAPES.find((x) => x.id === id);
    if (s === undefined) throw new Error(`unknown workload ${id}; known: ${SHAPES.map((x) => x.id).join(' ')}`);
    return s;
  });
}

/** Measures each shape in turn. */
export async function benchWorkloads(shapes: readonly Shape[], o: ShapeBenchOptions): Promise<Record<string, ShapeResult>> {
  const out: Record<string, ShapeResult> = {};
  for (const s of shapes) out[s.id] = await benchShape(s, o);
  return out;
}

const f2 = (x: number | undefined): string => (x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(2));

/** One shape's table and per-blob figures. */
export function formatWorkload(r: ShapeResult): string {
  const g = r.figures;
  const lines = [
    `workload ${r.id}: ${r.title}`,
    `  ${Object.entries(r.shape)
      .map(([k, v]) => `${k} ${typeof v === 'number' && !Number.isInteger(v) ? v.toFixed(3) : v}`)
      .join(', ')}`,
    `  ${g['blobsWritten']} blobs written per save (${g['distinctBlobs']} distinct), ${g['storedBytes']} B stored, pack ${g['packedBytes']} B`,
    formatTable(r.rows),
    `  us per blob written: save ${f2(g['saveUsPerBlob'])} (without keep-alive ${f2(g['saveNoWarmUsPerBlob'])}), ` +
      `floor ${f2(g['floorUsPerBlob'])}; load ${f2(g['loadUsPerDataBlob'])} per data blob, load floor ${f2(g['loadFloorUsPerBlob'])}`,
    `  GC (median ms): save ${f2(g['saveGcMs'])} (${f2(100 * g['saveGcShare']!)}%), pack ${f2(g['packGcMs'])}, floor ${f2(g['floorGcMs'])}; ` +
      `load ${f2(g['loadGcMs'])} (${f2(100 * g['loadGcShare']!)}%), unpack ${f2(g['unpackGcMs'])}`,
    `  keep-alive (v8-workarounds.ts) speed-up: save x${f2(g['keepAliveSaveGain'])}, load x${f2(g['keepAliveLoadGain'])}`,
  ];
  if (r.resave !== undefined) {
    lines.push(
      `  moonshot: re-save ${f2(r.resave.resaveMs)} ms vs first save ${f2(r.resave.firstSaveMs)} ms; ` +
        `${r.resave.resaveStores} blobs stored, ${r.resave.resaveNewBlobs} new; loaded graph frozen: ${r.resave.loadedFrozen}`,
    );
  }
  return lines.join('\n');
}

const SUMMARY = [
  'saveVsFloor',
  'saveVsPack',
  'loadVsUnpack',
  'loadVsFloor',
  'loadFloorVsUnpack',
  'roundTrip',
  'lmdbSave',
  'lmdbLoad',
  'resaveOneLeaf',
];

/** Every shape's judged ratios in one table (ratio, and the bar where one applies). */
export function formatSummary(results: Record<string, ShapeResult>): string {
  const head = ['workload', ...SUMMARY];
  const body = Object.values(results).map((r) => [
    r.id,
    ...SUMMARY.map((id) => {
      const m = r.rows.find((x) => x.id === id);
      if (m === undefined) return '';
      const mark = m.pass === null ? '' : m.pass ? ' ok' : ' FAIL';
      return `${m.ratio.toFixed(2)}x${m.bar === null ? '' : `/${m.bar.value}`}${mark}`;
    }),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return ['workload ratios (ratio/bar):', line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

/** Lets run.ts hand its profiling wrapper through. */
export type Profiled = <P, R>(metric: string, c: Contender<P, R>) => Contender<P, R>;

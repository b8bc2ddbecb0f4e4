/* The bench's results: one row per metric, printed as a table and written as JSON. */
import type { Samples } from './measure.js';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface Bar {
  op: '>=' | '<=';
  value: number;
}

export interface MetricRow {
  /** Stable id (JSON consumers key on it). */
  id: string;
  /** What is compared, for the table. */
  label: string;
  /** The pagable figure and the peer figure, in `unit`. */
  pagable: number;
  peer: number;
  unit: 'ms' | 'bytes' | 'MB' | 'count';
  /** The headline: see `ratioMeaning`. */
  ratio: number;
  ratioMeaning: string;
  /** null: informational row, no bar. */
  bar: Bar | null;
  pass: boolean | null;
  /** Raw samples and extra figures. */
  detail: Record<string, unknown>;
}

export const ALL_METRICS = ['pageOut', 'pageIn', 'roundTrip', 'storedBytes', 'heapDrop', 'lmdbSave', 'lmdbLoad'] as const;
export type MetricId = (typeof ALL_METRICS)[number];

export function row(r: Omit<MetricRow, 'pass'>): MetricRow {
  const pass = r.bar === null ? null : r.bar.op === '>=' ? r.ratio >= r.bar.value : r.ratio <= r.bar.value;
  return { ...r, pass };
}

/**
 * A row comparing two sample sets by their medians: ratio = peer / pagable (higher is better),
 * judged against `bar` when one is given; the samples and their GC times go in `detail`.
 */
export function speedRow(
  id: string,
  label: string,
  a: Samples,
  b: Samples,
  bar: number | undefined,
  meaning: string,
  detail: object = {},
): MetricRow {
  return row({
    id,
    label,
    pagable: a.median,
    peer: b.median,
    unit: 'ms',
    ratio: b.median / a.median,
    ratioMeaning: meaning,
    bar: bar === undefined ? null : { op: '>=', value: bar },
    detail: { pagableMs: a.ms, peerMs: b.ms, pagableGcMs: a.gcMs, peerGcMs: b.gcMs, ...detail },
  });
}

function fmtValue(v: number, unit: MetricRow['unit']): string {
  if (!Number.isFinite(v)) return String(v);
  switch (unit) {
    case 'ms':
      return `${v < 10 ? v.toFixed(2) : v.toFixed(1)} ms`;
    case 'bytes':
      return v >= 1048576 ? `${(v / 1048576).toFixed(2)} MiB` : `${(v / 1024).toFixed(1)} KiB`;
    case 'MB':
      return `${v.toFixed(1)} MB`;
    case 'count':
      return String(v);
  }
}

function fmtRatio(r: MetricRow): string {
  if (r.id === 'heapDrop') return `${(r.ratio * 100).toFixed(1)}%`;
  return `${r.ratio.toFixed(2)}x`;
}

function fmtBar(r: MetricRow): string {
  if (r.bar === null) return '-';
  return r.id === 'heapDrop' ? `${r.bar.op} ${(r.bar.value * 100).toFixed(0)}%` : `${r.bar.op} ${r.bar.value}x`;
}

function pad(s: string, n: number, right = false): string {
  return right ? s.padStart(n) : s.padEnd(n);
}

export function formatTable(rows: readonly MetricRow[]): string {
  const head = ['metric', 'pagable', 'peer', 'ratio', 'bar', 'result'];
  const body = rows.map((r) => [
    r.label,
    fmtValue(r.pagable, r.unit),
    fmtValue(r.peer, r.unit),
    fmtRatio(r),
    fmtBar(r),
    r.pass === null ? 'info' : r.pass ? 'PASS' : 'FAIL  <<<<<',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => pad(c, widths[i]!, i >= 1 && i <= 3))
      .join('  ')
      .trimEnd();
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

export function writeJson(path: string, value: unknown): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(value, null, 2) + '\n');
}

/** Small text helpers for the CLI's human-readable output. */
import { escapeControls } from './escape.js';

/** `1234567` as `1.2 MB`; exact bytes stay available through --json. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = -1;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(v < 10 ? 2 : 1)} ${units[u]}`;
}

/** Rows as aligned columns (two spaces apart); numeric-looking cells are right-aligned; control characters escaped. */
export function table(cells: readonly (readonly string[])[]): string {
  const rows = cells.map((r) => r.map((c) => escapeControls(c)));
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows
    .map((r) =>
      r
        .map((c, i) => (i === r.length - 1 ? c : /^[\d.,]+( \w+)?$/.test(c) && i > 0 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

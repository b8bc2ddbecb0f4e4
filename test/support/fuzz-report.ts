/*
 * Groups the fuzzer's failures into kinds (the same broken promise, whatever the offsets, keys and
 * numbers) and prints each kind once with a replayable reproducer, so a red run reads as a list
 * of bugs rather than thousands of cases.
 */
import type { FuzzFailure, FuzzRun } from './fuzz-driver.js';

/** A kind's words without what varies between cases (keys, numbers, quoted names). */
export function kindOf(kind: string): string {
  return kind
    .replace(/[0-9a-f]{32}/g, '<key>')
    .replace(/"[^"]*"/g, '"…"')
    .replace(/-?\d+(\.\d+)?/g, 'N')
    .slice(0, 200);
}

/** One kind of broken promise, with how often and where it broke. */
export interface FailureKind {
  kind: string;
  count: number;
  backends: Set<string>;
  routes: Set<string>;
  /** Up to three cases of this kind, with the route and particulars of each. */
  examples: Array<{ failure: FuzzFailure; route: string; detail: string }>;
}

/** Failure kinds, most frequent first. */
export function failureKinds(failures: readonly FuzzFailure[]): FailureKind[] {
  const kinds = new Map<string, FailureKind>();
  for (const f of failures) {
    for (const p of f.problems) {
      const k = kindOf(p.kind);
      let g = kinds.get(k);
      if (g === undefined) kinds.set(k, (g = { kind: k, count: 0, backends: new Set(), routes: new Set(), examples: [] }));
      g.count++;
      g.backends.add(f.backend);
      g.routes.add(p.route.replace(/\(.*\)/, '(…)'));
      if (g.examples.length < 3) g.examples.push({ failure: f, route: p.route, detail: p.detail });
    }
  }
  return [...kinds.values()].sort((a, b) => b.count - a.count);
}

/** A readable report of a run's failures, with how to replay each example. */
export function describeFailures(failures: readonly FuzzFailure[], seed: number): string {
  const lines: string[] = [];
  const kinds = failureKinds(failures);
  lines.push(`${failures.length} failing case(s), ${kinds.length} kind(s):`);
  for (const g of kinds) {
    lines.push('');
    lines.push(`- ${g.count}x [${[...g.backends].join(', ')}] via ${[...g.routes].join(', ')}: ${g.kind}`);
    for (const { failure: f, route, detail } of g.examples) {
      lines.push(`  * ${f.backend} case ${f.index}: ${f.what}`);
      lines.push(`    ${route}: ${detail.slice(0, 300)}`);
      if (f.result !== undefined) {
        lines.push(
          `    bytes (${f.result.bytesLength}${f.result.arcs >= 0 ? `, ${f.result.arcs} child keys` : ''}): ${f.result.bytesHex}${f.result.bytesLength > 160 ? '…' : ''}`,
        );
      }
      lines.push(
        `    replay: PAGABLE_FUZZ_SEED=${seed} PAGABLE_FUZZ_ONLY=${f.backend}:${f.index} npx mocha --no-config build/test/codec/fuzz.test.js`,
      );
    }
  }
  return lines.join('\n');
}

/** The one summary line of a fuzz run. */
export function summaryLine(runs: readonly FuzzRun[], seed: number): string {
  const cases = runs.reduce((n, r) => n + r.cases, 0);
  const routes = runs.reduce((n, r) => n + r.routes, 0);
  const per = runs.map((r) => `${r.backend} ${r.cases} in ${(r.ms / 1000).toFixed(1)} s`).join(', ');
  let slow = 'none';
  let slowMs = -1;
  for (const r of runs) {
    const s = r.slowest;
    if (s !== undefined && s.slowestMs > slowMs) {
      slowMs = s.slowestMs;
      slow = `${slowMs.toFixed(1)} ms (${r.backend} case ${s.index}, ${s.mode}: ${s.what} of ${s.entry}, via ${s.slowestRoute})`;
    }
  }
  const failing = runs.reduce((n, r) => n + r.failures.length, 0);
  const outcomes: Record<string, number> = {};
  for (const r of runs) for (const [k, n] of Object.entries(r.outcomes)) outcomes[k] = (outcomes[k] ?? 0) + n;
  const ended = Object.entries(outcomes)
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  return `fuzz: ${cases} hostile cases (${per}), ${routes} page-ins (${ended}), ${failing} failing, slowest ${slow}, seed ${seed}`;
}

/*
 * Smoke test of `npm run bench`: the quick run completes and reports every metric, and every
 * workload shape at a tiny size (so no shape's bench can rot). Benchmarks are
 * never timed tests: no figure is asserted, and a missed bar does not fail this test.
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const RUNNER = fileURLToPath(new URL('../../bench/run.js', import.meta.url));
const METRICS = ['pageOut', 'pageIn', 'roundTrip', 'storedBytes', 'heapDrop', 'lmdbSave', 'lmdbLoad'];
/** Every workload shape, and the metrics each reports. */
const SHAPES = ['buildGraph', 'documents', 'tinyShared', 'largeBlobs', 'catalog'];
const SHAPE_METRICS = [
  'saveVsFloor',
  'saveVsPack',
  'loadVsUnpack',
  'roundTrip',
  'lmdbSave',
  'lmdbLoad',
  'saveVsFloorNoWarm',
  'loadVsUnpackNoWarm',
];

interface Row {
  ratio: unknown;
  pagable: unknown;
  peer: unknown;
  pass: unknown;
}

function expectRow(row: Row | undefined, what: string): void {
  expect(row, what).to.not.equal(undefined);
  for (const k of ['ratio', 'pagable', 'peer'] as const) expect(row![k], `${what}.${k}`).to.be.a('number');
  expect(row!.pass === null || typeof row!.pass === 'boolean', `${what}.pass`).to.equal(true);
}

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runBench(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--expose-gc', RUNNER, ...args],
      { encoding: 'utf8', timeout: 300_000, maxBuffer: 64 << 20 },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : null;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describe('bench (smoke)', function () {
  this.timeout(360_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'pagable-bench-smoke-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('runs --quick --json to completion and reports every metric and every workload shape', async () => {
    const out = join(dir, 'results.json');
    const r = await runBench(['--quick', '--json', `--out=${out}`]);
    expect(r.code, r.stderr).to.equal(0);
    const results = JSON.parse(r.stdout) as {
      metrics: Record<string, Row>;
      workloads: Record<string, { metrics: Record<string, Row>; figures: Record<string, unknown> }>;
    };
    for (const m of METRICS) expectRow(results.metrics[m], `metric ${m}`);
    expect(Object.keys(results.workloads)).to.have.members(SHAPES);
    for (const w of SHAPES) {
      for (const m of SHAPE_METRICS) expectRow(results.workloads[w]!.metrics[m], `${w}.${m}`);
      expect(results.workloads[w]!.figures['saveUsPerBlob'], `${w} us per blob`).to.be.a('number');
    }
    expectRow(results.workloads['buildGraph']!.metrics['resaveOneLeaf'], 'buildGraph.resaveOneLeaf');
    // The same results are written to the file.
    expect(Object.keys((JSON.parse(readFileSync(out, 'utf8')) as { metrics: object }).metrics)).to.have.members(METRICS);
  });
});

describe('bench/other-shapes (smoke)', function () {
  this.timeout(120_000);

  it('probes every shape at a tiny size, each loaded graph equal to what was saved', async () => {
    const script = fileURLToPath(new URL('../../bench/other-shapes.js', import.meta.url));
    const run = await new Promise<Run>((resolve) => {
      execFile(process.execPath, ['--expose-gc', script, '--quick'], { encoding: 'utf8', timeout: 100_000 }, (err, stdout, stderr) => {
        resolve({ code: err === null ? 0 : ((err as { code?: number }).code ?? null), stdout, stderr });
      });
    });
    expect(run.code, run.stderr).to.equal(0);
    const names = run.stdout.split('\n').map((l) => /^(\S+(?: \S+)*?)\s+blobs\s+\d+/.exec(l)?.[1]);
    expect(names.filter((n) => n !== undefined)).to.deep.equal([
      'events inline',
      'dyn tree 511',
      'shared items',
      'matrix',
      'wide lazy',
      'lazy chain',
    ]);
  });
});

/*
 * Smoke test of `npm run bench`: the quick run completes and reports every metric. Benchmarks are
 * never timed tests: no figure is asserted, and a missed bar does not fail this test.
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const RUNNER = fileURLToPath(new URL('../bench/run.js', import.meta.url));
const METRICS = ['pageOut', 'pageIn', 'roundTrip', 'storedBytes', 'heapDrop', 'lmdbSave', 'lmdbLoad'];

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
      { encoding: 'utf8', timeout: 180_000, maxBuffer: 64 << 20 },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : null;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describe('bench (smoke)', function () {
  this.timeout(240_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'pagable-bench-smoke-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('runs --quick --json to completion and reports every metric', async () => {
    const out = join(dir, 'results.json');
    const r = await runBench(['--quick', '--json', `--out=${out}`]);
    expect(r.code, r.stderr).to.equal(0);
    const results = JSON.parse(r.stdout) as { metrics: Record<string, { ratio: unknown; pagable: unknown; peer: unknown; pass: unknown }> };
    for (const m of METRICS) {
      expect(results.metrics, `metric ${m}`).to.have.property(m);
      const row = results.metrics[m]!;
      for (const k of ['ratio', 'pagable', 'peer'] as const) expect(row[k], `${m}.${k}`).to.be.a('number');
      expect(row.pass === null || typeof row.pass === 'boolean', `${m}.pass`).to.equal(true);
    }
    // The same results are written to the file.
    expect(Object.keys((JSON.parse(readFileSync(out, 'utf8')) as { metrics: object }).metrics)).to.have.members(METRICS);
  });
});

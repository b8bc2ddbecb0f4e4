/*
 * Runs the npm scripts named on the command line one after another, all of them even when one
 * fails, and exits non-zero if any failed: `npm run lint` reports every kind of problem at once
 * instead of stopping at the first.
 *
 *   node scripts/run-all.mjs lint:eslint check:deps docs:check
 */
import { spawnSync } from 'node:child_process';

const failed = [];
for (const script of process.argv.slice(2)) {
  // npm_execpath is the npm that started us (npm run ...); fall back to npm on PATH.
  const npm = process.env.npm_execpath;
  const r = npm
    ? spawnSync(process.execPath, [npm, 'run', '-s', script], { stdio: 'inherit' })
    : spawnSync('npm', ['run', '-s', script], { stdio: 'inherit', shell: process.platform === 'win32' });
  if (r.status !== 0) failed.push(script);
}
if (failed.length > 0) {
  console.error(`\nfailed: ${failed.join(', ')}`);
  process.exit(1);
}

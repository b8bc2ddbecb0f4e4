#!/usr/bin/env node
/**
 * Builds the `pagable explore` page: bundles src/explore/web/main.ts with d3 (esbuild, minified,
 * no remote assets) and copies index.html and app.css beside it, into each OUT_DIR given
 * (dist/explore/static for the package, build/src/explore/static for the tests). The server
 * serves the `static/` folder next to its own module, so users need no build step.
 *
 * Usage: node scripts/build-explore.mjs OUT_DIR...
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const web = join(root, 'src', 'explore', 'web');
const outs = process.argv.slice(2);
if (outs.length === 0) {
  console.error('usage: node scripts/build-explore.mjs OUT_DIR...');
  process.exit(2);
}

const result = await build({
  entryPoints: [join(web, 'main.ts')],
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['es2022'],
  minify: true,
  legalComments: 'none',
  metafile: true,
  write: false,
  outfile: 'app.js',
  logLevel: 'warning',
  tsconfig: join(web, 'tsconfig.json'),
});

// The licences of the bundled packages (d3's are ISC: the notice travels with every copy).
const packages = new Set();
for (const input of Object.keys(result.metafile.inputs)) {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
  if (m) packages.add(m[1]);
}
let notices = 'The explorer page (app.js) bundles these packages:\n';
for (const name of [...packages].sort()) {
  const dir = join(root, 'node_modules', name);
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const file = readdirSync(dir).find((f) => /^licen[cs]e/i.test(f));
  notices += `\n---- ${name}@${pkg.version} (${pkg.license}) ----\n\n${file && existsSync(join(dir, file)) ? readFileSync(join(dir, file), 'utf8').trim() : '(no licence file)'}\n`;
}

for (const out of outs) {
  const dir = resolve(root, out);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'app.js'), result.outputFiles[0].contents);
  writeFileSync(join(dir, 'app.js.LICENSES.txt'), notices);
  copyFileSync(join(web, 'index.html'), join(dir, 'index.html'));
  copyFileSync(join(web, 'app.css'), join(dir, 'app.css'));
}
// Builds are quiet; PAGABLE_BUILD_VERBOSE=1 says what went into the page (to stderr: `npm pack --json`
// runs `prepare`, and its stdout must stay JSON).
if (process.env.PAGABLE_BUILD_VERBOSE === '1') {
  console.error(
    `explore page: app.js ${(result.outputFiles[0].contents.length / 1024).toFixed(0)} KiB (${[...packages].join(', ')}) -> ${outs.join(', ')}`,
  );
}

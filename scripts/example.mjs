#!/usr/bin/env node
// `npm run example -- 03`: runs the compiled tutorial whose name starts with the given number (or
// name), as `node --expose-gc build/examples/<name>.js`, after `npm run build:all`. A tutorial
// that must run under Node options of its own (a heap cap) names them on a line of its source:
// `// node-options: --max-old-space-size=72`.
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'build', 'examples');
const [which, ...rest] = process.argv.slice(2);
const all = readdirSync(dir)
  .filter((f) => f.endsWith('.js') && /^\d\d-/.test(f))
  .sort();
const match = which === undefined ? [] : all.filter((f) => f.startsWith(which) || f === `${which}.js`);
if (match.length !== 1) {
  console.error(`usage: npm run example -- NN   (one of: ${all.map((f) => f.slice(0, -3)).join(', ')})`);
  process.exit(2);
}
const file = join(dir, match[0]);
const own = /^\/\/ node-options: (.+)$/m.exec(readFileSync(file, 'utf8'))?.[1].trim().split(/\s+/) ?? [];
const r = spawnSync(process.execPath, ['--expose-gc', ...own, file, ...rest], { stdio: 'inherit' });
process.exit(r.status ?? 1);

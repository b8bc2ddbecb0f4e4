/*
 * Deletes compiled files whose TypeScript source is gone, before `tsc -b` builds incrementally.
 * tsc never removes the output of a deleted or renamed source, so without this a test file
 * deleted from test/ would still run from build/test/, and a module deleted from src/ would still
 * ship in dist/. Only compiler outputs (.js, .d.ts and their maps) under the folders tsc writes
 * are touched; anything else there is left alone.
 *
 *   node scripts/prune-outputs.mjs            # dist/ and build/
 *   node scripts/prune-outputs.mjs dist       # dist/ only (the package build)
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Output folder -> source folder, as the tsconfig files map them. */
const TARGETS = {
  dist: [['dist', 'src']],
  // build/ from tsconfig.json, build/tc39/ from tsconfig.tc39.json (the same sources, as TC39 decorators).
  build: ['build', path.join('build', 'tc39')].flatMap((out) =>
    ['src', 'test', 'examples', 'bench'].map((dir) => [path.join(out, dir), dir]),
  ),
};
const OUTPUT = /(\.d\.ts\.map|\.d\.ts|\.js\.map|\.js)$/;

function* files(dir) {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* files(p);
    else yield p;
  }
}

const root = fileURLToPath(new URL('..', import.meta.url));
const wanted = process.argv.length > 2 ? process.argv.slice(2) : Object.keys(TARGETS);
let pruned = 0;
for (const name of wanted) {
  const pairs = TARGETS[name];
  if (pairs === undefined) throw new Error(`prune-outputs: unknown target ${name} (expected ${Object.keys(TARGETS).join(', ')})`);
  for (const [out, src] of pairs) {
    for (const file of files(path.join(root, out))) {
      const m = OUTPUT.exec(file);
      // The explorer's bundle is built by scripts/build-explore.mjs, not compiled from a .ts file.
      if (m === null || file.includes(`${path.sep}explore${path.sep}static${path.sep}`)) continue;
      const source = path.join(root, src, path.relative(path.join(root, out), file.slice(0, -m[1].length)) + '.ts');
      if (existsSync(source)) continue;
      rmSync(file);
      pruned++;
    }
  }
}
if (pruned > 0) console.error(`prune-outputs: removed ${pruned} compiled file(s) whose source is gone`);

/*
 * The moonshot alone: `node --expose-gc build/bench/moonshot-run.js [--iterations=N]` measures the
 * re-save of a loaded, frozen build graph with one leaf changed against its first save (bench/moonshot.ts),
 * without the rest of `npm run bench`.
 */
import { InMemoryPagableStorage } from '../src/index.js';
import { measureResave } from './moonshot.js';
import { collectBlobs } from './reachable-blobs.js';
import { runMain } from './run-main.js';
import { buildGraphShape } from './shapes/build-graph.js';

runMain(async () => {
  const iterations = Number(/--iterations=(\d+)/.exec(process.argv.join(' '))?.[1] ?? 5);
  const home = new InMemoryPagableStorage();
  const d = buildGraphShape.make('full', home);
  const ref = new InMemoryPagableStorage();
  const rootKey = await ref.save(d.root);
  const { figures, row } = await measureResave(d, collectBlobs(ref, rootKey), rootKey, { warmup: 2, iterations, say: console.log });
  console.log(JSON.stringify({ ratio: row.ratio, ...figures }, null, 1));
  await home.close();
  await ref.close();
});

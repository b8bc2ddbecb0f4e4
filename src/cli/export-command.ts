import type { DataKey } from '../keys/data.js';
import { exportPlain } from '../plain/to-plain.js';
import type { CommandRun } from './command-run.js';
import type { CliStore } from './store-spec.js';

/**
 * `pagable export STORE KEY [--depth N]`: the graph under KEY as plain JSON (exportPlain): a view
 * with class names, shared children as `{"$ref": key}`, lazy ones followed N levels (default 0).
 */
export async function exportGraph(s: CliStore, run: CommandRun, key: DataKey): Promise<number> {
  await run.out.json(await exportPlain(s.storage, key, { depth: run.depth }));
  return 0;
}

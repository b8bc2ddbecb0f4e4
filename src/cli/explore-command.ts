import { startExploreServer } from '../explore/server.js';
import { exploreSourceOf } from '../explore/source.js';
import type { CommandRun } from './command-run.js';
import type { CliStore } from './store-spec.js';

/** Resolves on the first SIGINT or SIGTERM (Ctrl-C, a service manager's stop). */
function stopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const on = (sig: NodeJS.Signals): void => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      resolve(sig);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}

/**
 * `pagable explore STORE`: serves the explorer page over the (read-only) store until Ctrl-C,
 * then stops listening; the caller closes the store. Prints the page's address first.
 */
export async function explore(s: CliStore, run: CommandRun): Promise<number> {
  const stopped = stopSignal();
  const server = await startExploreServer(exploreSourceOf(s.storage, s.where), {
    ...(run.host !== undefined ? { host: run.host } : {}),
    ...(run.port !== undefined ? { port: run.port } : {}),
  });
  if (!server.loopback) {
    const port = new URL(server.url).port;
    process.stderr.write(
      `pagable explore: warning: listening on ${run.host ?? ''}, not loopback: the store is readable from the network by anyone who can reach port ${port} of this machine (--host 127.0.0.1 keeps it on this machine)\n`,
    );
  }
  await run.out.line(`pagable explore: ${s.where} at ${server.url} (read-only; Ctrl-C to stop)`);
  await stopped;
  await server.close();
  process.stderr.write('pagable explore: stopped\n');
  return 0;
}

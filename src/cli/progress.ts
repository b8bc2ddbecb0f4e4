import cliProgress from 'cli-progress';

/** Reports progress of long work; a no-op off a terminal. */
export interface Progress {
  update(done: number, label?: string): void;
  stop(): void;
}

const QUIET: Progress = { update: () => undefined, stop: () => undefined };

/**
 * A progress bar on stderr when stderr is a terminal (so stdout stays clean for pipes and
 * --json), nothing otherwise. `total` is an estimate: the bar grows it if the work runs over.
 */
export function startProgress(label: string, total: number): Progress {
  if (!process.stderr.isTTY) return QUIET;
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: '{label} [{bar}] {value}/{total} blobs  {duration_formatted}',
      hideCursor: true,
      clearOnComplete: true,
      fps: 10,
    },
    cliProgress.Presets.shades_classic,
  );
  let max = Math.max(1, total);
  bar.start(max, 0, { label });
  return {
    update(done, newLabel) {
      if (done > max) bar.setTotal((max = done));
      bar.update(done, newLabel === undefined ? undefined : { label: newLabel });
    },
    stop() {
      bar.stop();
    },
  };
}

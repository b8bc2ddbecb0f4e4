/* Reading the environment variables that make a test heavier (PAGABLE_FUZZ=N and the like). */

/** The non-negative integer in environment variable `name`, or undefined when it is unset or empty. */
export function envInt(name: string): number | undefined {
  const v = process.env[name];
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got ${v}`);
  return n;
}

/**
 * The runs of a property test: PAGABLE_FUZZ when set (larger for a deeper search; smaller for a
 * mutation run, where every surviving mutant runs every test that covers it), else `runs`.
 */
export function fuzzRuns(runs: number): number {
  return envInt('PAGABLE_FUZZ') ?? runs;
}

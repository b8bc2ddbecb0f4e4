/** Runs a bench script's `main`, exiting 0 when it resolves and 1 (with the error printed) when it rejects. */
export function runMain(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
}

/** Heap in use after full collections, with turns in between (finalizers run; WeakRef targets live to the end of their job). Needs --expose-gc. */
export async function heapUsed(): Promise<number> {
  const gc = (globalThis as { gc?: () => void }).gc!;
  for (let i = 0; i < 4; i++) {
    await new Promise((r) => setImmediate(r));
    gc();
  }
  return process.memoryUsage().heapUsed;
}

/*
 * What WeakRefs keep alive within one job, and when an async page-in lets them go.
 *
 * Creating a WeakRef keeps its target alive until the current job ends (ECMAScript's
 * AddToKeptObjects; V8 clears the list each time the microtask queue has drained). The arc
 * cache makes one per restored blob, so identity holds across page-ins without the cache keeping
 * anything alive by itself; but a loop of awaited loads on a store that reads synchronously
 * (memory, LMDB) never lets the microtask queue drain, because each await resolves at once, and
 * so the whole loop is one job: every graph it loaded and dropped stayed alive until the loop
 * ended (measured: twelve dropped loads of ~2 MB graphs left 31 MB of heap held).
 *
 * Page-ins count the blob bytes they restore; once that passes KEEP_LIMIT within one job, an
 * async page-in resolves through `process.nextTick` instead of at once. Node runs tick callbacks
 * only after the microtask queue has drained, so the job ends there and the kept targets can go
 * (the same loop then holds about 1.5 MB). A tick, not a timer: no event-loop turn to pay for, and
 * fake timers in a user's tests (which leave nextTick alone by default) cannot stall a load.
 * Synchronous page-ins (pinSync) cannot end their job: what they restore is held until their
 * caller returns.
 */

/** Restored blob bytes within one job past which an async page-in ends the job. */
const KEEP_LIMIT = 4 * 1024 * 1024;

let restored = 0;
let resetScheduled = false;

function reset(): void {
  restored = 0;
  resetScheduled = false;
}

/** Counts `bytes` of restored blobs whose objects WeakRefs now keep until the job ends. */
export function noteRestored(bytes: number): void {
  restored += bytes;
  if (!resetScheduled) {
    resetScheduled = true;
    // Runs once the microtask queue has drained: when the kept list is cleared.
    process.nextTick(reset);
  }
}

/** True when an async page-in should end the job before it resolves. */
export function mustEndJob(): boolean {
  return restored > KEEP_LIMIT;
}

/** Resolves after the microtask queue has drained (the job ends, and with it what WeakRefs kept alive). */
export function endJob(): Promise<void> {
  return new Promise((r) => process.nextTick(r));
}

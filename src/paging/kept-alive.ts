/*
 * What WeakRefs keep alive between turns of the event loop, and when an async page-in lets them go.
 *
 * Creating a WeakRef keeps its target alive until the current job ends (ECMAScript's
 * AddToKeptObjects; V8 clears the list once the microtask queue drains). The arc cache makes
 * one per restored blob, so identity holds across page-ins without keeping anything alive by
 * itself; but a loop of awaited loads on a store that reads synchronously (memory, LMDB) never
 * lets the event loop turn, because each await resolves at once, and so the whole loop is one
 * job: every graph it loaded and dropped stayed alive until the loop ended (measured: twelve
 * dropped loads of ~2 MB graphs left 31 MB of heap held).
 *
 * Page-ins count the blob bytes they restore; once that passes KEEP_LIMIT since the last turn,
 * an async page-in resolves after one turn of the event loop (setImmediate), which ends the job
 * and lets the kept targets go. Synchronous page-ins (pinSync) cannot turn the loop: what they
 * restore is held until their caller returns to it, as with any WeakRef.
 */

/** Restored blob bytes since the last turn past which an async page-in turns the loop. */
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
    // Runs on the next turn, when the list has been cleared anyway; never keeps the process up.
    setImmediate(reset).unref();
  }
}

/** True when an async page-in should let the event loop turn before it resolves. */
export function mustTurn(): boolean {
  return restored > KEEP_LIMIT;
}

/** One turn of the event loop (the job ends, and with it what WeakRefs kept alive). */
export function turn(): Promise<void> {
  return new Promise((r) => setImmediate(r));
}

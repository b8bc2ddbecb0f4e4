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
 * async page-in resolves only after the microtask queue has drained, so the job ends there and
 * the kept targets can go (the same loop then holds about 1.5 MB). Synchronous page-ins (pinSync)
 * cannot end their job: what they restore is held until their caller returns.
 *
 * The kept list also costs time while it is long: every scavenge walks it, so WeakRefs made late
 * in a long job cost more. Measured: 80k WeakRefs in one job, a few objects of garbage each,
 * 0.76-1.41 us an item in all; the job ended every 4000, 0.39-0.43 us; no WeakRefs, 0.32-0.37.
 * So an async page-in of a store that reads synchronously also pauses to end its job each time
 * KEEP_REFS objects were restored in it (page-in-driver.ts): the load of 80k tiny blobs, ended
 * every 1024, took 0.82x the time and 0.85x the CPU.
 *
 * Ending the job needs a callback that runs after the microtask queue has drained, and test
 * frameworks fake every such primitive people use (Jest's modern fake timers replace
 * process.nextTick, queueMicrotask, setImmediate and the timers; a faked one never runs unless the
 * test advances the clock). So the job is ended by whichever runs first of process.nextTick, as
 * it was when this module loaded (no event-loop turn to pay for; a fake installed later does not
 * replace it), and a message on a MessageChannel of node:worker_threads, which no fake timers
 * touch: a faked tick costs one event-loop turn per few MB restored, never a load that does not
 * resolve. The counter is reset both by a tick and by each job ended, so a tick that never runs
 * does not leave it stuck.
 */
import { MessageChannel } from 'node:worker_threads';

/** Restored blob bytes within one job past which an async page-in ends the job. */
const KEEP_LIMIT = 4 * 1024 * 1024;
/** Restored objects (WeakRefs made) within one job past which an async page-in pauses to end it. */
const KEEP_REFS = 1024;

/** process.nextTick as it was at load time (see above). */
const tick: (fn: () => void) => void = process.nextTick.bind(process);

let restored = 0;
let refs = 0;
let resetScheduled = false;

function reset(): void {
  restored = 0;
  refs = 0;
  resetScheduled = false;
}

/** Counts a restored blob of `bytes` whose object a WeakRef now keeps until the job ends. */
export function noteRestored(bytes: number): void {
  restored += bytes;
  refs++;
  if (!resetScheduled) {
    resetScheduled = true;
    // Runs once the microtask queue has drained: when the kept list is cleared.
    tick(reset);
  }
}

/** True when an async page-in should end the job before it resolves. */
export function mustEndJob(): boolean {
  return restored > KEEP_LIMIT;
}

/** True when an async page-in should pause to end the job (see above). */
export function jobIsLong(): boolean {
  return refs >= KEEP_REFS;
}

/**
 * The event-loop side of ending a job: one channel for the process, referenced only while a
 * page-in waits on it (an idle one must not keep the process alive).
 */
class JobEnds {
  #channel: MessageChannel | undefined;
  #waiting: Array<() => void> = [];
  #posted = false;

  /** Resolves `done` on the next message, whatever the timers are. */
  wait(done: () => void): void {
    this.#waiting.push(done);
    const ch = (this.#channel ??= this.#open());
    ch.port1.ref();
    if (!this.#posted) {
      this.#posted = true;
      ch.port2.postMessage(0);
    }
  }

  #open(): MessageChannel {
    const ch = new MessageChannel();
    ch.port1.on('message', () => {
      this.#posted = false;
      const waiting = this.#waiting;
      this.#waiting = [];
      ch.port1.unref();
      for (const done of waiting) done();
    });
    ch.port1.unref();
    return ch;
  }
}

const ends = new JobEnds();

/** Resolves after the microtask queue has drained (the job ends, and with it what WeakRefs kept alive). */
export function endJob(): Promise<void> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (): void => {
      if (settled) return;
      settled = true;
      reset();
      resolve();
    };
    tick(done);
    ends.wait(done);
  });
}

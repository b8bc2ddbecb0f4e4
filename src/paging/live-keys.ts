import { isPromise } from '../blobstore/await.js';
import type { DataKey } from '../keys/data.js';

/**
 * What a gc of this handle must keep besides what roots reach: every key an operation of this
 * handle has written, reused or rooted while it is in flight, every key touched while the gc
 * runs, and (supplied by the caller) the keys live arcs hold. And the gate that keeps writers
 * out of gc's final step (final mark, then delete) on backends that answer asynchronously; on
 * synchronous ones that step runs without an await, so nothing can interleave.
 */
export class LiveKeys {
  /** The keys of each operation in flight. */
  readonly #ops = new Set<Set<DataKey>>();
  /** Every key recorded while a gc runs (undefined when none runs). */
  #duringGc: Set<DataKey> | undefined;
  #writers = 0;
  #writersDone: (() => void) | undefined;
  /** Set while gc's final step runs: writers wait for it. */
  #exclusive: Promise<void> | undefined;

  /** Starts an operation; record its keys in the returned set, and `end` it when it settles. */
  begin(): Set<DataKey> {
    const keys = new Set<DataKey>();
    this.#ops.add(keys);
    return keys;
  }

  /** Records `keys` for operation `op` (and for a gc running now). */
  record(op: Set<DataKey> | undefined, keys: Iterable<DataKey>): void {
    const g = this.#duringGc;
    for (const k of keys) {
      op?.add(k);
      g?.add(k);
    }
  }

  /** Ends an operation begun with `begin`. */
  end(op: Set<DataKey>): void {
    this.#ops.delete(op);
  }

  /**
   * A gc starts: from now on every recorded key is kept, and so is every key of the operations
   * in flight now (even if they end before the gc looks: their callers have not seen them end).
   */
  startGc(): void {
    this.#duringGc = new Set(this.snapshot());
  }

  /** The gc ends. */
  stopGc(): void {
    this.#duringGc = undefined;
  }

  /** Every key an operation in flight or a write during the gc recorded. */
  snapshot(): DataKey[] {
    const out = new Set<DataKey>(this.#duringGc);
    for (const op of this.#ops) for (const k of op) out.add(k);
    return [...out];
  }

  /** True while gc's final step holds writers off (a writer entering now would wait). */
  get gated(): boolean {
    return this.#exclusive !== undefined;
  }

  /** A writer enters; resolves (or returns at once) when no gc final step runs. */
  enterWriter(): Promise<void> | undefined {
    if (this.#exclusive === undefined) {
      this.#writers++;
      return undefined;
    }
    return this.#exclusive.then(() => this.enterWriter());
  }

  /** A writer leaves. */
  leaveWriter(): void {
    if (--this.#writers === 0) this.#writersDone?.();
  }

  /**
   * Runs `step` with writers kept out: waits for those in flight and holds new ones until it
   * settles. A synchronous `step` with no writer in flight runs and releases the gate at once.
   */
  async exclusive<T>(step: () => T | Promise<T>): Promise<T> {
    while (this.#exclusive !== undefined) await this.#exclusive;
    let open!: () => void;
    this.#exclusive = new Promise<void>((r) => {
      open = r;
    });
    try {
      if (this.#writers > 0)
        await new Promise<void>((r) => {
          this.#writersDone = r;
        });
      this.#writersDone = undefined;
      const r = step();
      return isPromise(r) ? await r : r;
    } finally {
      this.#exclusive = undefined;
      open();
    }
  }
}

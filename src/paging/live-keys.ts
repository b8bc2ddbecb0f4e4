import { isPromise } from '../blobstore/await.js';
import type { BlobBatch } from '../keys/blob-batch.js';
import type { DataKey } from '../keys/data.js';

/**
 * What one operation in flight has written, reused or rooted: keys, and whole batches (their keys
 * read only when a gc asks: a page-out records a batch in one step, not a key at a time). A
 * batch recorded here must stay as it is until the operation ends.
 */
export class LiveOp {
  readonly keys: DataKey[] = [];
  readonly batches: BlobBatch[] = [];
}

/**
 * What a gc of this handle must keep besides what roots reach: every key an operation of this
 * handle has written, reused or rooted while it is in flight, every key touched while the gc
 * runs, and (supplied by the caller) the keys live arcs hold. And the gate that keeps writers
 * out of gc's final step (final mark, then delete) on backends that answer asynchronously; on
 * synchronous ones that step runs without an await, so nothing can interleave.
 */
export class LiveKeys {
  /** The operations in flight. */
  readonly #ops = new Set<LiveOp>();
  /** Every key recorded while a gc runs (undefined when none runs). */
  #duringGc: Set<DataKey> | undefined;
  #writers = 0;
  #writersDone: (() => void) | undefined;
  /** Set while gc's final step runs: writers wait for it. */
  #exclusive: Promise<void> | undefined;

  /** Starts an operation; record its keys in the returned op, and `end` it when it settles. */
  begin(): LiveOp {
    const op = new LiveOp();
    this.#ops.add(op);
    return op;
  }

  /** Records `keys` for operation `op` (and for a gc running now). */
  record(op: LiveOp | undefined, keys: Iterable<DataKey>): void {
    const g = this.#duringGc;
    for (const k of keys) {
      op?.keys.push(k);
      g?.add(k);
    }
  }

  /** Records the keys of `batch` for operation `op` (and for a gc running now); the batch stays as it is until `op` ends. */
  recordBatch(op: LiveOp, batch: BlobBatch): void {
    op.batches.push(batch);
    const g = this.#duringGc;
    if (g !== undefined) for (let i = 0; i < batch.count; i++) g.add(batch.key(i));
  }

  /** Ends an operation begun with `begin`. */
  end(op: LiveOp): void {
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
    for (const op of this.#ops) {
      for (const k of op.keys) out.add(k);
      for (const b of op.batches) for (let i = 0; i < b.count; i++) out.add(b.key(i));
    }
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

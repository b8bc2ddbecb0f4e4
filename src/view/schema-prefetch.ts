import { blobFormat } from '../codec/wire.js';
import type { DataKey, PagableData } from '../keys/data.js';
import type { BlobFetch } from './blob-schema.js';

/**
 * The schema blobs a data blob names, fetched ahead (asynchronously, once per schema set) so the
 * synchronous blob views can read them on any store, Redis included. A data blob's last child key
 * is its schema set, whose children are its class schemas (wire.ts).
 */
export class SchemaPrefetch {
  readonly #blobs = new Map<DataKey, PagableData | undefined>();

  constructor(private readonly fetch: (key: DataKey) => Promise<PagableData>) {}

  /** A blob fetched ahead; undefined when absent or unreadable (a view then shows less). */
  readonly lookup: BlobFetch = (key) => this.#blobs.get(key);

  async #get(key: DataKey): Promise<PagableData | undefined> {
    if (this.#blobs.has(key)) return this.#blobs.get(key);
    let b: PagableData | undefined;
    try {
      b = await this.fetch(key);
    } catch {
      // Missing or damaged: the view says it cannot name the fields; verify reports the damage.
      b = undefined;
    }
    this.#blobs.set(key, b);
    return b;
  }

  /**
   * Fetches what `blob` (stored under `key`) needs to be shown with names: its schema set and that
   * set's class schemas; a schema blob is itself kept, as views of it look it up by its key.
   */
  async ensure(blob: PagableData, key: DataKey): Promise<void> {
    if (!this.#blobs.has(key)) this.#blobs.set(key, blob);
    let set: PagableData | undefined;
    const fmt = blobFormat(blob.data);
    if (fmt === 'data' && blob.arcs.length > 0) set = await this.#get(blob.arcs[blob.arcs.length - 1]!);
    else if (fmt === 'schema') set = blob;
    if (set === undefined) return;
    for (const c of set.arcs) await this.#get(c);
  }
}

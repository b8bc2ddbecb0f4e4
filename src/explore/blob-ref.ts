import type { DataKey } from '../keys/data.js';

/* How the explorer's API lists blobs: a link to a blob, and a page of a longer list. */

/** A page of a longer list. */
export interface Page<T> {
  items: T[];
  total: number;
  offset: number;
}

/** A blob in a list: enough to show a link. */
export interface BlobRef {
  key: DataKey;
  label: string;
  bytes: number;
}

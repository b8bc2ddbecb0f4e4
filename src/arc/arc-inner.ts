import type { DataKey } from '../keys/data.js';
import type { RootSchema } from '../metadata/schema.js';
import type { ArcHost } from './arc-host.js';
import { deepFreeze } from './freeze.js';

/**
 * The state shared by every handle on one arc: the value (when resident), its key (once stored),
 * and how many handles and pins keep it resident.
 *
 *   PagedOut --pin--> Pinned --last pin, no key--> Unpinned --page-out--> PagedOut
 *                             \--last pin, has key------------------------^
 */
export class ArcInner {
  value: unknown;
  resident: boolean;
  key: DataKey | undefined;
  pinnedCount: number;
  /** The blob layout: set from the declaring field, or inferred from the value at page-out. */
  root: RootSchema | undefined;
  readonly host: ArcHost;
  /** True while in its storage's page-out queue (so repeated unpins queue it once). */
  scheduled = false;
  /** Single flight: the page-in in progress, shared by concurrent pins. */
  loading: Promise<void> | undefined = undefined;

  constructor(host: ArcHost, value: unknown, resident: boolean, key: DataKey | undefined, root: RootSchema | undefined, pinnedCount: number) {
    this.host = host;
    this.value = value;
    this.resident = resident;
    this.key = key;
    this.root = root;
    this.pinnedCount = pinnedCount;
  }

  /** One more pin, if the value is resident (Pinned or Unpinned); no I/O. */
  tryAcquire(): boolean {
    if (!this.resident) return false;
    this.pinnedCount++;
    return true;
  }

  /** One pin fewer; the last one pages out (has key) or schedules a page-out (no key). */
  release(): void {
    if (this.pinnedCount <= 0) return;
    if (--this.pinnedCount > 0) return;
    if (this.key !== undefined) this.dropValue();
    else this.host.scheduleForPaging(this);
  }

  /** Records the key the value was stored under; an unpinned value is dropped at once. */
  setKey(key: DataKey): void {
    this.key = key;
    if (this.host.freezeValues && this.resident) deepFreeze(this.value);
    if (this.pinnedCount === 0) this.dropValue();
  }

  /** Makes a decoded value resident (the first of several racing page-ins wins). */
  settle(value: unknown): void {
    if (this.resident) return;
    this.value = value;
    this.resident = true;
    if (this.host.freezeValues) deepFreeze(value);
  }

  private dropValue(): void {
    this.value = undefined;
    this.resident = false;
  }
}

/*
 * The V8-specific measures of the runtime, in one place, each with the measurement that keeps it.
 * Node 20 ships V8 11.x; when a newer V8 makes one unnecessary, the bench says so
 * (`npm run bench` measures every shape with and without the first one: the `*NoWarm` rows).
 *
 * 1. Kept-alive runs (this module's WARM and RELEASED). Why the paging runtime keeps its last
 *    finished runs alive, emptied:
 *
 * V8 gives objects of one layout a shared hidden class (map), and optimized code embeds the maps
 * it was compiled for, holding them weakly: once no object of a map is alive at a full GC, the
 * map dies and every function compiled against it deoptimizes (`node --trace-deopt`: "reason:
 * weak objects"). A page-in's or page-out's own objects (the run, its decoder or encoder, key
 * states, fixups, requests, tasks, child references, the sink and its entries) all die when it
 * ends, so after each full GC the whole path ran unoptimized again until V8 recompiled it.
 * Measured on the bench workload with a full GC between samples: 504 lazy pins took a median
 * 29-31 ms, 5.4-9.8 ms with a released run kept; a load with its pins 236-269 ms, 111-131 ms;
 * a save, in paired runs, a sixth less.
 *
 * So each finished run releases everything of the user's (values, blobs, the storage) and is
 * kept here, which keeps one object of each of its shapes alive and nothing else. Each run is
 * taken back from here by the next run of its kind and reset, which reuses its lists, key table
 * and slab or decoder as well (neither makes an object per blob, so their shapes are few; a small
 * lazy pin then allocates no bookkeeping at all).
 *
 * 2. Long loops that end their function (code shape, so it lives where the loop is; each site
 *    says "see v8-workarounds.ts"). V8 compiles a long first loop on-stack (OSR) before the code
 *    after it has ever run, caches that code and enters it again on every later call; code after
 *    the loop that had not run then deoptimizes every later call. So the hot loops sit in
 *    functions with nothing after them, or allocate what follows before the loop:
 *    - page-in-driver.ts `pumpSync`: a `run.finish()` after the loop deoptimized every later
 *      page-in (90 us each; 500 small pins of a bench page-in took 2.5x as long);
 *    - page-out.ts `drain`: the same shape deoptimized each later save;
 *    - blobstore/memory/memory-blob-store.ts `putMany`: its result array is allocated before the
 *      first loop (600 deopts a bench run otherwise).
 *
 * 3. Kept room (KEPT, keepRoom, FIRST_ROOM): a page-out's per-blob lists (the batch's offsets, lengths, child
 *    counts and keys, the run's key table, its task and record stacks) are typed arrays grown by
 *    doubling, and a released run keeps their room for the next page-out, off the JS heap. As JS
 *    arrays dropped after each page-out and regrown (each growth a fresh backing store, filled and
 *    copied, counted against the next major GC, and page-faulted in on this VM), regrowing them to
 *    100k entries cost more than the walk's own bookkeeping: `BlobBatch.add` alone was 14% of the
 *    tiny-blob save. Measured (bench/ab.js --shape=tinyShared --cpu, 15 pairs, loaded machine):
 *    typed arrays dropped after each page-out 0.89x the CPU time of JS arrays; their room kept
 *    0.92x of that again. What is kept is bounded by what the last page-out used: a list whose
 *    last page-out filled less than a quarter of it is dropped (so one large save followed by small
 *    ones holds nothing after the next), and the stacks are dropped past KEPT entries. Kept after a
 *    100k-blob save: 49 B per blob (6.4 MB), none of it JS heap. A list at its first room
 *    (FIRST_ROOM) is always kept: dropping it after each small run (one arc paged out, one lazy
 *    pin) allocated every list anew each time (documents load, its 20k pins: 1.16x the CPU time).
 *    A page-in's numeric per-key, per-slot and queue lists (page-in.ts) are kept the same way:
 *    tinyShared load 0.87x the CPU time of JS arrays dropped past 4,096 entries (12 pairs).
 *
 * Not V8-specific, and so not here: kept-alive.ts (ECMAScript's WeakRef job semantics, a memory
 * measure) and the heap probe of auto-page-out.ts (node:v8's documented getHeapStatistics).
 */

/** The last finished runs, released (one slot per kind of run). */
export const WARM: { pageIn?: object; pageOut?: object } = {};

/** What a released run points at where it pointed at the storage, a holder or a value. */
export const RELEASED: object = Object.freeze({});

/** Entries of a released run's task or record stack kept for the next page-out (measure 3); past this they are dropped. */
export const KEPT = 1 << 16;

/** Room a typed list starts with (at most): always kept, or every small page-out or pin would allocate its lists anew. */
export const FIRST_ROOM = 256;

/** Whether a typed list of `room` entries, `used` of them by the run just released, keeps its room (measure 3). */
export function keepRoom(room: number, used: number): boolean {
  return room <= FIRST_ROOM || 4 * used >= room;
}

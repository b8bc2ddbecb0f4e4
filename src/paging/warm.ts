/*
 * Why the paging runtime keeps its last finished runs alive, emptied.
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
 * kept here, which keeps one object of each of its shapes alive and nothing else. A page-out run
 * is taken back from here by the next page-out and reset, which reuses its lists, key table and
 * writer slab as well (a page-out makes no object per blob, so its shapes are few).
 */

/** The last finished runs, released (one slot per kind of run). */
export const WARM: { pageIn?: object; pageOut?: object } = {};

/** What a released run points at where it pointed at the storage, a holder or a value. */
export const RELEASED: object = Object.freeze({});

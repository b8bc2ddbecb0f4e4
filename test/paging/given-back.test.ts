/*
 * The write rule as a property (README "What is accepted is given back"; src/codec/wire-rules.ts):
 * over random class models made at runtime (test/support/class-models.ts) and random values of
 * them, well and badly typed (test/support/model-values.ts), on memory and LMDB:
 *
 * - every value `save` accepts, `load` gives back equal, identity partition kept
 *   (test/support/given-back.ts); lazy arcs pinned and compared;
 * - every value it refuses is a PagableError, and nothing was stored: no blob, no root;
 * - a well-typed value is never refused;
 * - behind a PagableArc, `pageOutPending()` pages out exactly what `save` accepts, and the arc
 *   pins back to an equal value; what it cannot write is in `failed`, the arc resident with the
 *   very same value;
 * - with `freeze: true` (re-save without re-work), saving again what was saved and what was loaded
 *   gives the key a storage that knows neither gives (nothing reused stale), and loads back equal.
 *
 * Environment: PAGABLE_FUZZ=N values per backend (default 1,500: 3,000 in all, each saved and
 * paged out), PAGABLE_FUZZ_SEED=S the run's seed. The counts are printed on one line.
 */
import { expect } from 'chai';
import fc from 'fast-check';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  InMemoryPagableStorage,
  LmdbPagableStorage,
  PagableArc,
  PagableError,
  type PagableErrorCode,
  type PagableStorageBase,
} from '../../src/index.js';
import { buildModel, modelSpec } from '../support/class-models.js';
import { GivenBack, describe as show } from '../support/given-back.js';
import { type Drawn, ValueMaker } from '../support/model-values.js';
import { envInt } from '../support/env.js';

const PER_BACKEND = envInt('PAGABLE_FUZZ') ?? 1500;
const SEED = envInt('PAGABLE_FUZZ_SEED') ?? 0x19;
/** Values drawn per model: classes are made once per model, and making them is the slow part. */
const PER_MODEL = 5;
const ROOT = 'given-back';

/** What one backend's run saw. */
interface Counts {
  saved: number;
  refused: number;
  pagedOut: number;
  pageOutFailed: number;
  wellTyped: number;
  codes: Partial<Record<PagableErrorCode, number>>;
}

const BACKENDS = {
  memory: async () => ({ storage: new InMemoryPagableStorage() as PagableStorageBase, close: async () => {} }),
  'memory, freeze: true': async () => ({
    storage: new InMemoryPagableStorage({ freeze: true }) as PagableStorageBase,
    close: async () => {},
  }),
  lmdb: async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pagable-given-back-'));
    const storage = await LmdbPagableStorage.open(dir, { noSync: true });
    return {
      storage: storage as PagableStorageBase,
      close: async () => {
        await storage.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
};

/** Saves `d`: accepted, it is rooted and loads back equal; refused, nothing is stored. True when accepted. */
async function saveCase(s: PagableStorageBase, d: Drawn, counts: Counts): Promise<boolean> {
  const blobs = s.stats().blobs;
  const roots = await s.listRoots();
  let key: string;
  try {
    key = await s.save(d.value);
  } catch (e) {
    if (!(e instanceof PagableError)) throw new Error(`save threw ${show(e)}, not a PagableError: ${String(e)}`, { cause: e });
    if (d.wellTyped) throw new Error(`save refused a well-typed value: ${e.code}: ${e.message}`, { cause: e });
    expect(s.stats().blobs, `a refused save (${e.message}) stored blobs`).to.equal(blobs);
    expect(await s.listRoots(), 'a refused save changed the roots').to.deep.equal(roots);
    counts.refused++;
    counts.codes[e.code] = (counts.codes[e.code] ?? 0) + 1;
    return false;
  }
  await s.setRoot(ROOT, key);
  const back = await s.load(d.cls, (await s.getRoot(ROOT))!);
  const check = new GivenBack();
  try {
    await check.check(d.value, back);
  } finally {
    check.release();
  }
  if (frozen.has(s)) await resaveCase(s, d, key, back);
  counts.saved++;
  return true;
}

/** Storages with `freeze: true`. */
const frozen = new WeakSet<PagableStorageBase>();
/** A storage that knows nothing of the values: the keys they have when encoded afresh. */
const afresh = new InMemoryPagableStorage();

/** Saved again, the saved value and the loaded one get the key they get when encoded afresh, and load back equal. */
async function resaveCase(s: PagableStorageBase, d: Drawn, key: string, back: unknown): Promise<void> {
  expect(await s.save(d.value), 're-saving the saved value').to.equal(key);
  const again = await s.save(back as object);
  expect(again, 're-saving the loaded value').to.equal(await afresh.save(back as object));
  const check = new GivenBack();
  try {
    await check.check(d.value, await s.load(d.cls, again));
  } finally {
    check.release();
  }
}

/** Pages `d` out behind an arc: it pins back equal, or is reported and stays as it was. True when paged out. */
async function pageOutCase(s: PagableStorageBase, d: Drawn, counts: Counts): Promise<boolean> {
  const arc = PagableArc.new(d.value, s);
  arc.unpin();
  const report = await s.pageOutPending();
  for (const e of report.failed) if (!(e instanceof PagableError)) throw new Error(`page-out failed with ${show(e)}: ${String(e)}`);
  const pin = await arc.pin();
  try {
    if (arc.dataKey !== undefined) {
      const check = new GivenBack();
      try {
        await check.check(d.value, pin.value);
      } finally {
        check.release();
      }
      counts.pagedOut++;
      return true;
    }
    expect(report.failed, 'an arc left resident is reported').to.not.deep.equal([]);
    expect(pin.value, 'the arc left resident holds its value').to.equal(d.value);
    counts.pageOutFailed++;
    return false;
  } finally {
    pin.release();
  }
}

describe('property: what save accepts, load gives back (random models, well- and badly-typed values)', function () {
  this.timeout(600_000);
  const lines: string[] = [];
  after(() => {
    if (lines.length > 0) console.log(`      given back (seed ${SEED}): ${lines.join('; ')}`);
  });

  for (const [name, open] of Object.entries(BACKENDS)) {
    it(`${name}: ${PER_BACKEND} values saved and paged out: accepted ones come back equal, refused ones store nothing`, async () => {
      const counts: Counts = { saved: 0, refused: 0, pagedOut: 0, pageOutFailed: 0, wellTyped: 0, codes: {} };
      const { storage, close } = await open();
      if (name.includes('freeze')) frozen.add(storage);
      // Where some arcs are bound: a save copies their blobs.
      const other = new InMemoryPagableStorage();
      try {
        await fc.assert(
          fc.asyncProperty(modelSpec, fc.gen(), async (spec, g) => {
            const maker = new ValueMaker(buildModel(spec), g, storage, other);
            for (let i = 0; i < PER_MODEL; i++) {
              const d = maker.draw(g(fc.constantFrom, 0, 0, 0.03, 0.15));
              if (d.wellTyped) counts.wellTyped++;
              // Now and then the value's arcs are let go first: they page out with it (or in
              // their own storage), and are paged out when the value is saved.
              const early = g(fc.boolean);
              if (early) for (const a of d.arcs) a.unpin();
              await other.pageOutPending();
              // Save first, or page out first: either way both accept the same values.
              let saved: boolean;
              let pagedOut: boolean;
              if (g(fc.boolean)) {
                saved = await saveCase(storage, d, counts);
                pagedOut = await pageOutCase(storage, d, counts);
              } else {
                pagedOut = await pageOutCase(storage, d, counts);
                saved = await saveCase(storage, d, counts);
              }
              if (saved !== pagedOut)
                throw new Error(saved ? 'save accepted what a page-out could not write' : 'a page-out wrote what save refused');
              if (!early) for (const a of d.arcs) a.unpin();
            }
          }),
          { numRuns: Math.ceil(PER_BACKEND / PER_MODEL), seed: SEED, endOnFailure: true },
        );
      } finally {
        await close();
      }
      const codes = Object.entries(counts.codes)
        .map(([c, n]) => `${c} ${n}`)
        .join(', ');
      lines.push(
        `${name}: ${counts.saved} saved and given back, ${counts.refused} refused (${codes}); ` +
          `${counts.pagedOut} paged out and pinned back, ${counts.pageOutFailed} left resident; ${counts.wellTyped} well typed`,
      );
      expect(counts.saved + counts.refused).to.equal(Math.ceil(PER_BACKEND / PER_MODEL) * PER_MODEL);
      // The run exercised both outcomes.
      expect(counts.saved).to.be.greaterThan(0);
      expect(counts.refused).to.be.greaterThan(0);
    });
  }
});

/*
 * One hostile case of the fuzzer: a corpus blob, mutated, stored one of three ways, then paged
 * in along several routes (load as a class, load as plain data, pin an arc, load a parent that
 * refers to it). Every route must end in a value or a PagableError within the time limit, a value
 * must be of the class asked for and made only of objects pagable may create, and no prototype
 * or global may change. The case draws only from its own PRNG, seeded from (seed, backend, index).
 *
 * Ways of storing the mutant:
 * - stored: through `storeData`, under the key it hashes to: a well-formed but hostile blob;
 * - raw: written with the backend's own client under the ORIGINAL blob's key (a damaged or
 *   forged store), read through a fresh handle with `verify: false`, so the decoder sees it;
 * - raw, verify on: the same through a verifying handle, where any route that reads the
 *   record directly must fail with CORRUPT unless the record is unchanged;
 * - stray key: an intact record also stored under a name that is no key (wrong length), which
 *   store-wide scans (`verify()`, `keys()`) must report or skip, not crash on.
 * Raw cases sometimes also run `verify()`, which must list the damaged record, and only it.
 */
import { type Class, type DataKey, type PagableStorage, PagableError } from '../../src/index.js';
import { encodeBlobRecord } from '../../src/blobstore/blob-record.js';
import { type Mutant, mutateBlob, mutateRecord } from './blob-mutator.js';
import type { Corpus, CorpusEntry } from './fuzz-corpus.js';
import type { FuzzBackend } from './fuzz-backends.js';
import { HUNG, foreignError, foreignObjectIn, withDeadline } from './hostile-check.js';
import { Rng, mixSeed } from './prng.js';

/** How a case stores its mutant (see the file comment); 'sabotage' is the harness's self-test. */
export type CaseMode = 'stored' | 'raw' | 'raw, verify on' | 'stray key' | 'sabotage';

/** One broken promise of one route. */
export interface RouteProblem {
  route: string;
  /** Which promise broke, the same words for every case that breaks it (errors: their message). */
  kind: string;
  /** This case's particulars. */
  detail: string;
}

/** What one case did; everything needed to replay it is in `index` and the run's seed. */
export interface CaseResult {
  index: number;
  mode: CaseMode;
  /** The corpus blob it started from. */
  entry: string;
  what: string;
  routes: number;
  slowestMs: number;
  slowestRoute: string;
  problems: RouteProblem[];
  /** How its page-ins ended: 'value', or the PagableError code, or 'other'. */
  outcomes: Record<string, number>;
  /** The stored bytes (data, or the whole record in raw modes), hex, at most 160 bytes. */
  bytesHex: string;
  bytesLength: number;
  arcs: number;
}

/** What every case of one worker shares. */
export interface FuzzContext {
  backend: FuzzBackend;
  corpus: Corpus;
  seed: number;
  /** Distinguishes backends, so each gets its own cases. */
  stream: number;
  limitMs: number;
  /** What changed in the guarded prototypes and globals, or undefined. */
  checkGlobals: () => string | undefined;
  /** Prototypes a decoded value may have beyond the builtins. */
  classes: readonly Class[];
}

const hex = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, Math.min(b.length, 160)).toString('hex');

function replaceKey(arcs: readonly DataKey[], from: DataKey, to: DataKey): DataKey[] {
  return arcs.map((k) => (k === from ? to : k));
}

/** Runs one route: times it, bounds it, and checks its outcome. */
async function route(
  ctx: FuzzContext,
  res: CaseResult,
  name: string,
  want: Class | undefined,
  run: () => unknown,
  mustFail = false,
): Promise<void> {
  res.routes++;
  const t0 = performance.now();
  let value: unknown;
  let error: unknown;
  let failed = false;
  try {
    const r = await withDeadline(Promise.resolve().then(run), ctx.limitMs);
    if (r === HUNG) {
      res.outcomes['hung'] = (res.outcomes['hung'] ?? 0) + 1;
      res.problems.push({ route: name, kind: 'a page-in hangs', detail: `did not end within ${ctx.limitMs} ms` });
      return;
    }
    value = r;
  } catch (e) {
    error = e;
    failed = true;
  }
  const ms = performance.now() - t0;
  if (ms > res.slowestMs) {
    res.slowestMs = ms;
    res.slowestRoute = name;
  }
  if (ms > ctx.limitMs)
    res.problems.push({ route: name, kind: 'a page-in is too slow', detail: `took ${ms.toFixed(0)} ms (limit ${ctx.limitMs})` });
  const outcome = !failed ? 'value' : error instanceof PagableError ? error.code : 'other';
  res.outcomes[outcome] = (res.outcomes[outcome] ?? 0) + 1;
  if (failed) {
    const why = foreignError(error);
    if (why !== undefined)
      res.problems.push({ route: name, kind: `threw ${why}`, detail: (error as Error)?.stack?.split('\n').slice(0, 4).join(' | ') ?? why });
    else if (mustFail && (error as PagableError).code !== 'CORRUPT') {
      res.problems.push({
        route: name,
        kind: 'a verifying handle reports a forged record as another code than CORRUPT',
        detail: `${(error as PagableError).code}: ${(error as Error).message}`,
      });
    }
    return;
  }
  if (mustFail)
    res.problems.push({ route: name, kind: "a verifying handle returns a value from a record that is not its key's blob", detail: '' });
  if (want !== undefined && want !== Object && !(value instanceof want)) {
    const got = typeof value === 'object' && value !== null ? (value.constructor?.name ?? 'null-prototype object') : typeof value;
    res.problems.push({
      route: name,
      kind: 'a page-in returns another class than asked for',
      detail: `asked for a ${want.name}, got a ${got}`,
    });
  }
  const foreign = foreignObjectIn(value, ctx.classes);
  if (foreign !== undefined) res.problems.push({ route: name, ...foreign });
}

/** Loads the mutant as a class, by `load` or by pinning an arc to it in a box. */
async function classRoutes(
  ctx: FuzzContext,
  rng: Rng,
  res: CaseResult,
  s: PagableStorage,
  key: DataKey,
  entry: CorpusEntry,
  mustFail: boolean,
): Promise<void> {
  const targets = ctx.corpus.targets.filter((t) => t !== Object);
  const cls = entry.cls !== undefined && entry.cls !== Object && rng.chance(0.75) ? entry.cls : rng.pick(targets);
  const plainVia = rng.chance(0.6) ? 'load' : 'pin';
  const clsVia = rng.pick(ctx.backend.syncFetch ? ['load', 'load', 'pin', 'pinSync'] : ['load', 'load', 'pin']);
  // One after the other: the routes share one storage and must not time each other.
  for (const [target, via] of [
    [cls, clsVia],
    [Object, plainVia],
  ] as const) {
    const label = `${via}(${target.name})`;
    if (via === 'load') {
      await route(ctx, res, label, target, () => s.load(target, key), mustFail);
      continue;
    }
    const tpl = ctx.corpus.boxes.get(target)!;
    await route(
      ctx,
      res,
      label,
      target,
      async () => {
        const arcs = tpl.blob.arcs.slice();
        arcs[tpl.slot] = key;
        const boxKey = await s.storeData({ data: tpl.blob.data, arcs });
        let box;
        try {
          box = await s.load(tpl.box, boxKey);
        } catch (e) {
          throw new Error(`the honest box around it did not load: ${String(e)}`, { cause: e });
        }
        if (box.item === undefined) throw new Error('the honest box around it lost its arc');
        const pin = via === 'pinSync' ? box.item.pinSync() : await box.item.pin();
        try {
          return pin.value;
        } finally {
          pin.release();
        }
      },
      mustFail,
    );
  }
}

async function storedCase(ctx: FuzzContext, rng: Rng, res: CaseResult, entry: CorpusEntry, started: () => void): Promise<void> {
  const s = ctx.backend.storage;
  const m = mutateBlob(rng, entry.blob, ctx.corpus.pool);
  res.what = m.what;
  res.bytesHex = hex(m.data);
  res.bytesLength = m.data.length;
  res.arcs = m.arcs.length;
  started();
  const key = await s.storeData({ data: m.data, arcs: m.arcs });
  await classRoutes(ctx, rng, res, s, key, entry, false);
  // A parent that refers to the mutant where it referred to the original.
  if (entry.parents.length > 0 && rng.chance(0.4)) {
    const p = ctx.corpus.byKey.get(rng.pick(entry.parents))!;
    const pkey = await s.storeData({ data: p.blob.data, arcs: replaceKey(p.blob.arcs, entry.key, key) });
    const cls = p.cls ?? rng.pick(ctx.corpus.targets);
    await route(ctx, res, `load(${cls.name}) of a parent`, cls, () => s.load(cls, pkey));
  }
}

async function rawCase(
  ctx: FuzzContext,
  rng: Rng,
  res: CaseResult,
  entry: CorpusEntry,
  verify: boolean,
  started: () => void,
): Promise<void> {
  const raw = ctx.backend.raw!;
  const original = await raw.get(entry.key);
  if (original === undefined) throw new Error(`corpus blob ${entry.key} is missing from the ${ctx.backend.name} store`);
  let record: Uint8Array;
  let mutant: Mutant | undefined;
  if (rng.chance(0.7)) {
    mutant = mutateBlob(rng, entry.blob, ctx.corpus.pool);
    res.what = mutant.what;
    record = encodeBlobRecord(mutant);
  } else {
    [record, res.what] = mutateRecord(rng, original, ctx.corpus.pool);
  }
  res.bytesHex = hex(record);
  res.bytesLength = record.length;
  res.arcs = mutant?.arcs.length ?? -1;
  const changed = Buffer.compare(Buffer.from(record), Buffer.from(original)) !== 0;
  started();
  await raw.put(entry.key, record);
  const h = await raw.open(verify);
  try {
    await classRoutes(ctx, rng, res, h, entry.key, entry, verify && changed);
    if (entry.parents.length > 0 && rng.chance(0.5)) {
      const p = ctx.corpus.byKey.get(rng.pick(entry.parents))!;
      const cls = p.cls ?? rng.pick(ctx.corpus.targets);
      await route(ctx, res, `load(${cls.name}) of a parent`, cls, () => h.load(cls, p.key));
    }
    if (rng.chance(0.1)) {
      // The store-wide check must list exactly the damaged record.
      await route(ctx, res, 'verify()', undefined, async () => {
        const report = await h.verify();
        if (report.corrupt.includes(entry.key) !== changed) {
          throw new Error(
            `verify() ${changed ? 'missed the damaged' : 'listed the intact'} record of ${entry.key} (corrupt: ${report.corrupt.join(', ')})`,
          );
        }
        return report;
      });
    }
  } finally {
    await h.close();
    await raw.put(entry.key, original);
  }
}

/** A record under a name that is no key (wrong length): store-wide scans must report it, not crash. */
async function strayCase(ctx: FuzzContext, rng: Rng, res: CaseResult, entry: CorpusEntry, started: () => void): Promise<void> {
  const raw = ctx.backend.raw!;
  const original = (await raw.get(entry.key))!;
  // Not 0 bytes: LMDB refuses empty keys itself.
  const name = rng.pick([1, 15, 17, 32, 100]);
  res.what = `record of ${entry.key} also stored under a ${name}-byte name`;
  res.bytesHex = hex(original);
  res.bytesLength = original.length;
  res.arcs = -1;
  started();
  const remove = await raw.putStray(rng.bytes(name), original);
  const h = await raw.open(rng.chance(0.5));
  try {
    await route(ctx, res, 'verify()', undefined, () => h.verify());
    await route(ctx, res, 'keys()', undefined, async () => {
      let n = 0;
      for await (const k of h.keys()) if (typeof k === 'string') n++;
      return n;
    });
  } finally {
    await h.close();
    await remove();
  }
}

/** Runs case `index`; `onStart` hears what it is before any route runs (for hang reports). */
export async function runCase(ctx: FuzzContext, index: number, onStart?: (what: string) => void): Promise<CaseResult> {
  const rng = new Rng(mixSeed(ctx.seed, ctx.stream, index));
  const entry = rng.pick(ctx.corpus.entries);
  const r = rng.int(100);
  const mode: CaseMode = ctx.backend.raw === undefined || r < 55 ? 'stored' : r < 86 ? 'raw' : r < 98 ? 'raw, verify on' : 'stray key';
  const res: CaseResult = {
    index,
    mode,
    entry: `${entry.label} blob ${entry.key}`,
    what: '',
    routes: 0,
    slowestMs: 0,
    slowestRoute: '',
    problems: [],
    outcomes: {},
    bytesHex: '',
    bytesLength: 0,
    arcs: 0,
  };
  const started = (): void => onStart?.(`${mode}: ${res.what} of ${res.entry}`);
  try {
    if (mode === 'stored') await storedCase(ctx, rng, res, entry, started);
    else if (mode === 'stray key') await strayCase(ctx, rng, res, entry, started);
    else await rawCase(ctx, rng, res, entry, mode === 'raw, verify on', started);
  } catch (e) {
    // Storing or restoring failed: the harness or the backend, not a route. Still a finding.
    const why = `${e instanceof PagableError ? 'PagableError' : (e as Error)?.constructor?.name}: ${(e as Error)?.message ?? String(e)}`;
    res.problems.push({ route: 'setup', kind: `storing or restoring the case failed: ${why}`, detail: why });
  }
  const touched = ctx.checkGlobals();
  if (touched !== undefined) res.problems.push({ route: 'after the case', kind: 'a prototype or global changed', detail: touched });
  return res;
}

/**
 * The harness's self-test: what a broken page-in could do, done on purpose in place of one, so
 * the run proves each check fires (a fuzzer whose checks never fire would pass vacuously). Each
 * entry: what it does, and the words of the failure kind it must produce.
 */
export const SABOTAGES: ReadonlyArray<readonly [string, RegExp, (ctx: FuzzContext) => unknown, Class | undefined]> = [
  [
    'throws a TypeError',
    /threw TypeError: sabotage/,
    () => {
      throw new TypeError('sabotage');
    },
    Object,
  ],
  ['never settles', /hangs/, () => new Promise(() => undefined), Object],
  ['returns another class', /another class/, () => ({}), Array],
  ['returns a RegExp inside', /may not create/, () => [/x/], Object],
  [
    'returns a field of another kind',
    /another kind/,
    (ctx) => {
      const cls = ctx.classes.find((c) => c.name === 'Circle')!;
      return Object.assign(Object.create(cls.prototype as object) as object, { r: 'not a number' });
    },
    Object,
  ],
  [
    'touches Object.prototype',
    /prototype or global changed/,
    () => {
      Object.defineProperty(Object.prototype, 'sabotaged', { value: 1, configurable: true });
      return 1;
    },
    Object,
  ],
  [
    'blocks its thread',
    /blocks its thread/,
    () => {
      for (;;) {
        /* as a runaway decoder would */
      }
    },
    Object,
  ],
  [
    'allocates without bound',
    /worker died/,
    () => {
      const hog: unknown[] = [];
      for (;;) hog.push(new Array(1e5).fill(hog.length));
    },
    Object,
  ],
];

/** Runs sabotage `index` as case `index` (see SABOTAGES). */
export async function runSabotage(ctx: FuzzContext, index: number, onStart?: (what: string) => void): Promise<CaseResult> {
  const [what, , run, want] = SABOTAGES[index]!;
  const res: CaseResult = {
    index,
    mode: 'sabotage',
    entry: 'no blob',
    what,
    routes: 0,
    slowestMs: 0,
    slowestRoute: '',
    problems: [],
    outcomes: {},
    bytesHex: '',
    bytesLength: 0,
    arcs: -1,
  };
  onStart?.(`sabotage: ${what}`);
  await route(ctx, res, 'sabotage', want, () => run(ctx));
  const touched = ctx.checkGlobals();
  if (touched !== undefined) res.problems.push({ route: 'after the case', kind: 'a prototype or global changed', detail: touched });
  delete (Object.prototype as Record<string, unknown>)['sabotaged'];
  return res;
}

import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PagableError } from '../error.js';
import { type ClassMeta, getClassMeta } from '../metadata/class-meta.js';
import type { Schema } from '../metadata/schema.js';
import { classForTag, registeredTags } from '../metadata/tag-registry.js';
import type { Class } from '../metadata/type-spec.js';
import { type ClassCheck, type VersionCheck, checkClasses, looksMinified } from './class-check.js';
import type { CommandRun } from './command-run.js';
import { scanStoredClasses } from './schema-scan.js';
import type { StoredClass } from './schemas.js';
import type { CliStore } from './store-spec.js';
import { UsageError } from './usage.js';

/*
 * `pagable check STORE --classes MODULE`: loads the user's compiled module (ESM or CommonJS), finds
 * its classes (its exports, every registered tag, and every class their fields declare), compares
 * them with the schemas stored in STORE (class-check.ts) and prints the result; exit 1 when a load
 * would lose data or fail.
 */

/** The loaded classes: `MODULE`'s exports, every registered tag, and the classes their fields declare. */
async function loadClasses(spec: string): Promise<{ classes: ClassMeta[]; problems: string[] }> {
  const path = resolve(spec);
  if (!existsSync(path)) throw new UsageError(`--classes: no such file ${spec}`);
  let ns: Record<string, unknown>;
  try {
    ns = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new PagableError('INVALID_ARGUMENT', `--classes ${spec}: loading the module failed: ${why.split('\n')[0]!}`, { cause: e });
  }
  const found: ClassMeta[] = [];
  const seen = new Set<ClassMeta>();
  const add = (v: unknown): void => {
    const m = typeof v === 'function' ? getClassMeta(v as Class) : undefined;
    if (m !== undefined && !seen.has(m)) {
      seen.add(m);
      found.push(m);
    }
  };
  for (const v of Object.values(ns)) add(v);
  // A CommonJS module's exports object is its default export.
  const def = ns.default;
  if (typeof def === 'object' && def !== null) for (const v of Object.values(def)) add(v);
  for (const [, cls] of registeredTags()) add(cls);
  const problems: string[] = [];
  for (let i = 0; i < found.length; i++) {
    const m = found[i]!;
    for (const f of m.fields) {
      let s: Schema;
      try {
        s = f.schema;
      } catch (e) {
        problems.push(e instanceof Error ? e.message : String(e));
        continue;
      }
      for (const cls of declaredClasses(s)) add(cls);
    }
  }
  return { classes: found, problems };
}

/** The classes a field's schema names. */
function declaredClasses(s: Schema): Class[] {
  switch (s.k) {
    case 'class':
      return [s.cls];
    case 'array':
      return declaredClasses(s.of);
    case 'shared':
    case 'lazy':
      return s.root.k === 'class' ? [s.root.cls] : [];
    case 'dyn':
      return s.base === undefined ? [] : [s.base];
    case 'union':
      return [...s.byName.values()];
    case 'any':
    case 'codec':
      return [];
  }
}

/** Names that differ between builds: loaded untagged classes, and stored ones, that look minified. */
function minifiedWarnings(loaded: readonly ClassMeta[], stored: readonly StoredClass[]): string[] {
  const out: string[] = [];
  for (const m of loaded) {
    if (m.tag === undefined && looksMinified(m.name)) {
      out.push(
        `class ${shown(m.name)} is stored under a name that looks minified: a build that names it otherwise writes other keys and reads its blobs as another class; give it @Pagable({ name: '...' }) or a @TypeTag`,
      );
    }
  }
  const names = new Set(stored.filter((c) => c.tag === undefined && looksMinified(c.name)).map((c) => c.name));
  if (names.size > 0) {
    out.push(
      `the store holds untagged classes whose names look minified (${[...names].map(shown).join(', ')}): written by a minified build without @Pagable({ name })?`,
    );
  }
  return out;
}

/** A name taken from the store or the module, printable as it is or quoted. */
function shown(name: string): string {
  return /^[\p{L}\p{N}_$.\-:/@]+$/u.test(name) ? name : JSON.stringify(name);
}

function versionLines(v: VersionCheck): string[] {
  const verdict = v.same
    ? 'same as the code'
    : [v.dropped.length > 0 ? 'LOSES DATA' : '', v.fails ? 'FAILS TO LOAD' : ''].filter((x) => x !== '').join(', ') || 'reads';
  const lines = [`  stored ${v.key}: ${verdict}`];
  for (const d of v.dropped) lines.push(`    dropped   ${shown(d.field)}: ${d.type} (its stored values are skipped)`);
  for (const a of v.added)
    lines.push(`    added     ${shown(a.field)}: ${a.type} (${a.default ? 'its default fills it' : 'no default: loads as undefined'})`);
  for (const r of v.renames)
    lines.push(`    renamed?  ${shown(r.from)} -> ${shown(r.to)}: add { aliases: ['${r.from}'] } to ${shown(r.to)} to keep its values`);
  for (const m of v.mismatches) {
    const what = m.migrate
      ? 'converted by its migrate'
      : m.verdict === 'mismatch'
        ? 'TYPE_MISMATCH'
        : m.verdict === 'values'
          ? 'TYPE_MISMATCH for stored values that are not one'
          : 'UNKNOWN_TAG';
    lines.push(`    retyped   ${shown(m.field)}: stored ${m.stored}, declared ${m.declared}: ${what}`);
  }
  return lines;
}

function render(classes: readonly ClassCheck[], notStored: readonly string[], warnings: readonly string[], losesData: boolean): string {
  const lines: string[] = [];
  for (const c of classes) {
    const head = c.tag === undefined ? shown(c.name) : `${shown(c.tag)} (${shown(c.name)})`;
    lines.push(`${head}${c.loadedAs === undefined || c.loadedAs === c.name ? '' : ` read as class ${shown(c.loadedAs)}`}`);
    if (c.problem !== undefined) lines.push(`  ! ${c.problem}`);
    for (const v of c.versions) lines.push(...versionLines(v));
  }
  if (notStored.length > 0) lines.push(`not in the store: ${notStored.map(shown).join(', ')}`);
  for (const w of warnings) lines.push(`warning: ${w}`);
  lines.push(
    losesData
      ? 'loading this store with these classes would lose data or fail (exit 1)'
      : classes.length === 0
        ? 'the store holds no schemas (no data written by pagable 0.2 or later)'
        : 'these classes read every stored class without losing data',
  );
  return lines.join('\n');
}

/** Runs `check`; resolves to the exit code (1 when a load would lose data or fail). */
export async function check(s: CliStore, run: CommandRun): Promise<number> {
  const { classes: loaded, problems } = await loadClasses(run.classes!);
  const stored = await scanStoredClasses(s);
  const byTag = (tag: string): ClassMeta | undefined => {
    const cls = classForTag(tag);
    return cls === undefined ? undefined : getClassMeta(cls);
  };
  const byName = (name: string): ClassMeta[] => loaded.filter((m) => m.name === name);
  const classes = checkClasses(stored, byTag, byName);
  const storedIds = new Set(stored.map((c) => c.tag ?? `name:${c.name}`));
  const notStored = loaded
    .filter((m) => !storedIds.has(m.tag ?? `name:${m.name}`) && !storedIds.has(`name:${m.name}`))
    .map((m) => m.tag ?? m.name);
  const warnings = [...problems, ...minifiedWarnings(loaded, stored)];
  const losesData = classes.some((c) => c.losesData);
  if (run.json) await run.out.json({ store: s.where, module: run.classes!, classes, notStored, warnings, losesData });
  else await run.out.line(render(classes, notStored, warnings, losesData));
  return losesData ? 1 : 0;
}

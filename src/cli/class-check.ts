import { matchFields } from '../codec/class-readers.js';
import { type ReadVerdict, readVerdict } from '../codec/read-compat.js';
import { type SchemaClass, type SchemaSet, describeType } from '../codec/schema-set.js';
import type { DataKey } from '../keys/data.js';
import type { ClassMeta } from '../metadata/class-meta.js';
import { describeSchema } from '../metadata/schema.js';
import type { StoredClass } from './schemas.js';

/*
 * `pagable check`: what loading a store's blobs with today's classes would do, class by class,
 * from the schemas stored with the data and the classes' metadata alone (no data blob is read).
 * A stored class is compared with the loaded class of its tag, or of its name when untagged
 * (`@Pagable({ name })`, else the constructor name), field by field as the reader matches them
 * (by name, then aliases: class-readers.ts), each field's types as the decoder reads them
 * (read-compat.ts). A field's `default` and `migrate` options are read from its metadata.
 */

/** A stored field no loaded field reads: its values are skipped on load. */
export interface DroppedField {
  readonly field: string;
  readonly type: string;
}

/** A loaded field the stored schema lacks. */
export interface AddedField {
  readonly field: string;
  readonly type: string;
  /** True when the field has a `default`; without one it loads as undefined. */
  readonly default: boolean;
}

/** A stored field read into a field of another type. */
export interface FieldMismatch {
  readonly field: string;
  readonly stored: string;
  readonly declared: string;
  /** `mismatch`: every value is TYPE_MISMATCH; `values`: some may be; `unknown tag`: UNKNOWN_TAG. */
  readonly verdict: Exclude<ReadVerdict['t'], 'reads'>;
  /** True when the field's `migrate` converts what cannot be read. */
  readonly migrate: boolean;
}

/** One stored version of a class against the loaded class. */
export interface VersionCheck {
  /** The key of its class schema blob. */
  readonly key: DataKey;
  /** True when the stored schema is the loaded class's own: nothing to convert. */
  readonly same: boolean;
  readonly dropped: DroppedField[];
  readonly added: AddedField[];
  /** A dropped and an added field of the same kind and type: probably a rename without an alias. */
  readonly renames: Array<{ readonly from: string; readonly to: string }>;
  readonly mismatches: FieldMismatch[];
  /** True when loading some blob of this version fails (TYPE_MISMATCH, UNKNOWN_TAG). */
  readonly fails: boolean;
  /** True when loading blobs of this version loses a stored value (a dropped field) or fails. */
  readonly losesData: boolean;
}

/** One stored class (tag or name) and the loaded class it is read as. */
export interface ClassCheck {
  readonly tag: string | undefined;
  readonly name: string;
  /** The name of the loaded class it is compared with; undefined when none matches. */
  readonly loadedAs: string | undefined;
  readonly versions: VersionCheck[];
  /** Why it cannot be compared, when it cannot. */
  readonly problem: string | undefined;
  readonly losesData: boolean;
}

/** A version of stored class `c` (its types resolve in `set`) against loaded class `meta`. */
export function checkVersion(key: DataKey, c: SchemaClass, set: SchemaSet, meta: ClassMeta): VersionCheck {
  const match = matchFields(c, meta);
  const dropped: DroppedField[] = [];
  const mismatches: FieldMismatch[] = [];
  const droppedAt: number[] = [];
  c.fields.forEach((f, j) => {
    const i = match[j];
    if (i === undefined) {
      dropped.push({ field: f.name, type: describeType(f.type, set) });
      droppedAt.push(j);
      return;
    }
    const m = meta.fields[i]!;
    const v = readVerdict(f.type, m.schema, set);
    if (v.t !== 'reads') {
      mismatches.push({
        field: m.name,
        stored: describeType(f.type, set),
        declared: describeSchema(m.schema),
        verdict: v.t,
        migrate: m.migrate !== undefined,
      });
    }
  });
  const read = new Set(match);
  const addedAt = meta.fields.map((_, i) => i).filter((i) => !read.has(i));
  const added: AddedField[] = addedAt.map((i) => {
    const m = meta.fields[i]!;
    return { field: m.name, type: describeSchema(m.schema), default: m.default !== undefined };
  });
  const renames: Array<{ from: string; to: string }> = [];
  const paired = new Set<number>();
  for (const j of droppedAt) {
    const f = c.fields[j]!;
    const i = addedAt.find(
      (k) => !paired.has(k) && meta.fields[k]!.kind === f.kind && readVerdict(f.type, meta.fields[k]!.schema, set).t === 'reads',
    );
    if (i === undefined) continue;
    paired.add(i);
    renames.push({ from: f.name, to: meta.fields[i]!.name });
  }
  const same =
    dropped.length === 0 &&
    added.length === 0 &&
    mismatches.length === 0 &&
    c.rest === (meta.rest !== undefined) &&
    c.fields.every((f, j) => match[j] === j && meta.fields[j]!.name === f.name);
  const fails = mismatches.some((m) => m.verdict !== 'values' && !m.migrate);
  return { key, same, dropped, added, renames, mismatches, fails, losesData: dropped.length > 0 || fails };
}

/**
 * Each stored class against the loaded classes: `byTag` finds a tagged one, `byName` an untagged
 * one (every loaded class of that name, tagged or not: an untagged blob reads through the class
 * declared where it is, whatever its tag).
 */
export function checkClasses(
  stored: readonly StoredClass[],
  byTag: (tag: string) => ClassMeta | undefined,
  byName: (name: string) => readonly ClassMeta[],
): ClassCheck[] {
  const groups = new Map<string, StoredClass[]>();
  for (const c of stored) {
    const id = c.tag === undefined ? `name:${c.name}` : `tag:${c.tag}`;
    groups.set(id, [...(groups.get(id) ?? []), c]);
  }
  const out: ClassCheck[] = [];
  for (const versions of groups.values()) {
    const { tag, name } = versions[0]!;
    const candidates = tag !== undefined ? [byTag(tag)].filter((m) => m !== undefined) : byName(name);
    const meta = candidates[0];
    let problem: string | undefined;
    if (meta === undefined) {
      // A class of that name without the tag: its tag went to another copy of pagable's registry.
      const untagged = tag === undefined ? [] : byName(name).filter((m) => m.tag === undefined);
      problem =
        tag !== undefined
          ? `no loaded class has tag "${tag}": its blobs fail to load (UNKNOWN_TAG)${untagged.length > 0 ? `; class ${name} of the module has no tag in this pagable: does the module import another copy of pagable? Run the pagable it imports` : ''}`
          : `no loaded class is named ${name}: its blobs load only where a field declares a class in its place`;
    } else if (candidates.length > 1) {
      problem = `${candidates.length} loaded classes are named ${name}: each reads its blobs where declared (compared with the first)`;
    }
    const checks =
      meta === undefined
        ? []
        : versions.filter((v) => v.source !== undefined).map((v) => checkVersion(v.key, v.source!.cls, v.source!.set, meta));
    out.push({
      tag,
      name,
      loadedAs: meta?.name,
      versions: checks,
      problem,
      losesData: (meta === undefined && tag !== undefined) || checks.some((v) => v.losesData),
    });
  }
  return out;
}

/**
 * True for a class name as minifiers write it: one or two characters, or three with a digit, `$`
 * or `_`. Such a name differs between builds, and so do the keys of what a build writes.
 */
export function looksMinified(name: string): boolean {
  return name.length <= 2 || (name.length === 3 && /[\d$_]/.test(name));
}

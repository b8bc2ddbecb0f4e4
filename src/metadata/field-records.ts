import 'reflect-metadata';
import { PagableError } from '../error.js';
import { fieldOptionsOf } from './field-options.js';
import type { Class, FieldDecl, FieldKind, TypeSpec } from './type-spec.js';

/*
 * Where the field decorators' facts live, for both decorator dialects. Legacy decorators know the
 * class as they run, so a field is checked and recorded on its constructor (reflect-metadata) at
 * once. A TC39 standard field decorator is not told its class: it leaves a raw record in the
 * class's `context.metadata` object, and the class decorator (which runs after the field
 * decorators) checks those records with the class's name and adopts them; an undecorated base
 * class's records are adopted when a subclass first needs them.
 */

const FIELDS_KEY = Symbol.for('pagable:fields');
/** Raw records of standard field decorators, an own property of the class's metadata object. */
const STANDARD_KEY = Symbol.for('pagable:standard-fields');

/** The decorator each field kind is written with, for messages. */
export const DECORATOR_OF: Readonly<Record<FieldKind, string>> = { field: '@Field', shared: '@Shared', lazy: '@Lazy', dyn: '@Dyn' };

/** Why no field is named `constructor`: values are written as the class their `constructor` names. */
const CONSTRUCTOR_FIELD =
  'a field named "constructor" would hide the class of every instance (JavaScript classes cannot declare one either)';

/** A field decorator's arguments as given: `(type?, options?)` or `(options)`. */
export interface FieldArgs {
  readonly first: unknown;
  readonly second: unknown;
}

/** The subset of a TC39 decorator context that a field decorator reads. */
export interface StandardMemberContext {
  readonly kind: string;
  readonly name: string | symbol;
  readonly static?: boolean;
  readonly private?: boolean;
  readonly metadata?: object;
}

/** What a standard field decorator leaves for its class decorator. */
interface StandardRecord {
  readonly name: string | symbol;
  readonly kind: FieldKind;
  readonly args: FieldArgs;
  /** Why the field cannot be stored, said once the class's name is known. */
  readonly refused: string | undefined;
}

/** One field of a class with the class that declared it. */
export interface OwnedFieldDecl {
  readonly decl: FieldDecl;
  readonly owner: Class;
}

/**
 * Checks and records one legacy-decorated field on the class owning `proto`; returns that class.
 * NOT_PAGABLE for what cannot be stored, INVALID_ARGUMENT for bad options.
 */
export function recordLegacyField(proto: object, name: string | symbol | undefined, kind: FieldKind, args: FieldArgs): Class {
  const decorator = DECORATOR_OF[kind];
  if (proto === null || (typeof proto !== 'object' && typeof proto !== 'function')) {
    throw new PagableError('NOT_PAGABLE', `${decorator} was called with ${String(proto)} as its target; apply it to a class field`);
  }
  if (name === undefined) {
    throw new PagableError('NOT_PAGABLE', `${decorator} decorates a field; it was applied to class ${(proto as Class).name ?? ''}`);
  }
  const cls = (typeof proto === 'function' ? proto : (proto as { constructor: Class }).constructor) as Class;
  if (typeof name !== 'string') {
    throw new PagableError('NOT_PAGABLE', `${cls.name}: symbol-keyed fields cannot be stored (${String(name)})`);
  }
  if (typeof proto === 'function') {
    throw new PagableError('NOT_PAGABLE', `${cls.name}.${name}: static fields cannot be stored`);
  }
  if (name === 'constructor') throw new PagableError('NOT_PAGABLE', `${cls.name}.constructor: ${CONSTRUCTOR_FIELD}`);
  const designType: unknown = Reflect.getMetadata('design:type', proto, name);
  const decl = declOf(cls, name, kind, args, designType);
  const own: FieldDecl[] = [...((Reflect.getOwnMetadata(FIELDS_KEY, cls) as FieldDecl[] | undefined) ?? [])];
  const at = own.findIndex((f) => f.name === name);
  if (at >= 0) own[at] = decl;
  else own.push(decl);
  checkAliasClashes(own.map((d) => ({ decl: d, owner: cls })));
  Reflect.defineMetadata(FIELDS_KEY, own, cls);
  return cls;
}

/**
 * Records one standard-decorated field in its class's metadata object. Nothing is thrown here but
 * for a runtime without decorator metadata: refusals wait for the class, to be able to name it.
 */
export function recordStandardField(context: StandardMemberContext, kind: FieldKind, args: FieldArgs): void {
  const md = context.metadata;
  if (typeof md !== 'object' || md === null) {
    throw new PagableError(
      'NOT_PAGABLE',
      `${DECORATOR_OF[kind]} on ${String(context.name)}: this compiler passes standard decorators no context.metadata; use TypeScript >= 5.2 (or a bundler with decorator metadata), or "experimentalDecorators": true`,
    );
  }
  let refused: string | undefined;
  if (context.kind !== 'field') {
    refused = `${DECORATOR_OF[kind]} decorates a plain field; a ${context.kind} cannot be stored`;
  } else if (typeof context.name === 'symbol') {
    refused = 'symbol-keyed fields cannot be stored';
  } else if (context.private === true) {
    refused = 'private fields cannot be stored (pagable reads and sets fields from outside the class); make it a public field';
  } else if (context.static === true) {
    refused = 'static fields cannot be stored';
  } else if (context.name === 'constructor') {
    refused = CONSTRUCTOR_FIELD;
  }
  const records = ownStandardRecords(md, true)!;
  const at = records.findIndex((r) => r.name === context.name);
  const rec: StandardRecord = { name: context.name, kind, args, refused };
  if (at >= 0) records[at] = rec;
  else records.push(rec);
}

/**
 * Checks the standard-decorated fields left in `metadata` (the class decorator's
 * `context.metadata`) and records them on `cls`, as legacy decorators would have.
 */
export function adoptStandardFields(cls: Class, metadata: object | undefined): void {
  const records = metadata === undefined ? undefined : ownStandardRecords(metadata, false);
  const decls = (records ?? []).map((r) => {
    const where = `${cls.name}.${String(r.name)}`;
    if (r.refused !== undefined) throw new PagableError('NOT_PAGABLE', `${where}: ${r.refused}`);
    return declOf(cls, r.name as string, r.kind, r.args, undefined);
  });
  checkAliasClashes(decls.map((decl) => ({ decl, owner: cls })));
  Reflect.defineMetadata(FIELDS_KEY, decls, cls);
}

/**
 * The stored fields of `cls`: ancestors first, each in declaration order; a redeclared field keeps
 * its base's position. Checks that no alias is another field's name or alias.
 */
export function fieldDeclsOf(cls: Class): OwnedFieldDecl[] {
  const chain = ancestryOf(cls);
  const byName = new Map<string, number>();
  const fields: OwnedFieldDecl[] = [];
  for (const c of chain) {
    for (const decl of ownDecls(c)) {
      const at = byName.get(decl.name);
      if (at !== undefined) fields[at] = { decl, owner: c };
      else {
        byName.set(decl.name, fields.length);
        fields.push({ decl, owner: c });
      }
    }
  }
  checkAliasClashes(fields);
  return fields;
}

/** `cls` and its ancestor classes, the furthest first. */
export function ancestryOf(cls: Class): Class[] {
  const chain: Class[] = [];
  for (let c: unknown = cls; typeof c === 'function' && c !== Function.prototype; c = Object.getPrototypeOf(c)) {
    chain.unshift(c as Class);
  }
  return chain;
}

/** The fields `c` itself declares; a standard-decorated class that no class decorator adopted is adopted now. */
function ownDecls(c: Class): readonly FieldDecl[] {
  const own = Reflect.getOwnMetadata(FIELDS_KEY, c) as FieldDecl[] | undefined;
  if (own !== undefined) return own;
  const sym = (Symbol as { metadata?: symbol }).metadata;
  if (sym === undefined || !Object.hasOwn(c, sym)) return [];
  const md: unknown = (c as unknown as Record<symbol, unknown>)[sym];
  if (typeof md !== 'object' || md === null || ownStandardRecords(md, false) === undefined) return [];
  adoptStandardFields(c, md);
  return Reflect.getOwnMetadata(FIELDS_KEY, c) as FieldDecl[];
}

/** The records this class's own metadata object holds (not those inherited from its base's). */
function ownStandardRecords(md: object, create: boolean): StandardRecord[] | undefined {
  const bag = md as Record<symbol, StandardRecord[] | undefined>;
  if (Object.hasOwn(bag, STANDARD_KEY)) return bag[STANDARD_KEY];
  if (!create) return undefined;
  const records: StandardRecord[] = [];
  Object.defineProperty(bag, STANDARD_KEY, { value: records, enumerable: false, writable: false, configurable: true });
  return records;
}

/** A checked declaration from a decorator's arguments: `(type?, options?)` or `(options)`. */
function declOf(cls: Class, name: string, kind: FieldKind, args: FieldArgs, designType: unknown): FieldDecl {
  const where = `${cls.name}.${name}`;
  let type: (() => TypeSpec) | undefined;
  let options: unknown;
  const { first, second } = args;
  if (typeof first === 'function') {
    type = first as () => TypeSpec;
    options = second;
  } else if (first === undefined) {
    options = second;
  } else if (typeof first === 'object' && first !== null && !Array.isArray(first) && second === undefined) {
    options = first;
  } else {
    throw new PagableError('NOT_PAGABLE', `${where}: the type must be a thunk such as () => MyClass or () => [MyClass]`);
  }
  const o = fieldOptionsOf(options, name, where);
  if (o.codec !== undefined && kind !== 'field') {
    throw new PagableError(
      'INVALID_ARGUMENT',
      `${where}: a codec stores a value inline, in its parent's blob; give it to @Field (not ${DECORATOR_OF[kind]}), or register it for the class with registerCodec`,
    );
  }
  return { name, kind, type, designType, aliases: o.aliases, default: o.default, migrate: o.migrate, codec: o.codec };
}

/** INVALID_ARGUMENT when an alias of one field is another field's name or alias. */
function checkAliasClashes(fields: readonly OwnedFieldDecl[]): void {
  let any = false;
  for (const f of fields) if (f.decl.aliases.length > 0) any = true;
  if (!any) return;
  const names = new Map<string, OwnedFieldDecl>();
  for (const f of fields) names.set(f.decl.name, f);
  const claimed = new Map<string, OwnedFieldDecl>();
  const at = (f: OwnedFieldDecl): string => `${f.owner.name}.${f.decl.name}`;
  for (const f of fields) {
    for (const a of f.decl.aliases) {
      const holder = names.get(a);
      if (holder !== undefined && holder !== f) {
        throw new PagableError(
          'INVALID_ARGUMENT',
          `${at(f)}: alias "${a}" is the name of field ${at(holder)}; an old name cannot belong to two fields`,
        );
      }
      const other = claimed.get(a);
      if (other !== undefined && other !== f) {
        throw new PagableError(
          'INVALID_ARGUMENT',
          `${at(f)}: alias "${a}" is also an alias of ${at(other)}; an old name cannot belong to two fields`,
        );
      }
      claimed.set(a, f);
    }
  }
}

import type { ArcInner } from '../arc/arc-inner.js';
import type { BlobEncoder } from '../codec/encoder.js';
import { via } from '../codec/encoder.js';
import { PagableError } from '../error.js';
import type { ClassMeta } from '../metadata/class-meta.js';
import { type RootSchema, describeSchema } from '../metadata/schema.js';
import { classFits } from '../codec/wire-rules.js';

/**
 * An arc stored before (it has a key), met where `declared` is declared (field `owner.field`):
 * its blob must read back as declared. Checked on its value when resident, else on the root its
 * blob was written for, refusing what that cannot tell.
 */
export function checkArcLayout(
  inner: ArcInner,
  declared: RootSchema,
  owner: ClassMeta | undefined,
  field: string,
  encoder: BlobEncoder,
): void {
  const written = inner.root;
  if (written === undefined || written === declared) return;
  if (inner.resident) return encoder.checkRoot(inner.value, declared, via(owner, field));
  if (declared.k === 'codec') {
    // Read back, the blob must give a value of the codec's class: written for it or a subclass of it.
    const cls = written.k === 'codec' ? written.cls : written.k === 'class' && written.meta?.tag !== undefined ? written.cls : undefined;
    if (cls !== undefined && declared.cls !== undefined && classFits(cls, declared.cls)) return;
    throw new PagableError(
      'TYPE_MISMATCH',
      `${via(owner, field)}: the arc holds a blob written as ${describeSchema(written)}, which cannot be read back as ${describeSchema(declared)} (pin it first if it holds one)`,
    );
  }
  if (declared.k !== 'class') {
    // Read as plain data, a blob must carry its class: written for a tagged class or a base
    // that is not @Pagable (whose values are all tagged), or written as plain data.
    if (written.k !== 'class' || written.meta === undefined || written.meta.tag !== undefined) return;
    throw new PagableError(
      'TYPE_MISMATCH',
      `${via(owner, field)}: the arc holds a blob written as an untagged ${written.cls.name}, which cannot be read back as plain data; add a @TypeTag to ${written.cls.name}, or declare the field @Lazy(() => ${written.cls.name})`,
    );
  }
  if (written.k !== 'class') {
    throw new PagableError(
      'TYPE_MISMATCH',
      `${via(owner, field)}: the arc holds a blob written as plain data, which cannot be read back as ${declared.cls.name} (pin it first if it holds a ${declared.cls.name})`,
    );
  }
  if (written.cls === declared.cls) return;
  const ok = written.cls.prototype instanceof declared.cls && written.meta?.tag !== undefined;
  if (!ok) {
    throw new PagableError(
      'TYPE_MISMATCH',
      `${via(owner, field)}: the arc holds a blob written as ${written.cls.name}, which cannot be read back as ${declared.cls.name}${written.cls.prototype instanceof declared.cls ? ` without a @TypeTag on ${written.cls.name}` : ''}`,
    );
  }
}

/**
 * A reference (field `owner.field`, declaring `declared`) reaching a value stored already, by this
 * page-out or before it, as the blob encoded for another reference: it must read back as declared
 * here too, which it does when encoding it for this reference would pass (the bytes are then the
 * same: see BlobEncoder.checkRoot). Most references are the same kind of field again, holding
 * exactly its declared class: those pass at once.
 */
export function checkStoredAgain(
  target: object,
  isArc: boolean,
  declared: RootSchema,
  owner: ClassMeta | undefined,
  field: string,
  encoder: BlobEncoder,
): void {
  let value: unknown = target;
  if (isArc) {
    const inner = target as ArcInner;
    // Keys are given once a page-out is committed: an arc with one was stored before it.
    if (inner.key !== undefined) return checkArcLayout(inner, declared, owner, field, encoder);
    value = inner.value;
  }
  const r = declared;
  if (r.k === 'class' && r.meta !== undefined && typeof value === 'object' && value !== null && value.constructor === r.cls) return;
  encoder.checkRoot(value, r, via(owner, field));
}

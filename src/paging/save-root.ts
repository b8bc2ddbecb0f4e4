import { innerOf, isPagableArc } from '../arc/handles.js';
import { type ChildRef, rootOfValue } from '../codec/encoder.js';
import { PagableError } from '../error.js';

/** Where `save(value)` starts: the value (as its class, or plain data) or, for an arc, its inner state. */
export function saveRoot(value: object): ChildRef {
  if (isPagableArc(value)) {
    const inner = innerOf(value);
    return { target: inner, isArc: true, root: inner.root ?? rootOfValue(inner.value), owner: undefined, field: 'PagableArc' };
  }
  if (typeof value !== 'object' || value === null) {
    throw new PagableError('TYPE_MISMATCH', `save: expected an object, got ${value === null ? 'null' : typeof value}`);
  }
  const root = rootOfValue(value);
  return { target: value, isArc: false, root, owner: undefined, field: root.k === 'class' ? root.cls.name : 'value' };
}

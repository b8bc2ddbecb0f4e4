/**
 * Dev mode: once a value has a key its blob is immutable, so the value must be too. Deep-freezing
 * turns an accidental mutation into a TypeError at the mutation site (in strict mode code) instead
 * of a silently stale blob. Iterative, so deep graphs cannot overflow the stack.
 *
 * `Object.freeze` alone leaves Maps, Sets and Dates mutable through their methods: each frozen one
 * also gets own, non-enumerable properties shadowing its mutating methods with ones that throw the
 * same TypeError. Typed arrays (any ArrayBuffer view) with elements cannot be frozen at all: they
 * are reported, so that callers relying on immutability (re-save without re-work) can tell.
 *
 * Returns true when everything reached is immutable now. `stop` names objects not to enter (the
 * caller vouches for them: other blobs' roots, arc handles).
 */
export function deepFreeze(root: unknown, stop?: (o: object) => boolean): boolean {
  if (root === null || typeof root !== 'object' || SEALED.has(root)) return true;
  let immutable = true;
  const stack: unknown[] = [root];
  try {
    while (stack.length > 0) {
      const v = stack.pop();
      if (v === null || typeof v !== 'object' || seen.has(v) || SEALED.has(v)) continue;
      if (v !== root && stop?.(v) === true) continue;
      // Frozen already is not enough to skip: a value frozen by its owner may hold mutable parts.
      seen.add(v);
      if (ArrayBuffer.isView(v)) {
        if (v.byteLength > 0) immutable = false;
        continue;
      }
      if (v instanceof Map) {
        if (!shadow(v, MAP_WRITERS, 'Map')) immutable = false;
        for (const [k, x] of v) stack.push(k, x);
      } else if (v instanceof Set) {
        if (!shadow(v, SET_WRITERS, 'Set')) immutable = false;
        for (const x of v) stack.push(x);
      } else if (v instanceof Date) {
        if (!shadow(v, DATE_WRITERS, 'Date')) immutable = false;
      }
      Object.freeze(v);
      for (const k of Object.keys(v)) stack.push((v as Record<string, unknown>)[k]);
    }
  } finally {
    seen.clear();
  }
  if (immutable) SEALED.add(root);
  return immutable;
}

/** Roots of earlier calls found immutable with all they reach: not walked again. */
const SEALED = new WeakSet<object>();
/** The objects of the current call (reused: no set per call). */
const seen = new Set<object>();

const MAP_WRITERS = ['set', 'delete', 'clear'];
const SET_WRITERS = ['add', 'delete', 'clear'];
const DATE_WRITERS = Object.getOwnPropertyNames(Date.prototype).filter((n) => n.startsWith('set'));

/** One throwing stand-in per type and method, shared by every frozen instance. */
const standIns = new Map<string, () => never>();

/** Shadows `methods` of `o`; false when `o` was frozen by its owner without them (it stays mutable). */
function shadow(o: object, methods: readonly string[], type: string): boolean {
  if (Object.isFrozen(o)) return Object.hasOwn(o, methods[0]!);
  for (const m of methods) {
    const id = `${type}.${m}`;
    let f = standIns.get(id);
    if (f === undefined) {
      f = () => {
        throw new TypeError(`Cannot call ${id}: the ${type} is frozen (its storage has freeze: true)`);
      };
      standIns.set(id, f);
    }
    Object.defineProperty(o, m, { value: f, enumerable: false, writable: false, configurable: false });
  }
  return true;
}

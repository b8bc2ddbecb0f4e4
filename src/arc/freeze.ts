/**
 * Dev mode: once a value has a key its blob is immutable, so the value must be too. Deep-freezing
 * turns an accidental mutation into a TypeError at the mutation site (in strict mode code) instead
 * of a silently stale blob. Iterative, so deep graphs cannot overflow the stack.
 */
export function deepFreeze(root: unknown): void {
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const v = stack.pop();
    if (v === null || typeof v !== 'object' || Object.isFrozen(v)) continue;
    // Typed arrays with elements cannot be frozen; Maps and Sets stay mutable through methods.
    if (ArrayBuffer.isView(v)) continue;
    Object.freeze(v);
    if (v instanceof Map) {
      for (const [k, x] of v) {
        stack.push(k);
        stack.push(x);
      }
    } else if (v instanceof Set) {
      for (const x of v) stack.push(x);
    }
    for (const k of Object.keys(v)) stack.push((v as Record<string, unknown>)[k]);
  }
}

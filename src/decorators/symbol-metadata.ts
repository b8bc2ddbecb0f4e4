/*
 * Standard (TC39) decorators hand each class a metadata object only where `Symbol.metadata`
 * exists: TypeScript's emitted helpers pass `context.metadata = undefined` otherwise, and Node 20
 * lacks the symbol. pagable's field decorators keep their records there, so importing pagable
 * defines it, before any user class is defined (ESM evaluates imports first).
 *
 * `Symbol.for('Symbol.metadata')`, not a fresh symbol: esbuild's and Babel's helpers fall back to
 * that registered symbol when `Symbol.metadata` is missing, so classes they decorated before this
 * module ran still agree with everything decorated after it.
 */
const symbolCtor = Symbol as { metadata?: symbol };
if (symbolCtor.metadata === undefined) {
  Object.defineProperty(Symbol, 'metadata', {
    value: Symbol.for('Symbol.metadata'),
    writable: true,
    configurable: true,
    enumerable: false,
  });
}

export {};

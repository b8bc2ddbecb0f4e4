import { expect } from 'chai';
import fc from 'fast-check';
import { type Slice, documentedSlice, hexSlice, latin1Slice, utf8Slice } from '../../src/text/native-slices.js';

/*
 * The natives taken from Buffer.prototype (or the documented path where they are missing) give
 * exactly what `Buffer#toString(encoding, start, end)` gives, on plain Uint8Arrays that are views
 * into larger buffers at an offset, malformed UTF-8 included.
 */
describe('text: native string slices', function () {
  const cases: Array<[string, Slice, 'latin1' | 'utf8' | 'hex']> = [
    ['latin1Slice', latin1Slice, 'latin1'],
    ['utf8Slice', utf8Slice, 'utf8'],
    ['hexSlice', hexSlice, 'hex'],
  ];
  for (const [name, slice, encoding] of cases) {
    it(`${name} and its documented fallback equal Buffer#toString('${encoding}')`, function () {
      const fallback = documentedSlice(encoding);
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 64 }), fc.nat(8), fc.nat(64), fc.nat(64), (bytes, pad, a, b) => {
          const backing = new Uint8Array(pad + bytes.length + 3);
          backing.set(bytes, pad);
          const view = backing.subarray(pad, pad + bytes.length);
          const start = Math.min(a, b, bytes.length);
          const end = Math.min(Math.max(a, b), bytes.length);
          const want = Buffer.from(bytes).toString(encoding, start, end);
          expect(slice.call(view, start, end)).to.equal(want);
          expect(fallback.call(view, start, end)).to.equal(want);
        }),
        { numRuns: 300 },
      );
    });
  }

  it('uses the native where Node has it (the fast path is what runs)', function () {
    expect(hexSlice).to.equal((Buffer.prototype as unknown as Record<string, unknown>)['hexSlice']);
    expect(utf8Slice).to.equal((Buffer.prototype as unknown as Record<string, unknown>)['utf8Slice']);
  });
});

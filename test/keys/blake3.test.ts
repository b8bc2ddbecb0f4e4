import { expect } from 'chai';
import { createRequire } from 'node:module';

type Blake3Module = typeof import('../../src/keys/blake3.js');

/*
 * The hash module picks its implementation once per process (the native binding, loaded and
 * checked on the first large input, else blake3-jit). A fresh instance of the module (another URL
 * for the same file) starts where a new process starts, so that first choice runs in every test run.
 */

let instances = 0;
async function freshModule(): Promise<Blake3Module> {
  return (await import(new URL(`../../src/keys/blake3.js?fresh=${++instances}`, import.meta.url).href)) as Blake3Module;
}

function nativeInstalled(): boolean {
  try {
    createRequire(import.meta.url)('@napi-rs/blake-hash');
    return true;
  } catch {
    return false;
  }
}

function bytes(n: number, seed: number): Uint8Array {
  return new Uint8Array(n).map((_, i) => (i * 31 + seed) & 0xff);
}

describe('BLAKE3: the implementation chosen in a new process', () => {
  const saved = process.env['PAGABLE_NO_NATIVE_HASH'];
  afterEach(() => {
    if (saved === undefined) delete process.env['PAGABLE_NO_NATIVE_HASH'];
    else process.env['PAGABLE_NO_NATIVE_HASH'] = saved;
  });

  for (const first of [100, 1535, 1536, 3000, 70_000]) {
    it(`hashes as the reference from its first call on (${first} bytes first), then for every size`, async () => {
      delete process.env['PAGABLE_NO_NATIVE_HASH'];
      const m = await freshModule();
      for (const n of [first, 0, 1, 1536, 20_000, 70_000, 200_000]) {
        const data = bytes(n, n);
        const a = Math.min(8, n);
        const b = Math.max(a, n >> 1);
        const parts = [data.subarray(0, a), data.subarray(a, b), data.subarray(b)];
        expect(Buffer.from(m.blake3_128(parts)).toString('hex'), `${n} bytes`).to.equal(
          Buffer.from(m.blake3_128_reference([data])).toString('hex'),
        );
      }
      expect(m.blake3NativeAvailable()).to.equal(nativeInstalled());
    });
  }

  it('PAGABLE_NO_NATIVE_HASH=1 keeps the native binding out, with the same results', async () => {
    process.env['PAGABLE_NO_NATIVE_HASH'] = '1';
    const m = await freshModule();
    // Asked before any hash: the answer comes from trying to load the binding, not from a default.
    expect(m.blake3NativeAvailable()).to.equal(false);
    const data = bytes(5000, 3);
    expect(Buffer.from(m.blake3_128([data])).toString('hex')).to.equal(Buffer.from(m.blake3_128_reference([data])).toString('hex'));
    expect(m.blake3NativeAvailable()).to.equal(false);
  });
});

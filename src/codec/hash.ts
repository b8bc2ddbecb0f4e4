/*
 * BLAKE3-128: the first 16 bytes of BLAKE3 (default mode, unkeyed) over a list of parts.
 *
 * Why this shape (measured on the project's machine: 2-core AMD EPYC, AVX-512, Node 20; the
 * numbers are MB/s, `node build/bench/hash.js` reprints them):
 *
 *                                        32 B   100 B    1 KB    4 KB   64 KB    1 MB
 *   @noble/hashes (pure JS, reference)     13      24      41      52      55      45
 *   blake3-jit Hasher, reused (pure JS)   101     145     416     413     404     370
 *   blake3-jit hash() one-shot (WASM SIMD from 4 KB)  39  86  279  660  988  1003
 *   @napi-rs/blake-hash blake3() one-shot  13      37     203     775    1766    4506
 *   @napi-rs/blake-hash Hasher + digest('hex')  see bench: ~0.8 us fixed cost, then ~2-6 GB/s
 *
 * - Small inputs (most blobs: 8-byte header + 20 B..4 KB body + 16 B per child) are dominated by
 *   per-call overhead. A reused blake3-jit Hasher (plain JS, no boundary crossing, no concat)
 *   is the fastest thing we found there: ~100-400 MB/s vs noble's 13-50.
 * - The native binding costs a fixed ~0.8 us per call even on the cheapest route, and ~2 us on
 *   the obvious ones: digestBuffer()/blake3() return an external Buffer, which alone costs
 *   ~2 us (!), so we read the digest as hex (~0.3 us) and decode 16 bytes by hand. Past
 *   NATIVE_MIN bytes that fixed cost is repaid (Rust BLAKE3 with AVX-512 runs 2-6 GB/s against
 *   blake3-jit's ~0.4-1 GB/s).
 * - Each native update() costs ~0.3 us, so parts below COALESCE_MAX are copied into one reused
 *   scratch buffer and fed in one call; large parts (the 1 MB body) go in directly, uncopied.
 * - If the native binding cannot load (a platform without a prebuilt binary, or
 *   PAGABLE_NO_NATIVE_HASH=1), everything runs on blake3-jit: its Hasher below 4 KB, and its
 *   one-shot hash() (which switches to WASM SIMD at 4 KB) over a concatenation above.
 * - hash-wasm is faster than blake3-jit on small inputs but only offers async initialisation;
 *   blake3-wasm@3 does not install (depends on an unpublished @c4312/blake3-internal@2.1.7) and
 *   blake3-wasm@2 has been unmaintained since 2020-era Rust; both are slower than the above.
 *
 * Everything is synchronous, including loading: the native binding is require()d lazily on the
 * first input large enough to want it, and blake3-jit compiles its WASM synchronously on first
 * use. No top-level await, so the package stays require()-able from CommonJS.
 */
import { blake3 } from '@noble/hashes/blake3.js';
import { hashInto as jitHashInto } from 'blake3-jit';
import { createRequire } from 'node:module';

/** Total input size from which the native binding is used (when it loads). */
const NATIVE_MIN = 1536;
/** Native path: parts are gathered into this reused buffer and fed in one update() call... */
const SCRATCH_LEN = 64 * 1024;
/** ...except parts of at least this size that do not fit, which go in directly (uncopied)... */
const DIRECT_MIN = 16 * 1024;
/** ...after topping the scratch up to a multiple of this (16 chunks: AVX-512's width). */
const ALIGN = 16 * 1024;

// ---------------------------------------------------------------- blake3-jit (portable path)

/** Reused gathering buffer for both paths; every call consumes it before returning. */
const scratch = new Uint8Array(SCRATCH_LEN);

/** The parts as one contiguous view: the part itself, else a view of `scratch`, else a copy. */
function gather(parts: readonly Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = total <= SCRATCH_LEN ? scratch : new Uint8Array(total);
  let at = 0;
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    out.set(p, at);
    at += p.length;
  }
  return out.subarray(0, total);
}

function portable(parts: readonly Uint8Array[], total: number): Uint8Array {
  // One contiguous hashInto() beats feeding each part to a reused blake3-jit Hasher from ~64 B
  // up (100 B: 0.51 vs 0.60 us; 1 KB: 1.65 vs 2.49 us), and hashInto() switches to WASM SIMD
  // from 4 KB. The Hasher is pure JS throughout, flat at ~0.44 GB/s.
  const out = new Uint8Array(16);
  jitHashInto(gather(parts, total), out, 16);
  return out;
}

// ---------------------------------------------------------------- @napi-rs/blake-hash (native)

/** The slice of @napi-rs/blake-hash's API used here (loaded untyped, so it can be optional). */
interface NativeBlake3Hasher {
  reset(): void;
  update(input: Uint8Array): unknown;
  digest(format?: string | null): string;
}
interface NativeModule {
  Blake3Hasher: new () => NativeBlake3Hasher;
}

let nativeHasher: NativeBlake3Hasher | null | undefined; // undefined: not tried yet; null: unavailable

function loadNative(): NativeBlake3Hasher | null {
  nativeHasher = null;
  if (process.env['PAGABLE_NO_NATIVE_HASH'] === '1') return null;
  try {
    const mod = createRequire(import.meta.url)('@napi-rs/blake-hash') as NativeModule;
    const h = new mod.Blake3Hasher();
    // Guard against a broken binary: it must agree with the portable path on a multi-chunk input.
    const probe = new Uint8Array(3000).map((_, i) => i * 7);
    h.update(probe);
    if (hexToBytes16(h.digest('hex')).join() !== blake3_128_reference([probe]).join()) return null;
    nativeHasher = h;
  } catch {
    nativeHasher = null;
  }
  return nativeHasher;
}

function nativeHash(h: NativeBlake3Hasher, parts: readonly Uint8Array[]): Uint8Array {
  h.reset();
  let fill = 0;
  for (let i = 0; i < parts.length; i++) {
    let p = parts[i]!;
    if (p.length >= DIRECT_MIN && fill + p.length > SCRATCH_LEN) {
      // Top the scratch up to a 16 KB boundary first, so the direct update starts
      // subtree-aligned and the native code can hash 16 chunks at a time from its first byte.
      if (fill > 0) {
        const k = Math.min(p.length, ALIGN - (fill % ALIGN));
        scratch.set(p.subarray(0, k), fill);
        h.update(scratch.subarray(0, fill + k));
        fill = 0;
        p = p.subarray(k);
      }
      if (p.length > 0) h.update(p);
      continue;
    }
    while (p.length > 0) {
      const k = Math.min(p.length, SCRATCH_LEN - fill);
      scratch.set(k === p.length ? p : p.subarray(0, k), fill);
      fill += k;
      p = p.subarray(k);
      if (fill === SCRATCH_LEN) { h.update(scratch); fill = 0; }
    }
  }
  if (fill > 0) h.update(scratch.subarray(0, fill));
  // digest('hex') is ~0.3 us; digestBuffer() allocates an external Buffer and costs ~2 us.
  return hexToBytes16(h.digest('hex'));
}

const HEX_VALUE = new Uint8Array(128);
for (let i = 0; i < 10; i++) HEX_VALUE[48 + i] = i;
for (let i = 0; i < 6; i++) HEX_VALUE[97 + i] = 10 + i;

/** The first 16 bytes of a lowercase hex string, as a fresh Uint8Array. */
function hexToBytes16(hex: string): Uint8Array {
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) {
    out[i] = (HEX_VALUE[hex.charCodeAt(2 * i)]! << 4) | HEX_VALUE[hex.charCodeAt(2 * i + 1)]!;
  }
  return out;
}

// ---------------------------------------------------------------- exports

/**
 * BLAKE3 of the concatenation of `parts`, truncated to its first 16 bytes. Synchronous; returns
 * a fresh, writable 16-byte Uint8Array (never a view into shared memory). Parts are read, not
 * kept: the caller may reuse them once this returns.
 */
export function blake3_128(parts: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (let i = 0; i < parts.length; i++) total += parts[i]!.length;
  if (total < NATIVE_MIN) return portable(parts, total);
  const h = nativeHasher === undefined ? loadNative() : nativeHasher;
  return h !== null ? nativeHash(h, parts) : portable(parts, total);
}

/** {@link blake3_128} without the native binding (blake3-jit only): the path used where it cannot load. */
export function blake3_128_portable(parts: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (let i = 0; i < parts.length; i++) total += parts[i]!.length;
  return portable(parts, total);
}

/** Whether {@link blake3_128} uses the native binding for large inputs (loads it if not yet tried). */
export function blake3NativeAvailable(): boolean {
  return (nativeHasher === undefined ? loadNative() : nativeHasher) !== null;
}

/** {@link blake3_128} computed by @noble/hashes (pure JS, slow): the reference implementation. */
export function blake3_128_reference(parts: readonly Uint8Array[]): Uint8Array {
  const h = blake3.create({ dkLen: 16 });
  for (const p of parts) h.update(p);
  return h.digest();
}

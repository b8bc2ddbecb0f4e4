/*
 * BLAKE3-128: the first 16 bytes of BLAKE3 (default mode, unkeyed) over a list of parts.
 *
 * Why this shape. Measured on the project's machine kind (2-core AMD EPYC with AVX-512,
 * Node 20), MB/s, one contiguous input; `node build/bench/hash.js` reprints the table:
 *
 *                                                  32 B  100 B   1 KB   4 KB  64 KB   1 MB
 *   @noble/hashes (pure JS, the reference)           15     26     61     59     46     47
 *   blake3-jit hashInto() (WASM SIMD from 4 KB)     115    272    640    969   1211   1228
 *   blake3-jit Hasher, reused (pure JS)              98    215    463    442    435    435
 *   @napi-rs/blake-hash blake3() one-shot            16     51    369   1364   5674   6112
 *   @napi-rs/blake-hash Hasher + digest('hex')       26     79    457   1541   5784   6401
 *   hash-wasm (async setup only)                     98    253    715    818    842    829
 *   blake3-wasm@2.1.5                                29     85    410    646    801    804
 *   blake3_128 (this file), one part                102    252    608   1713   5302   6433
 *   blake3_128, [header, body, children]             83    199    568   1605   5185   6072
 *
 * - Below NATIVE_MIN (1.5 KB: most blobs) per-call overhead dominates. blake3-jit's hashInto() on
 *   one contiguous view is the fastest synchronous option: the parts are gathered into a reused
 *   scratch buffer (a single part is used as is). Feeding parts to a reused blake3-jit Hasher
 *   instead is slower from ~64 B up (100 B: 0.60 vs 0.51 us; 1 KB: 2.5 vs 1.65 us).
 * - The native binding has a fixed cost of ~1 us per call even on its cheapest route:
 *   digestBuffer() and blake3() return external Buffers costing ~2 us each (!), so we read the
 *   digest as hex (~0.3 us) and decode 16 bytes by hand. It wins from ~1.4 KB on (1.5 KB: 2.6 vs
 *   2.7 us; 2 KB: 2.1 vs 3.3 us; 4 KB: 2.5 vs 4.1 us) and runs at ~6 GB/s on large inputs.
 * - Each native update() call costs ~0.3 us, and Rust BLAKE3 only hashes 16 chunks at once
 *   (AVX-512) when an update starts on a 16-chunk boundary. So parts are gathered into the
 *   64 KB scratch and fed in one call (a 4 KB blob in 3 parts: 2.4 us vs 5.7 us part by part),
 *   and a large part that does not fit goes in directly, uncopied, after topping the scratch
 *   up to a 16 KB boundary from it (128 KB in 3 parts: 4.8 vs 4.3 GB/s unaligned).
 * - If the native binding cannot load (no prebuilt binary for the platform, or the env var
 *   PAGABLE_NO_NATIVE_HASH=1), blake3-jit hashInto() handles every size: ~1 GB/s on large inputs.
 * - Rejected: hash-wasm (on par with or faster than blake3-jit below 4 KB, but async setup only);
 *   blake3-wasm@3.0.0 does not install (it depends on an unpublished @c4312/blake3-internal),
 *   and blake3-wasm@2.1.5 (last release 2024, 2020-era wasm) is slower everywhere.
 *
 * Everything is synchronous, loading included: the native binding is require()d lazily on the
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
    // Guard against a broken binary: it must agree with the reference on a multi-chunk input.
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
      if (fill === SCRATCH_LEN) {
        h.update(scratch);
        fill = 0;
      }
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

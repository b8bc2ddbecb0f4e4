/*
 * BLAKE3-128 throughput: every candidate library and the library's own blake3_128, in MB/s.
 *
 *   npx tsc -p tsconfig.json && node build/bench/hash.js [--quick]
 *
 * Candidates that are not installed are reported as such (they are looked up at run time, so this
 * file compiles without them): `npm install --no-save blake3-wasm@2 hash-wasm` to include them.
 * Candidates hash one contiguous buffer of the given size (raw library speed, no copying);
 * blake3_128 is timed on that and on the shape the library feeds it: the same bytes as three
 * parts (8-byte count header, body, 16 bytes per child key; two children from 100 B up).
 */
import { createRequire } from 'node:module';
import { blake3 as nobleBlake3 } from '@noble/hashes/blake3.js';
import { blake3_128, blake3_128_portable, blake3_128_reference, blake3NativeAvailable } from '../src/keys/blake3.js';

type Hash16 = (parts: readonly Uint8Array[]) => Uint8Array;
/** fn is a string when the candidate is unavailable (why); input: what it is timed on. */
interface Candidate {
  name: string;
  fn: Hash16 | string;
  input?: 'whole' | 'parts';
}

const SIZES = [32, 100, 1024, 4096, 64 * 1024, 1024 * 1024];
const QUICK = process.argv.includes('--quick');
const BATCH_MS = QUICK ? 40 : 100;
const ROUNDS = QUICK ? 2 : 7;
const require = createRequire(import.meta.url);

function concat(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function first16(d: Uint8Array): Uint8Array {
  const out = new Uint8Array(16);
  out.set(d.subarray(0, 16));
  return out;
}

async function optional(name: string, make: (mod: unknown) => Hash16 | Promise<Hash16>): Promise<Candidate> {
  let mod: unknown;
  try {
    mod = await import(name);
  } catch {
    try {
      mod = require(name);
    } catch (e) {
      return { name, fn: `not installed (${(e as Error).message.split('\n')[0]!.slice(0, 60)})` };
    }
  }
  return { name, fn: await make(mod) };
}

async function candidates(): Promise<Candidate[]> {
  const list: Candidate[] = [{ name: '@noble/hashes blake3 (reference)', fn: (ps) => nobleBlake3(concat(ps), { dkLen: 16 }) }];

  interface Jit {
    hashInto(input: Uint8Array, out: Uint8Array, len?: number): void;
    createHasher(): { reset(): { update(i: Uint8Array): unknown; finalize(len?: number): Uint8Array } };
  }
  list.push(
    await optional('blake3-jit', (m) => (ps) => {
      const out = new Uint8Array(16);
      (m as Jit).hashInto(concat(ps), out, 16);
      return out;
    }),
  );
  list[list.length - 1]!.name = 'blake3-jit hashInto() one-shot';
  list.push(
    await optional('blake3-jit', (m) => {
      const h = (m as Jit).createHasher();
      return (ps) => {
        const r = h.reset();
        for (const p of ps) r.update(p);
        return r.finalize(16);
      };
    }),
  );
  list[list.length - 1]!.name = 'blake3-jit Hasher (reused)';

  interface Napi {
    blake3(input: Uint8Array): Uint8Array;
    Blake3Hasher: new () => { reset(): void; update(i: Uint8Array): unknown; digest(f?: string): string; digestBuffer(): Uint8Array };
  }
  list.push(await optional('@napi-rs/blake-hash', (m) => (ps) => first16((m as Napi).blake3(concat(ps)))));
  list[list.length - 1]!.name = '@napi-rs/blake-hash blake3() one-shot';
  list.push(
    await optional('@napi-rs/blake-hash', (m) => {
      const h = new (m as Napi).Blake3Hasher();
      return (ps) => {
        h.reset();
        for (const p of ps) h.update(p);
        return first16(h.digestBuffer());
      };
    }),
  );
  list[list.length - 1]!.name = '@napi-rs/blake-hash Hasher+digestBuffer';
  list.push(
    await optional('@napi-rs/blake-hash', (m) => {
      const h = new (m as Napi).Blake3Hasher();
      return (ps) => {
        h.reset();
        for (const p of ps) h.update(p);
        return first16(Buffer.from(h.digest('hex'), 'hex'));
      };
    }),
  );
  list[list.length - 1]!.name = '@napi-rs/blake-hash Hasher+digest(hex)';

  interface Bw {
    hash(input: Uint8Array, opts: { length: number }): Uint8Array;
  }
  list.push(await optional('blake3-wasm', (m) => (ps) => first16((m as Bw).hash(concat(ps), { length: 16 }))));
  list[list.length - 1]!.name = 'blake3-wasm hash()';

  interface Hw {
    createBLAKE3(
      bits?: number,
    ): Promise<{ init(): { update(d: Uint8Array): unknown }; update(d: Uint8Array): unknown; digest(f: 'binary'): Uint8Array }>;
  }
  list.push(
    await optional('hash-wasm', async (m) => {
      const h = await (m as Hw).createBLAKE3(128); // async setup: why it is out of the running
      return (ps) => {
        h.init();
        for (const p of ps) h.update(p);
        return h.digest('binary');
      };
    }),
  );
  list[list.length - 1]!.name = 'hash-wasm (async init)';

  list.push({ name: '=> blake3_128 (one part)', fn: blake3_128 });
  list.push({ name: '=> blake3_128 (header+body+children)', fn: blake3_128, input: 'parts' });
  list.push({ name: '=> blake3_128_portable (no native)', fn: blake3_128_portable, input: 'parts' });
  return list;
}

/** The library's part shape for a blob whose hashed input totals `size` bytes. */
function blobParts(size: number): Uint8Array[] {
  const data = new Uint8Array(size);
  let x = 0x9e3779b9;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    data[i] = x & 0xff;
  }
  const children = size >= 100 ? 2 : 0;
  const bodyEnd = size - 16 * children;
  const parts = [data.subarray(0, 8), data.subarray(8, bodyEnd)];
  if (children > 0) parts.push(data.subarray(bodyEnd));
  return parts;
}

function mbPerSec(fn: Hash16, parts: readonly Uint8Array[], size: number): number {
  // Calibrate a batch to ~BATCH_MS, then keep the best of ROUNDS batches.
  let n = 1;
  for (;;) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) fn(parts);
    const dt = performance.now() - t0;
    if (dt >= BATCH_MS / 4) {
      n = Math.max(1, Math.round((n * BATCH_MS) / Math.max(dt, 0.001)));
      break;
    }
    n *= 4;
  }
  let best = Infinity;
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) fn(parts);
    best = Math.min(best, (performance.now() - t0) / n);
  }
  return size / (best / 1000) / 1e6;
}

function label(size: number): string {
  return size >= 1024 * 1024 ? `${size / 1024 / 1024} MB` : size >= 1024 ? `${size / 1024} KB` : `${size} B`;
}

async function main(): Promise<void> {
  const list = await candidates();
  const hex = (u: Uint8Array): string => Buffer.from(u).toString('hex');
  console.log(`node ${process.version}, ${process.arch}; blake3_128 native binding loaded: ${blake3NativeAvailable()}`);
  console.log(`MB/s (best of ${ROUNDS} batches of ~${BATCH_MS} ms)\n`);
  const W = 40;
  console.log('candidate'.padEnd(W) + SIZES.map((s) => label(s).padStart(9)).join(''));
  const split = SIZES.map(blobParts);
  const whole = split.map((ps) => [concat(ps)]);
  const refs = whole.map((ps) => hex(blake3_128_reference(ps)));
  for (const c of list) {
    if (typeof c.fn === 'string') {
      console.log(c.name.padEnd(W) + '  ' + c.fn);
      continue;
    }
    let row = c.name.padEnd(W);
    const inputs = c.input === 'parts' ? split : whole;
    for (let i = 0; i < SIZES.length; i++) {
      const fn = c.fn;
      const out = fn(inputs[i]!);
      if (out.length !== 16 || hex(out) !== refs[i]) {
        row += 'WRONG'.padStart(9);
        continue;
      }
      row += mbPerSec(fn, inputs[i]!, SIZES[i]!).toFixed(0).padStart(9);
    }
    console.log(row);
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});

import { DEAD, LENGTH_MASK, RECORD_HEAD, readU32, writeU32 } from './arena-record.js';

/*
 * The arena of MemoryBlobStore: append-only chunks (ArrayBuffers, off the JS heap) of records
 * (arena-record.ts), with what each chunk holds live. Records are never written in place after
 * their append (a deletion sets a header bit outside the record, compaction copies into fresh
 * chunks), which is what lets the store hand out views of them.
 */

/** The first chunk's size; chunks double from here up to MAX_CHUNK, so small stores stay small. */
const MIN_CHUNK = 64 * 1024;
/** The chunk size of a large store. */
export const MAX_CHUNK = 1024 * 1024;
/** A record above this gets a chunk of its own, which bounds the tail a full chunk leaves unused. */
const LARGE_RECORD = MAX_CHUNK / 4;

/** Chunks of records; see the top of this file. */
export class Arena {
  chunks: Array<Uint8Array | undefined> = [];
  /** Per chunk: bytes appended so far. */
  used: number[] = [];
  /** Per chunk: bytes of live records. */
  live: number[] = [];
  /** Chunk numbers of dropped chunks, for reuse. */
  freeChunks: number[] = [];
  /** The chunk small records are appended to; -1 before the first. */
  current = -1;
  nextChunkSize = MIN_CHUNK;
  liveBytes = 0;
  deadBytes = 0;
  /** Where `reserve` found room: chunk number and offset. */
  atChunk = 0;
  atOffset = 0;

  /** Finds room for `size` bytes (atChunk, atOffset), adding a chunk if needed. */
  reserve(size: number): void {
    if (size > LARGE_RECORD) {
      this.atChunk = this.addChunk(new Uint8Array(size));
      this.atOffset = 0;
      return;
    }
    let k = this.current;
    if (k < 0 || this.used[k]! + size > this.chunks[k]!.length) {
      k = this.current = this.addChunk(new Uint8Array(Math.max(size, this.nextChunkSize)));
      this.nextChunkSize = Math.min(MAX_CHUNK, 2 * this.nextChunkSize);
    }
    this.atChunk = k;
    this.atOffset = this.used[k]!;
  }

  /** The record of `size` bytes just written at (atChunk, atOffset) is part of the arena now. */
  appended(size: number): void {
    this.used[this.atChunk] = this.atOffset + size;
    this.live[this.atChunk]! += size;
    this.liveBytes += size;
  }

  addChunk(chunk: Uint8Array): number {
    const k = this.freeChunks.pop() ?? this.chunks.length;
    this.chunks[k] = chunk;
    this.used[k] = 0;
    this.live[k] = 0;
    return k;
  }

  /** Takes a fully live chunk over as it is (compaction). */
  adoptChunk(chunk: Uint8Array, used: number): number {
    const k = this.addChunk(chunk);
    this.used[k] = this.live[k] = used;
    return k;
  }

  /** Marks the record at `at` of chunk `k` dead, dropping the chunk once nothing in it lives. */
  kill(k: number, at: number): void {
    const chunk = this.chunks[k]!;
    const head = readU32(chunk, at);
    writeU32(chunk, at, head | DEAD);
    const size = RECORD_HEAD + (head & LENGTH_MASK);
    this.live[k]! -= size;
    this.liveBytes -= size;
    this.deadBytes += size;
    if (this.live[k] === 0) {
      // All of the chunk is dead: give it back now rather than at the next compaction.
      this.deadBytes -= this.used[k]!;
      this.used[k] = 0;
      if (k !== this.current) {
        this.chunks[k] = undefined;
        this.freeChunks.push(k);
      }
    }
  }

  /** Calls `f` with the chunk and offset of every live record, in arena order. */
  forEachLive(f: (chunk: Uint8Array, offset: number) => void): void {
    for (let k = 0; k < this.chunks.length; k++) {
      const chunk = this.chunks[k];
      if (chunk === undefined) continue;
      const used = this.used[k]!;
      for (let at = 0; at < used;) {
        const head = readU32(chunk, at);
        if ((head & DEAD) === 0) f(chunk, at);
        at += RECORD_HEAD + (head & LENGTH_MASK);
      }
    }
  }

  /** Chunks allocated, and their bytes. */
  size(): { chunks: number; bytes: number } {
    let chunks = 0;
    let bytes = 0;
    for (const c of this.chunks) {
      if (c === undefined) continue;
      chunks++;
      bytes += c.byteLength;
    }
    return { chunks, bytes };
  }

  /**
   * Copies the live records into fresh chunks and drops the old ones, calling `index` with each
   * live record's key hash and new place.
   */
  compact(index: (hash: number, chunk: number, offset: number) => void): void {
    const { chunks, used, live } = this;
    this.chunks = [];
    this.used = [];
    this.live = [];
    this.freeChunks = [];
    this.current = -1;
    this.deadBytes = 0;
    // What will be copied (chunks with dead records), so the new chunks can be sized to fit it.
    let toCopy = 0;
    for (let k = 0; k < chunks.length; k++) if (chunks[k] !== undefined && live[k] !== used[k]) toCopy += live[k]!;
    for (let k = 0; k < chunks.length; k++) {
      const chunk = chunks[k];
      if (chunk === undefined) continue;
      chunks[k] = undefined; // dropped as soon as its records are out
      if (live[k] === 0) continue;
      if (live[k] === used[k]) {
        // Nothing dead in it: keep the chunk as it is, only index it anew.
        const n = this.adoptChunk(chunk, used[k]!);
        for (let at = 0; at < used[k]!; at += RECORD_HEAD + (readU32(chunk, at) & LENGTH_MASK)) index(readU32(chunk, at + 4), n, at);
        continue;
      }
      for (let at = 0; at < used[k]!;) {
        const head = readU32(chunk, at);
        const size = RECORD_HEAD + (head & LENGTH_MASK);
        if ((head & DEAD) === 0) {
          this.nextChunkSize = Math.min(MAX_CHUNK, toCopy);
          this.reserve(size);
          toCopy -= size;
          this.chunks[this.atChunk]!.set(chunk.subarray(at, at + size), this.atOffset);
          this.used[this.atChunk] = this.atOffset + size;
          this.live[this.atChunk]! += size;
          index(readU32(chunk, at + 4), this.atChunk, this.atOffset);
        }
        at += size;
      }
    }
    this.nextChunkSize = Math.min(MAX_CHUNK, Math.max(MIN_CHUNK, 2 ** Math.ceil(Math.log2(this.liveBytes / 2 + 1))));
  }
}

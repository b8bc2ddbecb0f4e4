/*
 * The peers pagable is measured against, on the same data:
 * - raw msgpackr `pack` / `unpack` (its default instance: no records, no structured clone) of the
 *   plain-object version of the workload;
 * - class-transformer `instanceToPlain` + `JSON.stringify`, then `JSON.parse` + `plainToInstance`,
 *   on the workload's class-transformer model.
 */
import { instanceToPlain, plainToInstance } from 'class-transformer';
import { pack, unpack } from 'msgpackr';
import { CtBuildGraph } from './ct-model.js';
import type { Plain } from './workload-plain.js';

export function msgpackrPack(plain: Plain): Uint8Array {
  return pack(plain);
}

export function msgpackrUnpack(bytes: Uint8Array): Plain {
  return unpack(bytes) as Plain;
}

export function classTransformerSerialize(graph: CtBuildGraph): string {
  return JSON.stringify(instanceToPlain(graph));
}

export function classTransformerDeserialize(json: string): CtBuildGraph {
  return plainToInstance(CtBuildGraph, JSON.parse(json) as object);
}

/** The class-transformer round trip timed against pagable's save + load. */
export function classTransformerRoundTrip(graph: CtBuildGraph): CtBuildGraph {
  return classTransformerDeserialize(classTransformerSerialize(graph));
}

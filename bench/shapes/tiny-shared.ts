/*
 * The tiny-blob shape: 100k tiny @Shared blobs (an interned symbol table: each atom a blob of
 * a dozen bytes), in chunks of 200, a fifth of the atoms content-equal copies of earlier ones.
 * Nearly all of a save's cost here is per blob, not per byte.
 *
 *   AtomTable (root, tagged) -> chunks: @Shared AtomChunk[] -> atoms: @Shared Atom[]
 */
import 'reflect-metadata';
import { Type, plainToInstance } from 'class-transformer';
import { Field, Pagable, type PagableStorage, Shared, TypeTag } from '../../src/index.js';
import { Prng } from '../prng.js';
import { KEY_STANDIN, type Shape, type ShapeData, type ShapeSize, distinct } from './shape.js';

@TypeTag('tiny.Atom')
@Pagable()
export class Atom {
  @Field() name!: string;
  @Field() kind!: number;
  @Field() flags!: number;
}

@Pagable()
export class AtomChunk {
  @Field() first!: number;
  @Shared(() => [Atom]) atoms!: Atom[];
}

@TypeTag('tiny.AtomTable')
@Pagable()
export class AtomTable {
  @Field() name!: string;
  @Shared(() => [AtomChunk]) chunks!: AtomChunk[];
}

// class-transformer's model of the same data.
export class CtAtom {
  name!: string;
  kind!: number;
  flags!: number;
}
export class CtAtomChunk {
  first!: number;
  @Type(() => CtAtom) atoms!: CtAtom[];
}
export class CtAtomTable {
  name!: string;
  @Type(() => CtAtomChunk) chunks!: CtAtomChunk[];
}

const SYLLABLES = ['ka', 'zu', 'mi', 'ro', 'te', 'shi', 'no', 'ba', 'lo', 've', 'qua', 'dra'];
const CHUNK = 200;

function build(n: number): AtomTable {
  const rng = new Prng(21, 0x7e1);
  const atoms: Atom[] = [];
  for (let i = 0; i < n; i++) {
    if (i > 0 && rng.chance(0.2)) {
      const a = atoms[rng.int(0, i - 1)]!;
      atoms.push(Object.assign(new Atom(), { name: a.name, kind: a.kind, flags: a.flags }));
      continue;
    }
    let name = '';
    for (let s = rng.int(2, 4); s > 0; s--) name += rng.pick(SYLLABLES);
    atoms.push(Object.assign(new Atom(), { name: `${name}${i}`, kind: rng.int(0, 12), flags: rng.int(0, 255) }));
  }
  const chunks: AtomChunk[] = [];
  for (let i = 0; i < n; i += CHUNK) chunks.push(Object.assign(new AtomChunk(), { first: i, atoms: atoms.slice(i, i + CHUNK) }));
  return Object.assign(new AtomTable(), { name: 'atoms', chunks });
}

const plainAtom = (a: Atom): object => ({ name: a.name, kind: a.kind, flags: a.flags });

function toPlain(t: AtomTable): object {
  return { name: t.name, chunks: t.chunks.map((c) => ({ first: c.first, atoms: c.atoms.map(plainAtom) })) };
}

function pieces(t: AtomTable): unknown[] {
  const out: unknown[] = [{ name: t.name, chunks: t.chunks.map(() => KEY_STANDIN) }];
  for (const c of t.chunks) out.push({ first: c.first, atoms: c.atoms.map(() => KEY_STANDIN) });
  for (const a of distinct(t.chunks.flatMap((c) => c.atoms))) out.push(plainAtom(a));
  return out;
}

/** The tiny-blob shape. */
export const tinySharedShape: Shape = {
  id: 'tinyShared',
  title: '100k tiny @Shared blobs',
  bars: { saveVsFloor: 0.8, loadVsUnpack: 1.3, roundTrip: 4, lmdb: 0.7 },
  make(size: ShapeSize, _home: PagableStorage): ShapeData {
    const n = size === 'full' ? 100_000 : 3_000;
    const root = build(n);
    const plain = toPlain(root) as { chunks: Array<{ first: number; atoms: unknown[] }> };
    const ct = plainToInstance(CtAtomTable, plain);
    const documents: Array<readonly [string, unknown]> = [];
    for (const c of plain.chunks) {
      documents.push([`chunk/${c.first}`, { first: c.first, atoms: c.atoms.length }]);
      c.atoms.forEach((a, i) => documents.push([`atom/${c.first + i}`, a]));
    }
    return {
      root,
      cls: AtomTable,
      pinAll: () => [],
      toPlain: (v) => toPlain(v as AtomTable),
      plain,
      pieces: () => pieces(root),
      documents,
      ct,
      ctClass: CtAtomTable,
      describe: { atoms: n, chunks: root.chunks.length },
    };
  },
};

/*
 * The build-graph shape: the standard workload (../workload.ts, model in ../model.ts), a build
 * graph over three revisions with 30-50% of its subtrees duplicated. Blobs are cut at packages,
 * targets, configurations and build files (lazy).
 */
import type { PagableStorage } from '../../src/index.js';
import { CtBuildGraph } from '../ct-model.js';
import { BuildGraph, type Package, type Target } from '../model.js';
import { STANDARD, arcValues, buildGraph } from '../workload.js';
import { toCt } from '../workload-ct.js';
import { type Plain, plainConfig, plainTarget, toPlain } from '../workload-plain.js';
import { describe } from '../workload-shape.js';
import { KEY_STANDIN, type Shape, type ShapeData, type ShapeSize, distinct, peek } from './shape.js';

/** Every distinct package of the graph. */
function packagesOf(g: BuildGraph): Package[] {
  return distinct(g.revisions.flatMap((r) => r.packages));
}

/** The plain form, reading lazy build files through their arcs (recorded for toPlain). */
function plainOf(g: BuildGraph): Plain {
  for (const p of packagesOf(g)) if (!arcValues.has(p.buildFile)) arcValues.set(p.buildFile, peek(p.buildFile));
  return toPlain(g);
}

function targetPiece(t: Target): Plain {
  const p = plainTarget(t);
  return { ...p, deps: t.deps.map(() => KEY_STANDIN), config: KEY_STANDIN };
}

function pieces(g: BuildGraph): unknown[] {
  const out: unknown[] = [
    {
      name: g.name,
      revisions: g.revisions.map((r) => ({
        id: r.id,
        commit: r.commit,
        configurations: r.configurations.map(() => KEY_STANDIN),
        packages: r.packages.map(() => KEY_STANDIN),
      })),
    },
  ];
  for (const c of distinct(g.revisions.flatMap((r) => r.configurations))) out.push(plainConfig(c));
  const packages = packagesOf(g);
  for (const p of packages) {
    out.push({ path: p.path, cell: p.cell, targets: p.targets.map(() => KEY_STANDIN), loads: p.loads, buildFile: KEY_STANDIN });
    const bf = peek(p.buildFile);
    out.push({ path: bf.path, digest: bf.digest, lines: bf.lines });
  }
  for (const t of distinct(packages.flatMap((p) => p.targets))) out.push(targetPiece(t));
  return out;
}

/** The build-graph shape. */
export const buildGraphShape: Shape = {
  id: 'buildGraph',
  title: 'build graph (the standard workload)',
  bars: { saveVsFloor: 0.8, saveVsPack: 0.85, loadVsUnpack: 1.3, roundTrip: 4, lmdb: 0.7 },
  make(size: ShapeSize, home: PagableStorage): ShapeData {
    const root = buildGraph(size === 'full' ? STANDARD : { ...STANDARD, packages: 10 }, home);
    const plain = plainOf(root);
    const ct = toCt(root);
    const documents: Array<readonly [string, unknown]> = [];
    for (const r of plain['revisions'] as Plain[]) {
      for (const c of r['configurations'] as Plain[]) documents.push([`${String(r['id'])}/config/${String(c['name'])}`, c]);
      for (const p of r['packages'] as Plain[]) documents.push([`${String(r['id'])}/${String(p['path'])}`, p]);
    }
    const shape = describe(root);
    return {
      root,
      cls: BuildGraph,
      pinAll: (loaded) => packagesOf(loaded as BuildGraph).map((p) => p.buildFile.pinSync()),
      toPlain: (v) => plainOf(v as BuildGraph),
      plain,
      pieces: () => pieces(root),
      documents,
      ct,
      ctClass: CtBuildGraph,
      describe: { ...shape },
    };
  },
};

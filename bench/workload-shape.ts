/* The standard workload's shape: how many objects, and how many of them are duplicated. */
import { type BuildGraph, Configuration, Package, Target } from './model.js';
import { arcValues } from './workload.js';
import { fingerprint, plainPackage } from './workload-plain.js';

/**
 * Distinct objects reachable from `root` (class instances, arrays, plain objects, Maps; arcs are
 * seen through, their handles not counted), not descending into objects for which `stop` is true.
 */
export function countObjects(root: object, stop: (o: object) => boolean = () => false): number {
  const seen = new Set<object>();
  const stack: object[] = [root];
  while (stack.length > 0) {
    let o = stack.pop()!;
    const inner = arcValues.get(o);
    if (inner !== undefined) o = inner;
    if (seen.has(o)) continue;
    seen.add(o);
    const vals: unknown[] = o instanceof Map ? [...o.keys(), ...o.values()] : Object.values(o);
    for (const v of vals) {
      if (typeof v === 'object' && v !== null && !seen.has(v) && (v === root || !stop(v))) stack.push(v);
    }
  }
  return seen.size;
}

export interface WorkloadShape {
  objects: number;
  packages: number;
  targets: number;
  /** Objects inside packages that are equal-content copies (distinct objects) of an earlier package. */
  duplicatedObjects: number;
  duplicatedFraction: number;
  /** Package objects that appear in more than one revision (shared by identity). */
  identitySharedPackages: number;
}

export function describe(g: BuildGraph): WorkloadShape {
  const objects = countObjects(g);
  const seenPkg = new Set<Package>();
  const seenContent = new Set<string>();
  let dup = 0;
  let packages = 0;
  let targets = 0;
  let identityShared = 0;
  for (const r of g.revisions) {
    for (const p of r.packages) {
      if (seenPkg.has(p)) {
        identityShared++;
        continue;
      }
      seenPkg.add(p);
      packages++;
      targets += p.targets.length;
      const f = fingerprint(plainPackage(p));
      if (seenContent.has(f)) {
        // Its own objects: stop at other packages' targets and at configurations.
        const own = new Set<object>(p.targets);
        dup += countObjects(p, (o) => (o instanceof Target && !own.has(o)) || o instanceof Configuration || o instanceof Package);
      } else {
        seenContent.add(f);
      }
    }
  }
  return { objects, packages, targets, duplicatedObjects: dup, duplicatedFraction: dup / objects, identitySharedPackages: identityShared };
}

/*
 * The conformance suites live in the package (`pagable/testing`, src/testing/) so custom backends
 * run them too; every backend of this project runs them from there, unchanged.
 */
import { PagableArc, type PagableStorageBase } from '../src/index.js';
import { Circle, Dep, Module, Package, Square } from './support/models.js';

export { blobStoreConformance, storageConformance } from '../src/testing/index.js';

/** The sample graph with this test suite's own classes (for tests outside the conformance suite). */
export function samplePackage(storage: PagableStorageBase): Package {
  const base = Dep.of('tslib', '2.6.0');
  const react = Dep.of('react', '18.2.0', [base]);
  const dom = Dep.of('react-dom', '18.2.0', [react, base]);
  const p = new Package();
  p.name = 'web';
  p.meta = new Map([['license', 'MIT'], ['owner', 'ui-team']]);
  p.modules = [Module.of('src/a.ts', 10, [react, dom], Circle.of(1)), Module.of('src/b.ts', 20, [base], Square.of(2))];
  p.entry = PagableArc.new(Module.of('src/index.ts', 5, [dom]), storage);
  p.main = react;
  return p;
}

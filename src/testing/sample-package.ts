import { PagableArc } from '../arc/pagable-arc.js';
import type { PagableStorageBase } from '../paging/storage-base.js';
import { Circle, Dep, Module, Package, Square } from './models.js';

/** The suite's sample graph: classes, sharing, polymorphism, a lazy child bound to `storage`. */
export function samplePackage(storage: PagableStorageBase): Package {
  const base = Dep.of('tslib', '2.6.0');
  const react = Dep.of('react', '18.2.0', [base]);
  const dom = Dep.of('react-dom', '18.2.0', [react, base]);
  const p = new Package();
  p.name = 'web';
  p.meta = new Map([
    ['license', 'MIT'],
    ['owner', 'ui-team'],
  ]);
  p.modules = [Module.of('src/a.ts', 10, [react, dom], Circle.of(1)), Module.of('src/b.ts', 20, [base], Square.of(2))];
  p.entry = PagableArc.new(Module.of('src/index.ts', 5, [dom]), storage);
  p.main = react;
  return p;
}

/*
 * Classes of the fuzzer (test/fuzz.test.ts): one holding every field kind, a class-transformer
 * model, and "lazy boxes" whose
 * one @Lazy field lets a hostile blob be reached by pinning an arc rather than by `load`. Tags
 * here are prefixed 'fuzz.'.
 */
import { Type } from 'class-transformer';
import { type Class, Dyn, Field, Lazy, Pagable, type PagableArc, Shared, TypeTag } from '../../src/index.js';
import { Doc } from './arc-models.js';
import { PET_DISCRIMINATOR, Pet } from './ct-models.js';
import { Circle, Dep, Shape } from './models.js';

/** Every field kind at once: inline class, shared, lazy, dyn, plain, arrays of arcs and classes. */
@TypeTag('fuzz.Everything')
@Pagable()
export class Everything {
  @Field(() => Shape) shape!: Shape;
  @Shared(() => Dep) dep!: Dep | undefined;
  @Lazy(() => Dep) lazy!: PagableArc<Dep> | undefined;
  @Dyn(() => Shape) dyn!: Shape | undefined;
  @Dyn() anything!: unknown;
  @Field() plain!: unknown;
  @Shared(() => [Shape]) shapes!: Shape[];
  @Lazy(() => [Doc]) docs!: Array<PagableArc<Doc>>;
  @Field(() => [[Circle]]) grid!: Circle[][];
  @Shared(() => Object) sharedPlain!: unknown;
  @Lazy(() => Object) lazyPlain!: PagableArc<unknown> | undefined;
}

/** A class-transformer model made pagable by @Pagable() alone: a trailing record, a discriminator. */
@Pagable()
export class CtAddress {
  street!: string;
  city!: string;
}

@Pagable()
export class CtOwner {
  id!: number;
  @Type(() => Date) since!: Date;
  @Type(() => CtAddress) address!: CtAddress;
  @Type(() => Pet, PET_DISCRIMINATOR) pets!: Pet[];
  tags!: string[];
}

/** A holder of one lazy arc of `T`: pinning `item` pages its blob in as a `T`. */
export interface LazyBox {
  item: PagableArc<unknown> | undefined;
}

const boxes = new Map<Class, Class<LazyBox>>();

/** The lazy-box class for `target` (one per target, untagged, made on first use). */
export function lazyBoxOf(target: Class): Class<LazyBox> {
  let box = boxes.get(target);
  if (box === undefined) {
    @Pagable()
    class Box implements LazyBox {
      @Lazy(() => target) item!: PagableArc<unknown> | undefined;
    }
    boxes.set(target, (box = Box));
  }
  return box;
}

/*
 * The blob encoder (src/codec/encoder.ts) as the page-out engine uses it: the children it hands
 * back (each @Shared object and @Lazy arc, in placeholder order, with the layout its own blob is
 * written with and the field that holds it), an encode started inside another (a getter that pages
 * something out), and one object reached through fields of two layouts.
 */
import { expect } from 'chai';
import { BlobEncoder, type EncodeContext, viaOf } from '../../src/codec/encoder.js';
import { rootOfValue } from '../../src/codec/plain-encoder.js';
import { ANY } from '../../src/metadata/schema.js';
import { Field, InMemoryPagableStorage, Lazy, Pagable, Shared, TypeTag } from '../../src/index.js';
import { expectError } from '../support/expect-error.js';
import { Circle, Shape, Square } from '../support/models.js';

@TypeTag('encoder-test.Holder')
@Pagable()
class Holder {
  @Shared(() => Circle) a: unknown = null;
  @Lazy(() => Circle) b: unknown = null;
  @Shared(() => Shape) c: unknown = null;
  @Field() n = 1;
}

@Pagable()
class Untagged {
  @Field() n = 1;
}

@Pagable()
class TwoLayouts {
  @Shared(() => Untagged) typed: unknown = null;
  @Shared(() => Object) untyped: unknown = null;
}

/** What Nesting's getter encodes (not on the instance: its own properties are written too). */
const nested: { on: boolean; blob?: Uint8Array } = { on: true };

/** Encodes a value the way a nested page-out would, from inside a field's getter. */
@TypeTag('encoder-test.Nesting')
@Pagable()
class Nesting {
  @Field() get first(): string {
    if (nested.on) nested.blob = new BlobEncoder().encode(Circle.of(9), ANY, 'inner').data.slice();
    return 'abc';
  }
  set first(_: string) {}
  @Field() second = [1, 2, 3];
}

describe('BlobEncoder', () => {
  it('hands back the children in placeholder order: target, arc or not, layout, and the field holding it', () => {
    const inner = Circle.of(2);
    const arc = { arc: true };
    const ctx: EncodeContext = { arcTarget: (v) => (v === arc ? inner : undefined), isPin: () => false };
    const a = Circle.of(1);
    const c = Square.of(3);
    const { children } = new BlobEncoder(ctx).encode(Object.assign(new Holder(), { a, b: arc, c }), ANY, 'root');
    expect(children.map((r) => [r.target, r.isArc, r.field, r.owner?.name, viaOf(r)])).to.deep.equal([
      [a, false, 'a', 'Holder', 'Holder.a'],
      [inner, true, 'b', 'Holder', 'Holder.b'],
      [c, false, 'c', 'Holder', 'Holder.c'],
    ]);
    expect(children.map((r) => r.root.k === 'class' && r.root.cls)).to.deep.equal([Circle, Circle, Shape]);
    // A blob without children hands back none, whatever the encoder held before.
    const enc = new BlobEncoder(ctx);
    enc.encode(Object.assign(new Holder(), { a }), ANY, 'root');
    expect(enc.encode(Circle.of(5), ANY, 'root').children).to.deep.equal([]);
  });

  it('an encode started inside another (a getter) writes both blobs whole', () => {
    const plain = new BlobEncoder().encode(Circle.of(9), ANY, 'inner').data.slice();
    const n = new Nesting();
    const outer = new BlobEncoder().encode(n, rootOfValue(n), 'root').data.slice();
    expect(Buffer.from(nested.blob!).equals(Buffer.from(plain))).to.equal(true);
    // The outer blob is the one encoded without the nested encode.
    nested.on = false;
    const again = new BlobEncoder().encode(n, rootOfValue(n), 'root').data.slice();
    expect(Buffer.from(outer).toString('hex')).to.equal(Buffer.from(again).toString('hex'));
  });

  it('one object reached through a typed and an untyped field needs a @TypeTag, whichever field comes first', async () => {
    const s = new InMemoryPagableStorage();
    const u = new Untagged();
    for (const fields of [{ untyped: u }, { typed: u, untyped: u }]) {
      const e = await expectError(s.save(Object.assign(new TwoLayouts(), fields)), 'TYPE_MISMATCH');
      expect(e.message).to.equal('TwoLayouts.untyped: a Untagged stored as untyped data needs a @TypeTag on Untagged');
    }
    expect(s.stats().blobs).to.equal(0);
    const back = await s.load(TwoLayouts, await s.save(Object.assign(new TwoLayouts(), { typed: u })));
    expect(back.typed).to.be.instanceOf(Untagged).and.deep.equal(u);
  });
});

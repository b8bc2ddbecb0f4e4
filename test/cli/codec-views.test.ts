/*
 * How the CLI shows values stored through codecs (`pagable show`, `--json`, the schema of a class):
 * labelled with the codec's name, where the field declares the codec's class (the encoding alone
 * is stored) and where the value carries its name (plain data).
 */
import { expect } from 'chai';
import { blobViewJson, viewBlob } from '../../src/view/blob-view.js';
import { renderBlobText } from '../../src/cli/blob-text.js';
import { Field, InMemoryPagableStorage, Pagable, type DataKey, type PagableData } from '../../src/index.js';
import { Money, epochCodec } from '../support/codec-models.js';

@Pagable({ name: 'views.Bill' })
class Bill {
  @Field() total!: Money;
  @Field() extra!: unknown;
  @Field({ codec: epochCodec }) due!: Date;
}

describe('cli: values stored through codecs', () => {
  it('show them with their codec name, in text and JSON, and the class schema names the codec', async () => {
    const s = new InMemoryPagableStorage();
    const key = await s.save(Object.assign(new Bill(), { total: Money.of('1.25'), extra: [Money.of('2')], due: new Date(7) }));
    const blobs = new Map<DataKey, PagableData>();
    for await (const k of s.keys()) blobs.set(k, await s.fetchData(k));
    const view = viewBlob(key, blobs.get(key)!, (k) => blobs.get(k));
    const text = renderBlobText(view, []);
    expect(text).to.contain('total: test.codec.money( [ 125n, 2 ] )');
    expect(text).to.contain('extra: [ test.codec.money( [ 2n, 0 ] ) ]');
    expect(text).to.contain('due: test.codec.epoch( 7 )');
    const body = JSON.stringify(blobViewJson(view, []));
    expect(body).to.contain('"total":{"$codec":"test.codec.money","value":[{"$bigint":"125"},2]}');
    expect(body).to.contain('"due":{"$codec":"test.codec.epoch","value":7}');
    const classKey = view.schema!.classes![0]!.key;
    expect(renderBlobText(viewBlob(classKey, blobs.get(classKey)!), []))
      .to.contain('codec test.codec.money')
      .and.contain('codec test.codec.epoch');
    await s.close();
  });
});

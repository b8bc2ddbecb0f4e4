import { expect } from 'chai';
import { computeKey, InMemoryPagableStorage, isDataKey, Pagable, PagableError } from '../../src/index.js';
import { expectError } from '../support/expect-error.js';

/*
 * What counts as a key: exactly 32 lowercase hex characters, as a primitive string. Anything else
 * is refused where a key comes in (a child key of a blob: CORRUPT; a key to load or root: INVALID_ARGUMENT
 * saying it is not a key; a raw fetch: NOT_FOUND), never misread as another key.
 */

const KEY = '0123456789abcdef0123456789abcdef';

/** Strings that are almost keys: a character off at each position, too long, too short. */
function nearMisses(): string[] {
  const out = [KEY + '0', KEY + KEY, KEY.slice(1), '', KEY.toUpperCase()];
  for (let i = 0; i < 32; i++) {
    // U+00B0 and U+0130 are '0' once their high bits are dropped: a table lookup alone would take them.
    for (const c of ['\u00b0', '\u0130', 'g', ' ', 'A']) out.push(KEY.slice(0, i) + c + KEY.slice(i + 1));
  }
  return out;
}

/** Values that are not strings but look like a key once made one. */
const NOT_STRINGS: unknown[] = [[KEY], new String(KEY), { toString: () => KEY, length: 32 }, [...KEY], 12345];

@Pagable()
class Thing {}

describe('DataKey: what counts as a key', () => {
  it('isDataKey is true for 32 lowercase hex characters only', () => {
    expect(isDataKey(KEY)).to.equal(true);
    expect(isDataKey('f'.repeat(32))).to.equal(true);
    for (const s of nearMisses()) expect(isDataKey(s), JSON.stringify(s)).to.equal(false);
    for (const v of NOT_STRINGS) expect(isDataKey(v), String(v)).to.equal(false);
  });

  it('computeKey refuses a child key that is not a key with CORRUPT naming it, whatever it looks like', () => {
    for (const bad of [...nearMisses(), ...NOT_STRINGS]) {
      const e = (() => {
        try {
          computeKey({ data: new Uint8Array(), arcs: [KEY, bad as string] });
        } catch (x) {
          return x;
        }
        return undefined;
      })();
      expect(e, JSON.stringify(bad)).to.be.instanceOf(PagableError);
      expect((e as PagableError).code).to.equal('CORRUPT');
      expect((e as PagableError).message).to.contain('child 1');
    }
  });

  it('load refuses what is not a key with INVALID_ARGUMENT saying so (fetchData finds nothing: NOT_FOUND), and find nothing under a near miss', async () => {
    const s = new InMemoryPagableStorage();
    const key = await s.save(new Thing());
    expect(await s.load(Thing, key)).to.be.instanceOf(Thing);
    for (const bad of [key + '0', key.toUpperCase(), [key], new String(key), key.slice(0, 31) + '\u00b0']) {
      const e = await expectError(s.load(Thing, bad as string), 'INVALID_ARGUMENT');
      expect(e.message, String(bad)).to.contain('is not a key');
      await expectError(s.fetchData(bad as string), 'NOT_FOUND');
      await expectError(s.setRoot('r', bad as string), 'INVALID_ARGUMENT');
    }
    await s.close();
  });

  it('names what it was given in the message, cut to 80 characters, whatever it is (undefined, a function, a long string)', async () => {
    const s = new InMemoryPagableStorage();
    const long = 'k'.repeat(200);
    expect((await expectError(s.load(Thing, long), 'INVALID_ARGUMENT')).message).to.equal(
      `load: ${JSON.stringify(long).slice(0, 80)} is not a key (32 lowercase hex characters)`,
    );
    for (const bad of [undefined, () => 1, Symbol('k')]) {
      const e = await expectError(s.load(Thing, bad as unknown as string), 'INVALID_ARGUMENT');
      expect(e.message, String(bad)).to.equal('load: undefined is not a key (32 lowercase hex characters)');
    }
    await s.close();
  });
});

/*
 * The soak test: documents through a 64 MB heap into LMDB with a moving working set of pins (see
 * test/fixtures/soak-producer.ts). CI streams 96 MB; PAGABLE_SOAK=1 streams 1 GB, PAGABLE_SOAK=N
 * N GB.
 */
import { expect } from 'chai';
import { fileURLToPath } from 'node:url';
import { runNode } from '../support/node-process.js';

const SOAK = fileURLToPath(new URL('../fixtures/soak-producer.js', import.meta.url));
const GB = Number(process.env.PAGABLE_SOAK ?? 0);
const MEGABYTES = GB > 0 ? GB * 1024 : 96;

describe('soak: bounded memory with a moving working set', function () {
  this.timeout(GB > 0 ? 3_600_000 : 120_000);

  it(`${MEGABYTES} MB of documents through a 64 MB heap into LMDB, earlier ones pinned back all along: every pin right, nothing leaked`, async () => {
    const out = await runNode(['--expose-gc', '--max-old-space-size=64', SOAK, String(MEGABYTES)], {
      timeout: GB > 0 ? 3_500_000 : 110_000,
    });
    const line = out.split('\n').find((l) => l.startsWith('result '));
    expect(line, out).to.be.a('string');
    console.log(`      ${out.split('\n')[0]}`);
    const r = JSON.parse(line!.slice('result '.length)) as Record<string, number>;
    expect(r.streamedMB).to.be.at.least(MEGABYTES);
    expect(r.pins).to.be.above(0);
    expect(r.wrong).to.equal(0);
    expect(r.failures).to.equal(0);
    expect(r.peakMB).to.be.below(64);
    expect(r.pinned).to.equal(0);
    expect(r.resident).to.equal(0);
    expect(r.readers).to.equal(0);
    expect(r.leftMB).to.be.below(4);
  });
});

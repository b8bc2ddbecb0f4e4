/*
 * The large-blob shape: a few large blobs (time series: a long array of numbers, half integers
 * and half fractions, and a long log text, mostly ASCII), one of them a content-equal copy of
 * another. Nearly all of a save's cost here is per byte, not per blob.
 *
 *   Dataset (root, tagged) -> series: @Shared Series[]
 */
import 'reflect-metadata';
import { Type, plainToInstance } from 'class-transformer';
import { Field, Pagable, type PagableStorage, Shared, TypeTag } from '../../src/index.js';
import { Prng } from '../prng.js';
import { KEY_STANDIN, type Shape, type ShapeData, type ShapeSize, distinct } from './shape.js';

@TypeTag('large.Series')
@Pagable()
export class Series {
  @Field() name!: string;
  @Field() unit!: string;
  @Field() samples!: number[];
  @Field() log!: string;
}

@TypeTag('large.Dataset')
@Pagable()
export class Dataset {
  @Field() name!: string;
  @Shared(() => [Series]) series!: Series[];
}

// class-transformer's model of the same data.
export class CtSeries {
  name!: string;
  unit!: string;
  samples!: number[];
  log!: string;
}
export class CtDataset {
  name!: string;
  @Type(() => CtSeries) series!: CtSeries[];
}

const LOG_WORDS = ['request', 'served', 'in', 'ms', 'cache', 'miss', 'hit', 'retry', 'timeout', 'ok', 'père', 'naïve', 'GET', '/api/v1'];

function series(rng: Prng, i: number, samples: number, logBytes: number): Series {
  const values = new Array<number>(samples);
  for (let k = 0; k < samples; k++) values[k] = k % 2 === 0 ? rng.int(-1000, 100_000) : rng.next() * 1000;
  const lines: string[] = [];
  let n = 0;
  while (n < logBytes) {
    const line = `${n} ${rng.pick(LOG_WORDS)} ${rng.pick(LOG_WORDS)} ${rng.int(0, 999)} ${rng.pick(LOG_WORDS)}`;
    lines.push(line);
    n += line.length + 1;
  }
  return Object.assign(new Series(), {
    name: `series-${i}`,
    unit: rng.pick(['ms', 'bytes', 'req/s']),
    samples: values,
    log: lines.join('\n'),
  });
}

function build(count: number, samples: number, logBytes: number): Dataset {
  const rng = new Prng(21, 0x1a49e);
  const list = Array.from({ length: count - 1 }, (_, i) => series(rng, i, samples, logBytes));
  const s0 = list[0]!;
  list.push(Object.assign(new Series(), { ...s0, samples: [...s0.samples], log: s0.log.slice(0, 1) + s0.log.slice(1) }));
  return Object.assign(new Dataset(), { name: 'metrics', series: list });
}

const plainSeries = (s: Series): object => ({ name: s.name, unit: s.unit, samples: s.samples, log: s.log });

/** The large-blob shape. */
export const largeBlobsShape: Shape = {
  id: 'largeBlobs',
  title: 'a few large blobs (long numeric arrays and strings)',
  bars: { saveVsFloor: 0.8, loadVsUnpack: 1.3, roundTrip: 4, lmdb: 0.7 },
  make(size: ShapeSize, _home: PagableStorage): ShapeData {
    const root = size === 'full' ? build(8, 250_000, 512 * 1024) : build(3, 5_000, 16 * 1024);
    const plain = { name: root.name, series: root.series.map(plainSeries) };
    const ct = plainToInstance(CtDataset, plain);
    let bytes = 0;
    for (const s of root.series) bytes += s.samples.length * 9 + s.log.length;
    return {
      root,
      cls: Dataset,
      pinAll: () => [],
      toPlain: (v) => ({ name: (v as Dataset).name, series: (v as Dataset).series.map(plainSeries) }),
      plain,
      pieces: () => [{ name: root.name, series: root.series.map(() => KEY_STANDIN) }, ...distinct(root.series).map(plainSeries)],
      documents: plain.series.map((s, i) => [`series/${i}`, s] as const),
      ct,
      ctClass: CtDataset,
      describe: { series: root.series.length, samplesPerSeries: root.series[0]!.samples.length, approxBytes: bytes },
    };
  },
};

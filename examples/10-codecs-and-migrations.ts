/**
 * Tutorial 10: classes you don't own, migrations and defaults.
 *
 * A `Decimal` from a money library cannot be decorated (it is not your class, and it keeps its
 * state in private fields), so `registerCodec` tells pagable how to store it: `encode` turns one
 * into plain data, `decode` builds it back. From then on it works wherever a decorated class does:
 * typed fields, arrays, Map values, plain data, blobs of its own. Its codec's name is written only
 * where the declared type does not say it is a Decimal; equal encodings give equal keys.
 *
 * Then the class that holds it changes: `total` was a string and is now a Decimal (`migrate`
 * converts what was stored), and `currency` is new (`default` fills it in blobs written before).
 * Two versions of an untagged class can live in one process (matched by their @Pagable name), so
 * this tutorial runs both in one; a real upgrade runs them apart (tutorial 5).
 *
 * Run: npm run example -- 10
 */
import { Field, InMemoryPagableStorage, Pagable, registerCodec, toPlain } from 'pagable';

// ---- a class from someone else's library: private state, no decorators ------------------------

class Decimal {
  readonly #units: bigint;
  readonly #scale: number;
  constructor(units: bigint, scale = 0) {
    // Normalized (no trailing zeros), so equal amounts have one representation: 1.50 is 1.5.
    while (scale > 0 && units % 10n === 0n) {
      units /= 10n;
      scale--;
    }
    this.#units = units;
    this.#scale = scale;
  }
  static parse(text: string): Decimal {
    const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
    if (m === null) throw new SyntaxError(`not a decimal: ${text}`);
    const frac = m[3] ?? '';
    return new Decimal(BigInt(m[1] + m[2] + frac), frac.length);
  }
  plus(o: Decimal): Decimal {
    const scale = Math.max(this.#scale, o.#scale);
    return new Decimal(this.#units * 10n ** BigInt(scale - this.#scale) + o.#units * 10n ** BigInt(scale - o.#scale), scale);
  }
  toString(): string {
    const digits = (this.#units < 0n ? -this.#units : this.#units).toString().padStart(this.#scale + 1, '0');
    const int = digits.slice(0, digits.length - this.#scale);
    return `${this.#units < 0n ? '-' : ''}${int}${this.#scale > 0 ? '.' + digits.slice(-this.#scale) : ''}`;
  }
}

// Once, where the program starts: the name is the stored form's, never the class name's.
registerCodec(Decimal, { name: 'money.Decimal', encode: (d) => d.toString(), decode: (s: string) => Decimal.parse(s) });

// ---- version 1 of an invoice, as the store was written ------------------------------------------

@Pagable({ name: 'Invoice' })
class InvoiceV1 {
  @Field() number!: string;
  @Field() total!: string;
}

// ---- version 2: `total` is a Decimal now, `currency` is new, and the lines are Decimals too -----

@Pagable({ name: 'Invoice' })
class Invoice {
  @Field() number!: string;
  // Blobs of version 1 hold a string here: convert it (instead of TYPE_MISMATCH).
  @Field({ migrate: (stored) => Decimal.parse(stored as string) }) total!: Decimal;
  // Blobs of version 1 have no currency: constructors do not run on load, so say what it is.
  @Field({ default: () => 'EUR' }) currency!: string;
  @Field(() => [Decimal], { default: () => [] }) lines!: Decimal[];
  @Field() notes!: Record<string, unknown>;
}

async function main(): Promise<void> {
  const storage = new InMemoryPagableStorage();

  const old = await storage.save(Object.assign(new InvoiceV1(), { number: 'A-1', total: '12.50' }));
  const migrated = await storage.load(Invoice, old);
  console.log(`version 1 blob read as version 2: total ${migrated.total.toString()} (a Decimal: ${migrated.total instanceof Decimal}), currency ${migrated.currency}, lines ${migrated.lines.length}`);

  const lines = [Decimal.parse('10.00'), Decimal.parse('2.5')];
  const invoice = Object.assign(new Invoice(), {
    number: 'A-2',
    total: lines[0]!.plus(lines[1]!),
    currency: 'USD',
    lines,
    // Plain data may hold Decimals too: there the name says what they are.
    notes: { discount: Decimal.parse('0.10'), by: 'ana' },
  });
  const back = await storage.load(Invoice, await storage.save(invoice));
  console.log(`round trip: total ${back.total.toString()}, lines ${back.lines.join(' + ')}, discount ${String(back.notes.discount)} (a Decimal: ${back.notes.discount instanceof Decimal})`);

  // Equal amounts, equal keys: 12.50 and 12.5 encode alike, so a blob of either is stored once.
  const a = await storage.save(Decimal.parse('12.50'));
  const b = await storage.save(Decimal.parse('12.5'));
  console.log(`12.50 and 12.5 stored under one key: ${a === b}`);

  // As JSON, for debugging: where the field says Decimal, and in plain data.
  const plain = toPlain(invoice);
  console.log(`as plain data: ${JSON.stringify(plain.blobs[plain.root])}`);
  await storage.close();
  console.log('ok');
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});

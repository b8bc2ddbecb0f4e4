/*
 * The catalog shape: wide records inline in a few large blobs. A product catalog of ~25k products
 * in pages of 250, each product a class instance of 14 fields written inline in its page's blob:
 * a `Map` of prices per region, a `Set` of tags, a free-form record of attributes, an inline
 * class (its dimensions), a `Date`, an optional note (absent on most), a shared supplier, and for
 * one product in ten a lazy price history. Where the other shapes cost per blob or per byte,
 * this one costs per field of per object: the class walk and the Map/Set/record paths.
 *
 *   Catalog (root, tagged)
 *     suppliers: @Shared Supplier[]   one blob per supplier, shared by identity by products
 *     pages: @Shared CatalogPage[]    one blob per page (a tenth are content-equal copies)
 *       products: Product[]           inline, each with its dimensions inline
 *         supplier: @Shared Supplier
 *         history: @Lazy PriceHistory a blob of two numeric arrays, paged in on pin
 */
import 'reflect-metadata';
import { Type, plainToInstance } from 'class-transformer';
import { Field, Lazy, Pagable, PagableArc, type PagableStorage, Shared, TypeTag } from '../../src/index.js';
import { Prng } from '../prng.js';
import { KEY_STANDIN, type Shape, type ShapeData, type ShapeSize, distinct, peek } from './shape.js';

@Pagable()
export class Dimensions {
  @Field() w!: number;
  @Field() h!: number;
  @Field() d!: number;
  @Field() unit!: string;
}

@TypeTag('catalog.Supplier')
@Pagable()
export class Supplier {
  @Field() id!: number;
  @Field() name!: string;
  @Field() country!: string;
  @Field() rating!: number;
}

@TypeTag('catalog.PriceHistory')
@Pagable()
export class PriceHistory {
  @Field() at!: number[];
  @Field() price!: number[];
}

@Pagable()
export class Product {
  @Field() sku!: string;
  @Field() title!: string;
  @Field() price!: number;
  @Field() stock!: number;
  @Field() active!: boolean;
  @Field() created!: Date;
  @Field(() => Dimensions) dims!: Dimensions;
  @Field() prices!: Map<string, number>;
  @Field() tags!: Set<string>;
  @Field() attrs!: Record<string, string>;
  @Field() note?: string;
  @Shared(() => Supplier) supplier!: Supplier;
  @Lazy(() => PriceHistory) history?: PagableArc<PriceHistory>;
}

@Pagable()
export class CatalogPage {
  @Field() first!: number;
  @Field(() => [Product]) products!: Product[];
}

@TypeTag('catalog.Catalog')
@Pagable()
export class Catalog {
  @Field() name!: string;
  @Shared(() => [Supplier]) suppliers!: Supplier[];
  @Shared(() => [CatalogPage]) pages!: CatalogPage[];
}

// class-transformer's model of the same data, as a JSON user writes it: prices and attributes
// as records, tags as an array, the supplier by id, the history inline.
export class CtDimensions {
  w!: number;
  h!: number;
  d!: number;
  unit!: string;
}
export class CtSupplier {
  id!: number;
  name!: string;
  country!: string;
  rating!: number;
}
export class CtPriceHistory {
  at!: number[];
  price!: number[];
}
export class CtProduct {
  sku!: string;
  title!: string;
  price!: number;
  stock!: number;
  active!: boolean;
  @Type(() => Date) created!: Date;
  @Type(() => CtDimensions) dims!: CtDimensions;
  prices!: Record<string, number>;
  tags!: string[];
  attrs!: Record<string, string>;
  note?: string;
  supplier!: number;
  @Type(() => CtPriceHistory) history?: CtPriceHistory;
}
export class CtCatalogPage {
  first!: number;
  @Type(() => CtProduct) products!: CtProduct[];
}
export class CtCatalog {
  name!: string;
  @Type(() => CtSupplier) suppliers!: CtSupplier[];
  @Type(() => CtCatalogPage) pages!: CtCatalogPage[];
}

const REGIONS = ['eu', 'us', 'uk', 'jp', 'br', 'in', 'au', 'ca'];
const TAGS = ['new', 'sale', 'eco', 'bulk', 'fragile', 'gift', 'imported', 'refurb', 'limited', 'kids'];
const ATTRS = ['color', 'material', 'finish', 'size', 'voltage', 'origin', 'warranty'];
const VALUES = ['red', 'steel', 'oak', 'matte', 'XL', '230V', 'Portugal', '2 years', 'naïve blue', 'glossy'];
const WORDS = 'compact sturdy deluxe mini pro classic smart eco travel kitchen garden office lamp chair kettle drill'.split(' ');
const EPOCH = Date.UTC(2021, 0, 1);
const PAGE = 250;

function product(rng: Prng, i: number, suppliers: readonly Supplier[], home: PagableStorage): Product {
  const base = Math.round(rng.next() * 50_000) / 100;
  const prices = new Map<string, number>();
  for (const r of REGIONS) if (rng.chance(0.6)) prices.set(r, Math.round(base * (0.8 + rng.next() * 0.4) * 100) / 100);
  const tags = new Set<string>();
  for (let k = rng.int(0, 4); k > 0; k--) tags.add(rng.pick(TAGS));
  const attrs: Record<string, string> = {};
  for (let k = rng.int(1, 4); k > 0; k--) attrs[rng.pick(ATTRS)] = rng.pick(VALUES);
  const p = Object.assign(new Product(), {
    sku: `SKU-${rng.hex(8)}`,
    title: `${rng.pick(WORDS)} ${rng.pick(WORDS)} ${i}`,
    price: base,
    stock: rng.int(0, 5000),
    active: rng.chance(0.9),
    created: new Date(EPOCH + rng.int(0, 1e9) * 60),
    dims: Object.assign(new Dimensions(), { w: rng.int(1, 200), h: rng.int(1, 200), d: rng.next() * 100, unit: 'cm' }),
    prices,
    tags,
    attrs,
    supplier: rng.pick(suppliers),
  });
  if (rng.chance(0.2)) p.note = `${rng.pick(WORDS)} ${rng.pick(WORDS)}`;
  if (rng.chance(0.1)) {
    const n = rng.int(8, 40);
    const history = Object.assign(new PriceHistory(), {
      at: Array.from({ length: n }, (_, k) => EPOCH / 1000 + k * 86_400),
      price: Array.from({ length: n }, () => Math.round(base * (0.7 + rng.next() * 0.6) * 100) / 100),
    });
    p.history = PagableArc.new(history, home);
  }
  return p;
}

/** A content-equal copy of a page: new objects all the way down (suppliers stay shared). */
function copyPage(page: CatalogPage, home: PagableStorage): CatalogPage {
  return Object.assign(new CatalogPage(), {
    first: page.first,
    products: page.products.map((p) => {
      const c = Object.assign(new Product(), {
        ...p,
        created: new Date(p.created.getTime()),
        dims: Object.assign(new Dimensions(), p.dims),
        prices: new Map(p.prices),
        tags: new Set(p.tags),
        attrs: { ...p.attrs },
      });
      if (p.history !== undefined) {
        const h = peek(p.history);
        c.history = PagableArc.new(Object.assign(new PriceHistory(), { at: [...h.at], price: [...h.price] }), home);
      }
      return c;
    }),
  });
}

function build(n: number, home: PagableStorage): Catalog {
  const rng = new Prng(21, 0xca7a);
  const suppliers = Array.from({ length: 200 }, (_, id) =>
    Object.assign(new Supplier(), { id, name: `${rng.pick(WORDS)} supply ${id}`, country: rng.pick(REGIONS), rating: rng.int(1, 5) }),
  );
  const pages: CatalogPage[] = [];
  for (let first = 0; first < n; first += PAGE) {
    if (pages.length > 2 && rng.chance(0.1)) {
      pages.push(copyPage(pages[rng.int(0, pages.length - 1)]!, home));
      continue;
    }
    const products = Array.from({ length: Math.min(PAGE, n - first) }, (_, k) => product(rng, first + k, suppliers, home));
    pages.push(Object.assign(new CatalogPage(), { first, products }));
  }
  return Object.assign(new Catalog(), { name: 'catalog', suppliers, pages });
}

// ---- the other forms ----

const plainSupplier = (s: Supplier): object => ({ id: s.id, name: s.name, country: s.country, rating: s.rating });
const plainHistory = (h: PriceHistory): object => ({ at: h.at, price: h.price });

/** A product as plain data; `supplier` and `history` as the caller says (ids, keys or values). */
function plainProduct(p: Product, supplier: unknown, history: unknown): object {
  const o: Record<string, unknown> = {
    sku: p.sku,
    title: p.title,
    price: p.price,
    stock: p.stock,
    active: p.active,
    created: p.created,
    dims: { w: p.dims.w, h: p.dims.h, d: p.dims.d, unit: p.dims.unit },
    prices: Object.fromEntries(p.prices),
    tags: [...p.tags],
    attrs: p.attrs,
  };
  if (p.note !== undefined) o.note = p.note;
  o.supplier = supplier;
  if (history !== undefined) o.history = history;
  return o;
}

function toPlain(c: Catalog): object {
  return {
    name: c.name,
    suppliers: c.suppliers.map(plainSupplier),
    pages: c.pages.map((pg) => ({
      first: pg.first,
      products: pg.products.map((p) => plainProduct(p, p.supplier.id, p.history === undefined ? undefined : plainHistory(peek(p.history)))),
    })),
  };
}

function pieces(c: Catalog): unknown[] {
  const out: unknown[] = [{ name: c.name, suppliers: c.suppliers.map(() => KEY_STANDIN), pages: c.pages.map(() => KEY_STANDIN) }];
  for (const s of c.suppliers) out.push(plainSupplier(s));
  for (const pg of distinct(c.pages)) {
    out.push({
      first: pg.first,
      products: pg.products.map((p) => plainProduct(p, KEY_STANDIN, p.history === undefined ? undefined : KEY_STANDIN)),
    });
    for (const p of pg.products) if (p.history !== undefined) out.push(plainHistory(peek(p.history)));
  }
  return out;
}

/** The catalog shape. */
export const catalogShape: Shape = {
  id: 'catalog',
  title: 'catalog: wide records with Maps, Sets and records, inline in large pages',
  bars: { saveVsFloor: 0.8, loadVsUnpack: 1.3, roundTrip: 4, lmdb: 0.7 },
  make(size: ShapeSize, home: PagableStorage): ShapeData {
    const n = size === 'full' ? 25_000 : 750;
    const root = build(n, home);
    const plain = toPlain(root) as { suppliers: unknown[]; pages: Array<{ first: number; products: unknown[] }> };
    const ct = plainToInstance(CtCatalog, plain);
    const documents: Array<readonly [string, unknown]> = plain.suppliers.map((s, i) => [`supplier/${i}`, s] as const);
    for (const pg of plain.pages) documents.push([`page/${pg.first}`, pg]);
    return {
      root,
      cls: Catalog,
      pinAll: (loaded) => {
        const pins: unknown[] = [];
        for (const pg of distinct((loaded as Catalog).pages))
          for (const p of pg.products) if (p.history !== undefined) pins.push(p.history.pinSync());
        return pins;
      },
      toPlain: (v) => toPlain(v as Catalog),
      plain,
      pieces: () => pieces(root),
      documents,
      ct,
      ctClass: CtCatalog,
      describe: { products: n, pages: root.pages.length, distinctPages: distinct(root.pages).length, suppliers: root.suppliers.length },
    };
  },
};

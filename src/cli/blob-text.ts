import { C1, ESC_CLASS, Esc } from '../codec/wire.js';
import { escapeControls } from './escape.js';
import { type BlobView, ChildView, CodecView, InstanceView, MAX_DEPTH, MAX_NODES, typedValues } from '../view/blob-view.js';

/*
 * The terminal form of a blob view (`pagable show` without --json). Only the CLI prints it, so it
 * lives apart from the view itself, which the explorer also consumes through its JSON form.
 */

/** Limits on how much of one string or byte array the text shows. */
const MAX_STRING = 2_000;
const MAX_BYTES_SHOWN = 32;

// ---- documents: a value laid out as text -------------------------------------------------------

/** Text to lay out: an atom, or a bracketed group of (optionally labelled) items. */
type Doc = string | { open: string; items: Array<{ label: string; doc: Doc }>; close: string };

class Budget {
  nodes = 0;
}

function escapeKindName(kind: unknown): string {
  return typeof kind === 'number' ? `escape ${kind}` : 'escape ?';
}

function str(s: string): string {
  return JSON.stringify(s.length > MAX_STRING ? s.slice(0, MAX_STRING) : s) + (s.length > MAX_STRING ? `…(${s.length} chars)` : '');
}

function hex(b: Uint8Array): string {
  const shown = Array.from(b.subarray(0, MAX_BYTES_SHOWN), (x) => x.toString(16).padStart(2, '0')).join(' ');
  return `<${b.length} bytes${b.length > 0 ? ': ' + shown : ''}${b.length > MAX_BYTES_SHOWN ? ' …' : ''}>`;
}

function toDoc(v: unknown, depth: number, budget: Budget): Doc {
  if (++budget.nodes > MAX_NODES) return '…';
  switch (typeof v) {
    case 'undefined':
      return 'undefined';
    case 'boolean':
      return String(v);
    case 'number':
      return Object.is(v, -0) ? '-0' : String(v);
    case 'bigint':
      return `${v}n`;
    case 'string':
      return str(v);
    default:
      break;
  }
  if (v === null) return 'null';
  if (v === C1) return '<C1>';
  if (v instanceof ChildView) return `<child ${v.index}: ${v.key === undefined ? 'missing' : v.key.slice(0, 8) + '…'}>`;
  if (depth >= MAX_DEPTH) return '…';
  const d = depth + 1;
  if (v instanceof CodecView) return { open: `${v.name}(`, items: [{ label: '', doc: toDoc(v.value, d, budget) }], close: ')' };
  if (v instanceof InstanceView)
    return { open: `${v.cls} {`, items: v.fields.map(([k, x]) => ({ label: `${k}: `, doc: toDoc(x, d, budget) })), close: '}' };
  if (v instanceof Uint8Array) return hex(v);
  if (v instanceof Date) return `Date(${Number.isNaN(v.getTime()) ? 'Invalid' : v.toISOString()})`;
  if (v instanceof Map) {
    return {
      open: '{',
      items: [...v].map(([k, x]) => ({ label: `${flat(toDoc(k, d, budget))}: `, doc: toDoc(x, d, budget) })),
      close: '}',
    };
  }
  if (Array.isArray(v)) {
    if (v[0] !== C1) return { open: '[', items: v.map((x) => ({ label: '', doc: toDoc(x, d, budget) })), close: ']' };
    const kind = v[1];
    switch (kind) {
      case Esc.Instance:
        return {
          open: `${typeof v[2] === 'string' ? v[2] : '<bad tag>'} {`,
          items: v.slice(3).map((x, i) => ({ label: `#${i}: `, doc: toDoc(x, d, budget) })),
          close: '}',
        };
      case Esc.Map: {
        const items: Array<{ label: string; doc: Doc }> = [];
        for (let i = 2; i + 1 < v.length; i += 2)
          items.push({ label: `${flat(toDoc(v[i], d, budget))} => `, doc: toDoc(v[i + 1], d, budget) });
        return { open: 'Map {', items, close: '}' };
      }
      case Esc.Set:
        return { open: 'Set {', items: v.slice(2).map((x) => ({ label: '', doc: toDoc(x, d, budget) })), close: '}' };
      case Esc.NegZero:
        return '-0';
      case Esc.BigInt:
        return typeof v[2] === 'string' ? `${v[2].slice(0, MAX_STRING)}n` : '<bad bigint>';
      case Esc.Object: {
        const items: Array<{ label: string; doc: Doc }> = [];
        for (let i = 2; i + 1 < v.length; i += 2)
          items.push({ label: `${flat(toDoc(v[i], d, budget))}: `, doc: toDoc(v[i + 1], d, budget) });
        return { open: '{', items, close: '}' };
      }
      case Esc.Typed: {
        const t = typedValues(v[2], v[3]);
        if (t === undefined) return '<bad typed array>';
        return { open: `${t.name} [`, items: t.values.map((x) => ({ label: '', doc: toDoc(x, d, budget) })), close: ']' };
      }
      default:
        if (typeof kind === 'number' && kind >= ESC_CLASS) {
          return {
            open: `<class #${kind - ESC_CLASS}> {`,
            items: v.slice(2).map((x, i) => ({ label: `#${i}: `, doc: toDoc(x, d, budget) })),
            close: '}',
          };
        }
        return { open: `<${escapeKindName(kind)}> [`, items: v.slice(2).map((x) => ({ label: '', doc: toDoc(x, d, budget) })), close: ']' };
    }
  }
  // Something msgpackr decodes natively that pagable never writes (an extension type).
  const name = (v as object).constructor?.name ?? 'object';
  return `<${name}>`;
}

const WIDTH = 100;

/** The one-line form of a document (no budget: used for short map keys and the fits test). */
function flat(doc: Doc): string {
  if (typeof doc === 'string') return doc;
  if (doc.items.length === 0) return `${doc.open}${doc.close}`;
  const inner = doc.items.map((it) => it.label + flat(it.doc)).join(', ');
  return `${doc.open} ${inner} ${doc.close}`;
}

/** Length of the one-line form, giving up once it exceeds `max`. */
function flatLength(doc: Doc, max: number): number {
  if (typeof doc === 'string') return doc.length;
  let n = doc.open.length + doc.close.length + 2;
  for (const it of doc.items) {
    n += it.label.length + 2 + flatLength(it.doc, max - n);
    if (n > max) return n;
  }
  return n;
}

function layout(doc: Doc, indent: number, out: string[], prefix: string): void {
  const pad = ' '.repeat(indent);
  if (typeof doc === 'string' || flatLength(doc, WIDTH) + indent + prefix.length <= WIDTH) {
    out.push(pad + prefix + flat(doc));
    return;
  }
  out.push(pad + prefix + doc.open);
  for (const it of doc.items) {
    layout(it.doc, indent + 2, out, it.label);
    out[out.length - 1] += ',';
  }
  out.push(pad + doc.close);
}

/** The view as readable text: a header, the child keys, the body laid out to about 100 columns. */
export function renderBlobText(view: BlobView, roots: readonly string[]): string {
  const lines: string[] = [];
  lines.push(`key       ${view.key}`);
  lines.push(`bytes     ${view.bytes}`);
  lines.push(`format    ${view.format}`);
  lines.push(`tag       ${view.tag === undefined ? '(none)' : view.tag}`);
  if (view.className !== undefined) lines.push(`class     ${view.className}`);
  const sc = view.schema;
  if (sc !== undefined) {
    const what =
      sc.classes === undefined
        ? `unreadable: ${sc.problem ?? ''}`
        : `${sc.classes.length} class${sc.classes.length === 1 ? '' : 'es'}: ${sc.classes.map((c) => c.tag ?? c.name).join(', ')}`;
    lines.push(`schema    ${sc.key} (${what})`);
  }
  if (roots.length > 0) lines.push(`roots     ${roots.join(', ')}`);
  lines.push(`children  ${view.children.length}`);
  view.children.forEach((k, i) => lines.push(`  ${String(i).padStart(String(view.children.length - 1).length)}  ${k}`));
  lines.push(view.format === 'data' || view.format === 'schemaless' ? 'body' : 'classes');
  const budget = new Budget();
  let doc = toDoc(view.body, 0, budget);
  if (view.tag !== undefined && typeof doc !== 'string' && doc.open === '[') {
    // A tagged body is the class's fields in declaration order: label them by position.
    doc = { open: `${view.tag} {`, items: doc.items.map((it, i) => ({ label: `#${i}: `, doc: it.doc })), close: '}' };
  }
  layout(doc, 2, lines, '');
  if (budget.nodes > MAX_NODES) lines.push(`  (shortened: more than ${MAX_NODES} values)`);
  // Names, tags and keys of maps come from the store: each line is escaped whole, so a line feed
  // in one is shown too, not taken as the end of a line.
  return lines.map((l) => escapeControls(l)).join('\n');
}

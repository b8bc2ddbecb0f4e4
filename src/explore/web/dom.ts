/** Building page elements: text always goes through textContent, never HTML, so blob contents cannot inject markup. */

type Child = Node | string | null | undefined | false;

/** `<tag class=... attrs...>children</tag>`. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | undefined> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) e.setAttribute(k, v);
  for (const c of children) if (c !== null && c !== undefined && c !== false) e.append(c);
  return e;
}

/** A link to a view of the page (`#/blob/KEY`, `#/class/LABEL`). */
export function route(kind: 'blob' | 'class', arg: string): string {
  return `#/${kind}/${encodeURIComponent(arg)}`;
}

/** The element with this id; throws when the page lacks it (a bug in index.html). */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (e === null) throw new Error(`the page has no #${id}`);
  return e as T;
}

/** The children worth appending: `null`, `undefined` and `false` (left out by a condition) dropped. */
export function kids(...children: Child[]): Array<Node | string> {
  return children.filter((c): c is Node | string => c !== null && c !== undefined && c !== false);
}

/** Numbers and sizes as the page prints them. */

/** `1234567` as `1.18 MiB`. */
export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = n;
  let u = -1;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(v < 10 ? 2 : v < 100 ? 1 : 0)} ${units[u]}`;
}

/** `1234567` as `1,234,567`. */
export function count(n: number): string {
  return n.toLocaleString('en-US');
}

/** The first characters of a key, enough to tell keys apart on screen. */
export function shortKey(key: string): string {
  return key.slice(0, 10);
}

/** `3.14159` as `3.1×`. */
export function ratio(r: number): string {
  return Number.isFinite(r) ? `${r < 10 ? r.toFixed(2) : r < 1000 ? r.toFixed(1) : count(Math.round(r))}×` : '∞';
}

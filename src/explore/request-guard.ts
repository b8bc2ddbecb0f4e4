import { BlockList, isIP } from 'node:net';

/*
 * Which requests the explorer answers. It serves a store to the browser on this machine, and any
 * web page that browser opens can make it send requests here:
 * - reads (GET) from a page elsewhere cannot see the answers (the same-origin policy), unless the
 *   page's own name resolves here (DNS rebinding): then the request names that page's host in
 *   its Host header. So on a loopback bind the Host must be a loopback name: `localhost` or a
 *   loopback IP literal however spelled (127.0.0.0/8 in any IPv4 form, ::1, ::ffff:127.x.y.z).
 * - a state-changing request (POST) needs no answer to do harm, and an HTML form on a page
 *   elsewhere can send one: it must carry a header such a form cannot set (a script elsewhere
 *   cannot either without a CORS preflight, which is never granted here) and the browser's Origin
 *   must be this very host.
 */

/** The header the explorer's page sends with every state-changing request. */
export const PROOF_HEADER = 'x-pagable-explore';

const loopback = new BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');
loopback.addSubnet('::ffff:127.0.0.0', 104, 'ipv6');

/** True for a loopback IP address (any IPv4 in 127.0.0.0/8, ::1, an IPv4-mapped 127.x.y.z). */
export function isLoopbackAddress(address: string): boolean {
  const v = isIP(address);
  return v !== 0 && loopback.check(address, v === 4 ? 'ipv4' : 'ipv6');
}

/**
 * True when the Host header `host` names this machine's loopback on `port`: `localhost` or a
 * loopback IP literal in any spelling a URL parser accepts (`127.1`, `2130706433`, `[::1]`,
 * `[::ffff:127.0.0.1]`), and no user info or path.
 */
export function isLoopbackHost(host: string, port: number): boolean {
  if (!/^[a-z0-9.:[\]-]+$/i.test(host)) return false;
  let url: URL;
  try {
    url = new URL(`http://${host}`);
  } catch {
    return false;
  }
  if ((url.port === '' ? 80 : Number(url.port)) !== port) return false;
  const name = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return name === 'localhost' || isLoopbackAddress(name);
}

/** Why a state-changing request is refused, or undefined when it comes from the explorer's own page. */
export function foreignRequest(headers: Readonly<Record<string, string | string[] | undefined>>): string | undefined {
  if (headers[PROOF_HEADER] !== '1') return `a state-changing request needs the ${PROOF_HEADER} header the explorer's page sends`;
  const origin = headers.origin;
  const host = headers.host;
  if (typeof origin !== 'string' || typeof host !== 'string') return 'a state-changing request needs the Origin of the explorer page';
  if (origin.toLowerCase() !== `http://${host.toLowerCase()}`) return `a request from ${origin} is not from the explorer's page`;
  return undefined;
}

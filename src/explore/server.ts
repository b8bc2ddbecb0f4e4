import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PagableError } from '../error.js';
import { handleApi } from './api.js';
import { type ExploreSource, Explorer } from './explorer.js';
import { foreignRequest, isLoopbackAddress, isLoopbackHost } from './request-guard.js';

/** Where `pagable explore` listens unless told: loopback, this port (or any free one if taken). */
export const DEFAULT_HOST = '127.0.0.1';
export const DEFAULT_PORT = 4800;

/** Options of `startExploreServer`. */
export interface ExploreServerOptions {
  /** Interface to bind; default 127.0.0.1 (this machine only). */
  host?: string;
  /** Port; 0 for any free one. Default DEFAULT_PORT, or a free port when that one is taken. */
  port?: number;
  /** The built page (index.html, app.js, app.css); default the `static/` folder beside this module. */
  staticDir?: string;
}

/** A running explorer. */
export interface ExploreServer {
  /** The page's address, e.g. http://127.0.0.1:4800/ */
  readonly url: string;
  readonly explorer: Explorer;
  /** False when it listens on an address other machines may reach (0.0.0.0, ::, a LAN address). */
  readonly loopback: boolean;
  /** Stops listening, drops open connections and abandons the scan (the store stays open). */
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.map': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

/** Same-origin only: the page's own script, styles d3 sets on elements, and the API. */
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

/** The built page's files, read once at start (a few hundred kilobytes). */
function loadStatic(dir: string): Map<string, Buffer> {
  if (!existsSync(join(dir, 'index.html'))) {
    throw new PagableError('NOT_FOUND', `the explorer page is not built (no ${join(dir, 'index.html')}); run npm run build`);
  }
  const files = new Map<string, Buffer>();
  for (const name of readdirSync(dir)) if (TYPES[extname(name)] !== undefined) files.set('/' + name, readFileSync(join(dir, name)));
  return files;
}

function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/**
 * Serves the explorer page and its JSON API over `source`, and starts the background scan.
 * Bound to loopback by default; on loopback, requests naming another Host are refused (a web page
 * elsewhere cannot reach the API through DNS rebinding). GET only, but for `POST /api/rescan`,
 * which only the explorer's own page may send (request-guard.ts).
 */
export async function startExploreServer(source: ExploreSource, options: ExploreServerOptions = {}): Promise<ExploreServer> {
  // `[::1]` as in a URL is the address ::1.
  const host = (options.host ?? DEFAULT_HOST).replace(/^\[(.*)\]$/, '$1');
  const files = loadStatic(options.staticDir ?? fileURLToPath(new URL('./static/', import.meta.url)));
  const explorer = new Explorer(source);
  /** The port, once listening, when the bound address is loopback: then only loopback Host names are served. */
  let loopbackPort: number | undefined;

  const send = (res: ServerResponse, status: number, type: string, body: string | Buffer): void => {
    res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), ...SECURITY_HEADERS });
    res.end(body);
  };
  const sendJson = (res: ServerResponse, status: number, body: unknown): void =>
    send(res, status, 'application/json; charset=utf-8', JSON.stringify(body));

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (loopbackPort !== undefined && !isLoopbackHost(req.headers.host ?? '', loopbackPort)) {
      return sendJson(res, 421, { error: `this explorer answers to localhost:${loopbackPort} only`, code: 'INVALID_ARGUMENT' });
    }
    const url = new URL(req.url ?? '/', 'http://explorer.invalid');
    const method = req.method ?? 'GET';
    if (url.pathname.startsWith('/api/')) {
      if (method !== 'GET' && method !== 'HEAD' && method !== 'POST')
        return sendJson(res, 405, { error: `${method}: the explorer is read-only`, code: 'INVALID_ARGUMENT' });
      const foreign = method === 'POST' ? foreignRequest(req.headers) : undefined;
      if (foreign !== undefined) return sendJson(res, 403, { error: foreign, code: 'INVALID_ARGUMENT' });
      const r = await handleApi(explorer, method === 'HEAD' ? 'GET' : method, url);
      return sendJson(res, r.status, r.body);
    }
    if (method !== 'GET' && method !== 'HEAD')
      return sendJson(res, 405, { error: `${method}: the explorer is read-only`, code: 'INVALID_ARGUMENT' });
    const file = files.get(url.pathname === '/' ? '/index.html' : url.pathname);
    if (file === undefined) return send(res, 404, 'text/plain; charset=utf-8', 'not found\n');
    send(res, 200, TYPES[extname(url.pathname === '/' ? 'index.html' : url.pathname)]!, file);
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: e instanceof Error ? e.message : String(e), code: 'INTERNAL' });
      else res.destroy();
    });
  });
  const listen = (port: number): Promise<void> =>
    new Promise((resolve, reject) => {
      const onError = (e: Error): void => {
        server.off('listening', onListening);
        reject(e);
      };
      const onListening = (): void => {
        server.off('error', onError);
        resolve();
      };
      server.once('error', onError);
      server.once('listening', onListening);
      server.listen(port, host);
    });
  try {
    await listen(options.port ?? DEFAULT_PORT);
  } catch (e) {
    if (options.port === undefined && (e as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      await listen(0).catch((e2: unknown) => {
        throw toListenError(e2, host);
      });
    } else {
      throw toListenError(e, host, options.port);
    }
  }
  const { port, address } = server.address() as AddressInfo;
  const loopback = isLoopbackAddress(address);
  if (loopback) loopbackPort = port;
  explorer.rescan();
  return {
    url: `http://${urlHost(host)}:${port}/`,
    explorer,
    loopback,
    close: async () => {
      explorer.close();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

function toListenError(e: unknown, host: string, port?: number): PagableError {
  const code = (e as NodeJS.ErrnoException).code;
  const where = `${host}:${port ?? 0}`;
  const detail = code === 'EADDRINUSE' ? 'the port is in use (choose another with --port)' : e instanceof Error ? e.message : String(e);
  return new PagableError('IO', `cannot listen on ${where}: ${detail}`, { cause: e });
}

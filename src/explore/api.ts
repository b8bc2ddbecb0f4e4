import { PagableError } from '../error.js';
import type { Explorer } from './explorer.js';

/** Largest neighbourhood the API draws: levels each way, and nodes. */
export const MAX_LEVELS = 8;
export const MAX_NODES = 1000;

/** An API answer: a status and a JSON body. */
export interface ApiResponse {
  status: number;
  body: unknown;
}

function intParam(params: URLSearchParams, name: string, fallback: number, min: number, max: number): number {
  const raw = params.get(name);
  if (raw === null || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n))
    throw new PagableError('INVALID_ARGUMENT', `?${name}= takes an integer, not ${JSON.stringify(raw.slice(0, 40))}`);
  return Math.max(min, Math.min(max, n));
}

/** The one path segment after `prefix`, decoded; INVALID_ARGUMENT when it does not decode. */
function segment(path: string, prefix: string): string {
  try {
    return decodeURIComponent(path.slice(prefix.length));
  } catch (e) {
    throw new PagableError('INVALID_ARGUMENT', `malformed path ${JSON.stringify(path.slice(0, 100))}`, { cause: e });
  }
}

/**
 * The JSON API (every route is read-only; `POST /api/rescan` only re-reads the store):
 *
 *   GET  /api/summary                     store name, scan progress, totals, verify, gc dry run
 *   GET  /api/progress                    the scan's progress alone (polled while it runs)
 *   GET  /api/roots                       roots, each with its class and what it reaches
 *   GET  /api/treemap?by=class|root       stored bytes by class, or by root then class
 *   GET  /api/blob/KEY                    one blob (KEY: key, unique prefix or root name)
 *   GET  /api/raw/KEY                     one blob in the CLI's `show --json` form
 *   GET  /api/referrers/KEY?offset=&limit=   the blobs that refer to KEY, a page at a time
 *   GET  /api/graph/KEY?down=&up=&nodes=  the bounded neighbourhood of KEY
 *   GET  /api/search?q=&limit=            keys by prefix, classes by name, roots by name
 *   GET  /api/class/LABEL?offset=&limit=  the blobs of one class, a page at a time
 *   POST /api/rescan                      start the scan again (to see what changed)
 *
 * Errors are `{ error, code }` with 404 (NOT_FOUND), 400 (INVALID_ARGUMENT) or 500. Lists the
 * scan has not built yet are `null` (the page shows the scan's progress meanwhile).
 */
export async function handleApi(explorer: Explorer, method: string, url: URL): Promise<ApiResponse> {
  try {
    return { status: 200, body: await route(explorer, method, url) };
  } catch (e) {
    if (PagableError.is(e)) {
      const status = e.code === 'NOT_FOUND' ? 404 : e.code === 'INVALID_ARGUMENT' ? 400 : e.code === 'STORAGE_CLOSED' ? 503 : 500;
      return { status, body: { error: e.message, code: e.code } };
    }
    return { status: 500, body: { error: e instanceof Error ? e.message : String(e), code: 'INTERNAL' } };
  }
}

async function route(ex: Explorer, method: string, url: URL): Promise<unknown> {
  const path = url.pathname;
  const q = url.searchParams;
  if (method === 'POST') {
    if (path === '/api/rescan') return ex.rescan();
    throw new PagableError('INVALID_ARGUMENT', `POST ${path}: the explorer is read-only (only /api/rescan takes POST)`);
  }
  if (path === '/api/summary') return ex.summary();
  if (path === '/api/progress') return ex.progress();
  if (path === '/api/roots') return ex.roots();
  if (path === '/api/treemap') {
    const by = q.get('by') ?? 'class';
    if (by !== 'class' && by !== 'root')
      throw new PagableError('INVALID_ARGUMENT', `?by= takes class or root, not ${JSON.stringify(by.slice(0, 40))}`);
    return ex.treemap(by);
  }
  if (path.startsWith('/api/blob/')) return ex.blob(segment(path, '/api/blob/'));
  if (path.startsWith('/api/raw/')) return ex.blobJson(segment(path, '/api/raw/'));
  if (path.startsWith('/api/referrers/')) {
    return ex.referrers(
      segment(path, '/api/referrers/'),
      intParam(q, 'offset', 0, 0, Number.MAX_SAFE_INTEGER),
      intParam(q, 'limit', 50, 1, 500),
    );
  }
  if (path.startsWith('/api/graph/')) {
    return ex.neighbourhood(segment(path, '/api/graph/'), {
      down: intParam(q, 'down', 2, 0, MAX_LEVELS),
      up: intParam(q, 'up', 1, 0, MAX_LEVELS),
      nodes: intParam(q, 'nodes', 150, 1, MAX_NODES),
    });
  }
  if (path === '/api/search') return ex.search(q.get('q') ?? '', intParam(q, 'limit', 50, 1, 500));
  if (path.startsWith('/api/class/')) {
    return ex.classBlobs(
      segment(path, '/api/class/'),
      intParam(q, 'offset', 0, 0, Number.MAX_SAFE_INTEGER),
      intParam(q, 'limit', 100, 1, 500),
    );
  }
  throw new PagableError('NOT_FOUND', `no API route ${path}`);
}

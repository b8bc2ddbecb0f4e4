/** The page's calls to the explorer's JSON API (src/explore/api.ts), typed by the server's own types. */
import type { BlobRef, Page } from '../blob-ref.js';
import type { BlobDetail, Summary } from '../explorer.js';
import type { Neighbourhood } from '../neighbourhood.js';
import type { ScanProgress } from '../scan.js';
import type { TreemapNode } from '../treemap.js';

export type { BlobDetail, BlobRef, Neighbourhood, Page, ScanProgress, Summary, TreemapNode };

/** A root as /api/roots lists it. */
export interface RootInfo {
  name: string;
  key: string;
  label: string | null;
  reach: { blobs: number; bytes: number } | null;
}

/** What /api/search answers; null parts until the scan is done. */
export interface SearchResult {
  keys: BlobRef[] | null;
  classes: Array<{ label: string; blobs: number; bytes: number }> | null;
  roots: Array<{ name: string; key: string }>;
}

/** An error the API answered with. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

async function get<T>(path: string): Promise<T> {
  const res = await fetch(path, { headers: { accept: 'application/json' } });
  const body = (await res.json()) as unknown;
  if (!res.ok) {
    const e = body as { error?: string; code?: string };
    throw new ApiError(res.status, e.error ?? `HTTP ${res.status}`, e.code ?? 'INTERNAL');
  }
  return body as T;
}

const seg = encodeURIComponent;

export const api = {
  summary: () => get<Summary>('/api/summary'),
  progress: () => get<ScanProgress>('/api/progress'),
  roots: () => get<RootInfo[]>('/api/roots'),
  treemap: (by: 'class' | 'root') => get<TreemapNode | null>(`/api/treemap?by=${by}`),
  blob: (key: string) => get<BlobDetail>(`/api/blob/${seg(key)}`),
  referrers: (key: string, offset: number, limit: number) =>
    get<Page<BlobRef> | null>(`/api/referrers/${seg(key)}?offset=${offset}&limit=${limit}`),
  graph: (key: string, down: number, up: number, nodes: number) =>
    get<Neighbourhood>(`/api/graph/${seg(key)}?down=${down}&up=${up}&nodes=${nodes}`),
  search: (q: string) => get<SearchResult>(`/api/search?q=${seg(q)}&limit=30`),
  classBlobs: (label: string, offset: number, limit: number) =>
    get<Page<BlobRef> | null>(`/api/class/${seg(label)}?offset=${offset}&limit=${limit}`),
  rescan: async (): Promise<ScanProgress> => {
    // The server takes a POST only with this header (and the page's Origin, which the browser adds): see request-guard.ts.
    const res = await fetch('/api/rescan', { method: 'POST', headers: { 'x-pagable-explore': '1' } });
    return (await res.json()) as ScanProgress;
  },
  rawUrl: (key: string) => `/api/raw/${seg(key)}`,
};

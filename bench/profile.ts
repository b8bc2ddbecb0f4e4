/*
 * CPU profiles of the pagable side of the bench, summarized by self time.
 *
 * - In process: run.ts --profile wraps the measured pagable samples of each metric in the
 *   inspector's profiler, writes build/bench/profiles/<metric>.cpuprofile and prints the top
 *   self-time functions of each.
 * - Any .cpuprofile (e.g. from `node --cpu-prof`): node build/bench/profile.js FILE... [--top=N]
 */
import { existsSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { Session } from 'node:inspector';
import { SourceMap } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  hitCount?: number;
  children?: number[];
  /** Samples by line of the compiled file (1-based), when the profiler recorded them. */
  positionTicks?: Array<{ line: number; ticks: number }>;
}
export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface SelfTime {
  fn: string;
  where: string;
  ms: number;
  share: number;
}

function shortUrl(url: string): string {
  if (url === '') return '(native)';
  const s = url.replace(/^file:\/\//, '');
  const i = s.lastIndexOf('/build/');
  if (i >= 0) return s.slice(i + '/build/'.length);
  const nm = s.lastIndexOf('/node_modules/');
  if (nm >= 0) return s.slice(nm + '/node_modules/'.length);
  return s.replace(/^node:/, 'node:');
}

const sourceMaps = new Map<string, SourceMap | null>();

/** `file.ts:line` of a compiled frame, through its .js.map (tsc writes them); undefined without one. */
function original(url: string, line: number, column: number): string | undefined {
  // Only our own compiled files: dependencies' maps point at sources that are not shipped.
  if (!url.startsWith('file://') || !url.includes('/build/')) return undefined;
  const path = fileURLToPath(url);
  let sm = sourceMaps.get(path);
  if (sm === undefined) {
    sm = null;
    try {
      if (existsSync(path + '.map')) sm = new SourceMap(JSON.parse(readFileSync(path + '.map', 'utf8')));
    } catch {
      sm = null;
    }
    sourceMaps.set(path, sm);
  }
  if (sm === null) return undefined;
  const e = sm.findEntry(line, column) as { originalSource?: string; originalLine?: number };
  if (e.originalSource === undefined || e.originalLine === undefined) return undefined;
  const src = e.originalSource.replace(/^file:\/\//, '');
  const i = src.lastIndexOf('/main/');
  const rel = src.replace(/^(\.\.\/)+/, '');
  return `${i >= 0 ? src.slice(i + '/main/'.length) : rel}:${e.originalLine + 1}`;
}

/** Self time per function (by name and location), largest first. */
export function selfTimes(p: CpuProfile): SelfTime[] {
  const byId = new Map<number, ProfileNode>();
  for (const n of p.nodes) byId.set(n.id, n);
  const selfUs = new Map<number, number>();
  if (p.samples !== undefined && p.timeDeltas !== undefined) {
    // timeDeltas[i] is the time before sample i; attribute it to the sample's node.
    for (let i = 0; i < p.samples.length; i++) {
      const d = p.timeDeltas[i + 1] ?? 0;
      selfUs.set(p.samples[i]!, (selfUs.get(p.samples[i]!) ?? 0) + Math.max(0, d));
    }
  } else {
    const total = p.endTime - p.startTime;
    const hits = p.nodes.reduce((s, n) => s + (n.hitCount ?? 0), 0) || 1;
    for (const n of p.nodes) selfUs.set(n.id, ((n.hitCount ?? 0) / hits) * total);
  }
  const agg = new Map<string, SelfTime>();
  let total = 0;
  for (const [id, us] of selfUs) {
    const n = byId.get(id);
    if (n === undefined) continue;
    const cf = n.callFrame;
    if (cf.functionName === '(idle)' || cf.functionName === '(program)') continue;
    const fn = cf.functionName || '(anonymous)';
    const where =
      cf.url === '' ? '(native)' : (original(cf.url, cf.lineNumber, cf.columnNumber) ?? `${shortUrl(cf.url)}:${cf.lineNumber + 1}`);
    const k = `${fn}\0${where}`;
    const e = agg.get(k) ?? { fn, where, ms: 0, share: 0 };
    e.ms += us / 1000;
    total += us / 1000;
    agg.set(k, e);
  }
  const out = [...agg.values()].sort((a, b) => b.ms - a.ms);
  for (const e of out) e.share = total > 0 ? e.ms / total : 0;
  return out;
}

export function formatSelfTimes(title: string, rows: readonly SelfTime[], top: number): string {
  const lines = [`${title} (self time, top ${top}):`];
  for (const r of rows.slice(0, top)) {
    lines.push(`  ${(r.share * 100).toFixed(1).padStart(5)}%  ${r.ms.toFixed(0).padStart(6)} ms  ${r.fn}  ${r.where}`);
  }
  return lines.join('\n');
}

/** The inspector's sampling profiler, started and stopped around measured samples. */
export class InProcessProfiler {
  private readonly session = new Session();
  private started = false;
  /** The set-up commands, awaited by the first `start()` so that a failure surfaces there. */
  private readonly ready: Promise<unknown>;

  constructor(
    private readonly dir: string,
    intervalUs = 200,
  ) {
    this.session.connect();
    this.ready = Promise.all([this.post('Profiler.enable'), this.post('Profiler.setSamplingInterval', { interval: intervalUs })]);
    mkdirSync(dir, { recursive: true });
  }

  private post<T = unknown>(method: string, params?: object): Promise<T> {
    return new Promise((resolve, reject) => {
      this.session.post(method, params ?? {}, (err, res) => (err ? reject(err) : resolve(res as T)));
    });
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    await this.ready;
    await this.post('Profiler.start');
  }

  /** Stops and returns the profile (samples of every start..stop since the last save are kept by merging). */
  async stop(): Promise<CpuProfile> {
    this.started = false;
    const { profile } = await this.post<{ profile: CpuProfile }>('Profiler.stop');
    return profile;
  }

  save(name: string, p: CpuProfile): string {
    const path = join(this.dir, `${name}.cpuprofile`);
    writeFileSync(path, JSON.stringify(p));
    return path;
  }

  close(): void {
    this.session.disconnect();
  }
}

/** Self times of several profiles of one phase, added up. */
export function mergeSelfTimes(profiles: readonly CpuProfile[]): SelfTime[] {
  const agg = new Map<string, SelfTime>();
  let total = 0;
  for (const p of profiles) {
    for (const e of selfTimes(p)) {
      const k = `${e.fn}\0${e.where}`;
      const a = agg.get(k) ?? { fn: e.fn, where: e.where, ms: 0, share: 0 };
      a.ms += e.ms;
      total += e.ms;
      agg.set(k, a);
    }
  }
  const out = [...agg.values()].sort((a, b) => b.ms - a.ms);
  for (const e of out) e.share = total > 0 ? e.ms / total : 0;
  return out;
}

/**
 * Samples by source line inside the functions named `fn` (merged over `profiles`), most first:
 * where a hot function's self time goes, since V8 inlines small callees into their caller.
 */
export function lineTicks(profiles: readonly CpuProfile[], fn: string): Array<{ where: string; ticks: number }> {
  const agg = new Map<string, number>();
  for (const p of profiles) {
    for (const n of p.nodes) {
      if (n.callFrame.functionName !== fn) continue;
      for (const t of n.positionTicks ?? []) {
        const where = original(n.callFrame.url, t.line - 1, 0) ?? `${shortUrl(n.callFrame.url)}:${t.line}`;
        agg.set(where, (agg.get(where) ?? 0) + t.ticks);
      }
    }
  }
  return [...agg].map(([where, ticks]) => ({ where, ticks })).sort((a, b) => b.ticks - a.ticks);
}

function main(): void {
  const files = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  const topArg = process.argv.find((a) => a.startsWith('--top='));
  const top = topArg ? Number(topArg.slice(6)) : 15;
  if (files.length === 0) {
    console.error('usage: node build/bench/profile.js FILE.cpuprofile... [--top=N]');
    process.exit(2);
  }
  const profiles = files.map((f) => JSON.parse(readFileSync(f, 'utf8')) as CpuProfile);
  console.log(formatSelfTimes(files.join(', '), mergeSelfTimes(profiles), top));
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) main();

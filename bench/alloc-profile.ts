/*
 * V8's sampling heap profiler, counting objects collected since (young and old generation) too:
 * an estimate of the bytes a piece of code allocates, by allocating function, garbage included.
 */
import { Session } from 'node:inspector';

interface HeapNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: HeapNode[];
}

export interface AllocSite {
  fn: string;
  where: string;
  bytes: number;
}

/** Sampling allocation profiler over an inspector session of this process. */
export class AllocProfiler {
  private readonly session = new Session();

  constructor() {
    this.session.connect();
  }

  private post<T = unknown>(method: string, params?: object): Promise<T> {
    return new Promise((resolve, reject) => {
      this.session.post(method, params ?? {}, (err, res) => (err ? reject(err) : resolve(res as T)));
    });
  }

  async start(intervalBytes = 4096): Promise<void> {
    await this.post('HeapProfiler.enable');
    await this.post('HeapProfiler.startSampling', {
      samplingInterval: intervalBytes,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
  }

  /** Stops; returns allocation sites, largest first. */
  async stop(): Promise<AllocSite[]> {
    const { profile } = await this.post<{ profile: { head: HeapNode } }>('HeapProfiler.stopSampling');
    const agg = new Map<string, AllocSite>();
    const stack: HeapNode[] = [profile.head];
    while (stack.length > 0) {
      const n = stack.pop()!;
      for (const c of n.children) stack.push(c);
      if (n.selfSize === 0) continue;
      const cf = n.callFrame;
      const where = `${cf.url.replace(/^.*\/(build|node_modules)\//, '')}:${cf.lineNumber + 1}`;
      const key = `${cf.functionName}\0${where}`;
      const e = agg.get(key) ?? { fn: cf.functionName || '(anonymous)', where, bytes: 0 };
      e.bytes += n.selfSize;
      agg.set(key, e);
    }
    return [...agg.values()].sort((a, b) => b.bytes - a.bytes);
  }

  close(): void {
    this.session.disconnect();
  }
}

// Timing of deep chains (not a test): node build/bench/deep-chain.js N
import { InMemoryPagableStorage } from '../src/index.js';
import { Link } from '../test/support/models.js';

const n = Number(process.argv[2] ?? 100000);
const s = new InMemoryPagableStorage();
let head: Link | undefined;
for (let i = 0; i < n; i++) head = Object.assign(new Link(), { n: i, next: head });
let t = performance.now();
const key = await s.save(head!);
const saveMs = performance.now() - t;
t = performance.now();
let back: Link | undefined = await s.load(Link, key);
const loadMs = performance.now() - t;
let c = 0;
while (back) {
  c++;
  back = back.next;
}
console.log(JSON.stringify({ n, c, saveMs: Math.round(saveMs), loadMs: Math.round(loadMs) }));

/** Graph `t` of the fake-timer tests: ~2 MB of plain data in one blob, distinct per `t`. */
export function fakeTimersGraph(t: number): { chunks: string[] } {
  return { chunks: Array.from({ length: 2000 }, (_, i) => `${t}:${i}:` + 'x'.repeat(1000)) };
}

// Prints the mutation score table per folder and per file from Stryker's JSON report
// (reports/mutation/mutation.json), counting out the equivalent mutants listed in
// test/mutation/equivalent-mutants.md. Usage: node tools/mutation/table.mjs [report.json] [--files]
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const reportPath = args.find((a) => !a.startsWith('--')) ?? 'reports/mutation/mutation.json';
const perFile = args.includes('--files');
const report = JSON.parse(readFileSync(reportPath, 'utf8'));

/**
 * The equivalent-mutant list: table rows `| file | line | mutator: replacement | why |`. A row
 * matches every surviving (or uncovered) mutant on that file and start line with that mutator and,
 * when given, that replacement text (whitespace collapsed).
 */
function equivalents() {
  let text;
  try {
    text = readFileSync('test/mutation/equivalent-mutants.md', 'utf8');
  } catch {
    return [];
  }
  const rows = [];
  for (const line of text.split('\n')) {
    // Cells split at unescaped pipes; `\\|` is a pipe inside a cell (as `||` in a replacement).
    const cells = line.split(/(?<!\\)\|/).map((c) => c.trim().replace(/\\\|/g, '|'));
    if (cells.length < 5 || !/^\d+$/.test(cells[2])) continue;
    const m = /^`?([A-Za-z]+)(?::\s*(.*?))?`?$/.exec(cells[3]);
    if (!m) continue;
    rows.push({ file: cells[1].replace(/`/g, ''), line: Number(cells[2]), mutator: m[1], replacement: m[2]?.replace(/^`|`$/g, '') });
  }
  return rows;
}

const eq = equivalents();
const used = new Set();
/** True when a listed row covers this mutant (a row covers every mutant of its line and mutator, or of its replacement). */
const isEquivalent = (file, m) => {
  const replacement = (m.replacement ?? '').replace(/\s+/g, ' ');
  const i = eq.findIndex(
    (e) =>
      e.file === file &&
      e.line === m.location.start.line &&
      e.mutator === m.mutatorName &&
      (e.replacement === undefined || e.replacement === replacement),
  );
  if (i < 0) return false;
  used.add(i);
  return true;
};

const folderOf = (file) => (file.startsWith('src/blobstore/memory/') ? 'src/blobstore/memory' : file.split('/').slice(0, 2).join('/'));
const rows = new Map();
const add = (key, status) => {
  const r = rows.get(key) ?? { mutants: 0, killed: 0, survived: 0, timeout: 0, noCoverage: 0, equivalent: 0, ignored: 0, errors: 0 };
  r.mutants++;
  if (status === 'Killed') r.killed++;
  else if (status === 'Survived') r.survived++;
  else if (status === 'Timeout') r.timeout++;
  else if (status === 'NoCoverage') r.noCoverage++;
  else if (status === 'Equivalent') r.equivalent++;
  else if (status === 'Ignored') r.ignored++;
  else r.errors++;
  rows.set(key, r);
};

for (const [file, f] of Object.entries(report.files)) {
  for (const m of f.mutants) {
    let status = m.status;
    if ((status === 'Survived' || status === 'NoCoverage') && isEquivalent(file, m)) status = 'Equivalent';
    add(folderOf(file), status);
    if (perFile) add(file, status);
  }
}

const score = (r) => {
  const valid = r.killed + r.timeout + r.survived + r.noCoverage;
  return valid === 0 ? 'n/a' : `${((100 * (r.killed + r.timeout)) / valid).toFixed(1)}%`;
};
console.log('| scope | mutants | killed | survived | timeouts | no coverage | equivalent | ignored (static) | score |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const [k, r] of [...rows].sort(([a], [b]) => (a < b ? -1 : 1))) {
  console.log(
    `| \`${k}\` | ${r.mutants} | ${r.killed} | ${r.survived} | ${r.timeout} | ${r.noCoverage} | ${r.equivalent} | ${r.ignored} | ${score(r)} |`,
  );
}
const stale = eq.filter((_, j) => !used.has(j));
if (stale.length > 0) {
  console.log(`\n${stale.length} listed equivalent mutant(s) matched no surviving mutant (killed now, moved, or not in this run):`);
  for (const e of stale) console.log(`  ${e.file}:${e.line} ${e.mutator}${e.replacement === undefined ? '' : `: ${e.replacement}`}`);
}

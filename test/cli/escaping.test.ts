/*
 * Whoever writes a store chooses its root names, class names, tags, field names and strings. The
 * CLI prints them; raw, "\x1b]0;pwned\x07" retitles the user's terminal, "\x1b[31m" recolours it,
 * "\r" overwrites the line and U+009B is a C1 CSI. Every command and format must show them
 * escaped, and --json must stay exact JSON (parsing back to the very same names).
 */
import { expect } from 'chai';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DataKey, Field, LmdbPagableStorage, Pagable, Shared, TypeTag } from '../../src/index.js';
import { CLI, type Run, runCli } from '../support/cli-run.js';

const HOSTILE = '\x1b]0;pwned\x07\x1b[31mX\rfake\u009b31m\x7f\n';
const FIELD = 'field \x1b]0;pwned\x07\x1b[31mX\rfake\u009b31m\x7f\n';

/** A child with a tagged class whose name and tag are hostile too. */
@TypeTag('tag \x1b]0;pwned\x07\x1b[31mX\rfake\u009b31m\x7f\n')
@Pagable({ name: 'Child \x1b]0;pwned\x07\x1b[31mX\rfake\u009b31m\x7f\n' })
class HostileChild {
  @Field(() => String) ['field \x1b]0;pwned\x07\x1b[31mX\rfake\u009b31m\x7f\n']!: string;
}

/** Hostile class name, field name, string value, map key, and a shared child. */
@Pagable({ name: 'Class \x1b]0;pwned\x07\x1b[31mX\rfake\u009b31m\x7f\n' })
class HostileThing {
  @Field(() => String) ['field \x1b]0;pwned\x07\x1b[31mX\rfake\u009b31m\x7f\n']!: string;
  @Field() map!: Map<string, string>;
  @Shared(() => HostileChild) child!: HostileChild;
}

/** A raw control byte: C0 but the line feeds between lines, DEL, or a C1 character (as UTF-8, C2 80-C2 9F). */
function controlsIn(out: string): string[] {
  // eslint-disable-next-line no-control-regex -- finding control characters is the test
  return [...out.matchAll(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/g)].map((m) => JSON.stringify(m[0]));
}

function expectClean(r: Run, what: string): void {
  expect(r.signal, what).to.equal(null);
  expect(controlsIn(r.stdout), `${what}: stdout ${JSON.stringify(r.stdout.slice(0, 400))}`).to.deep.equal([]);
  expect(controlsIn(r.stderr), `${what}: stderr ${JSON.stringify(r.stderr.slice(0, 400))}`).to.deep.equal([]);
}

describe('pagable CLI: store text with control characters', function () {
  this.timeout(180_000);
  let dir: string;
  let store: string;
  let key: DataKey;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pagable-cli-escape-'));
    store = join(dir, 'store');
    const s = await LmdbPagableStorage.open(store);
    const child = Object.assign(new HostileChild(), { [FIELD]: HOSTILE });
    const thing = Object.assign(new HostileThing(), { [FIELD]: HOSTILE, map: new Map([[HOSTILE, HOSTILE]]), child });
    key = await s.save(thing);
    await s.setRoot(HOSTILE, key);
    await s.setRoot('plain', key);
    await s.close();
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const commands: string[][] = [
    ['stats'],
    ['roots'],
    ['ls'],
    ['show', 'plain'],
    ['show', HOSTILE],
    ['schemas'],
    ['graph', 'plain'],
    ['graph', 'plain', '--format', 'mermaid'],
    ['verify'],
  ];

  it('every command shows them escaped (\\x1b as \\x1b), never raw', async () => {
    for (const [cmd, ...rest] of commands) {
      const r = await runCli([cmd!, store, ...rest]);
      expect(r.code, `${cmd}: ${r.stderr}`).to.equal(0);
      expectClean(r, [cmd, ...rest].join(' '));
    }
    const roots = await runCli(['roots', store]);
    expect(roots.stdout).to.contain('\\x1b]0;pwned\\x07\\x1b[31mX\\x0dfake\\x9b31m\\x7f\\x0a');
    const show = await runCli(['show', store, 'plain']);
    expect(show.stdout).to.contain('Class \\x1b]0;pwned').and.contain('field \\x1b]0;pwned');
  });

  it('--json stays exact JSON: every name parses back to itself, with no raw control character', async () => {
    for (const [cmd, ...rest] of commands.filter((c) => !c.includes('mermaid'))) {
      const r = await runCli([cmd!, store, ...rest, '--json']);
      expect(r.code, `${cmd}: ${r.stderr}`).to.equal(0);
      expectClean(r, `${cmd} --json`);
      JSON.parse(r.stdout);
    }
    const roots = JSON.parse((await runCli(['roots', store, '--json'])).stdout) as Array<{ name: string }>;
    expect(roots.map((r) => r.name).sort()).to.deep.equal([HOSTILE, 'plain'].sort());
    const schemas = JSON.stringify(JSON.parse((await runCli(['schemas', store, '--json'])).stdout));
    expect(schemas).to.contain(JSON.stringify(FIELD).slice(1, -1));
  });

  it('gc, and error messages naming what was asked for, are escaped too', async () => {
    const gc = await runCli(['gc', store]);
    expect(gc.code, gc.stderr).to.equal(0);
    expectClean(gc, 'gc');
    const r = await runCli(['show', store, `absent ${HOSTILE}`]);
    expect(r.code).to.equal(2);
    expectClean(r, 'show of an absent root');
    expect(r.stderr).to.match(/^pagable: no blob or root named "absent .*\\x9b31m/);
  });

  it("explore's terminal output is escaped", async () => {
    const link = join(dir, 'store \x1b[31mred\u009b');
    rmSync(link, { force: true });
    symlinkSync(store, link);
    const child: ChildProcess = spawn(process.execPath, [CLI, 'explore', link, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
    await new Promise<void>((resolve, reject) => {
      child.stdout!.on('data', (b: Buffer) => {
        stdout += b.toString();
        if (stdout.includes('\n')) resolve();
      });
      child.on('exit', () => reject(new Error(`explore exited: ${stderr}`)));
    });
    const code = await new Promise<number | null>((resolve) => {
      child.removeAllListeners('exit');
      child.on('exit', (c) => resolve(c));
      child.kill('SIGINT');
    });
    expect(code, stderr).to.equal(0);
    expectClean({ code, signal: null, stdout, stderr }, 'explore');
    expect(stdout).to.contain('store \\x1b[31mred\\x9b');
  });
});

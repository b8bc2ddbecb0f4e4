import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expectOneLineError, runCliSync } from '../support/cli-run.js';

/*
 * Misuse of the command line is one line in the CLI's own words and exit 2, whatever the mistake:
 * never Node's argument parser's message (which talks about positionals and "ambiguous" values).
 */
describe('pagable CLI: usage errors', function () {
  this.timeout(60_000);
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'pagable-cli-usage-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('a negative number is refused by what the option takes, not as an ambiguous option', () => {
    expectOneLineError(runCliSync(['graph', dir, 'k', '--depth', '-1']), 2, '--depth must be a whole number, not "-1"');
    expectOneLineError(runCliSync(['export', dir, 'k', '--depth', '-3']), 2, '--depth must be a whole number, not "-3"');
  });

  it('an unknown option is named, with the options there are', () => {
    const r = runCliSync(['roots', dir, '--bogus']);
    expectOneLineError(r, 2, 'unknown option --bogus');
    expect(r.stderr).to.contain('--json').and.contain('pagable --help').and.not.contain('positional');
    expectOneLineError(runCliSync(['roots', dir, '-x']), 2, 'unknown option -x');
  });

  it('an option without its value says so', () => {
    expectOneLineError(runCliSync(['graph', dir, 'k', '--depth']), 2, '--depth needs a value');
  });

  it('--json on explore is refused rather than ignored', () => {
    expectOneLineError(runCliSync(['explore', dir, '--json']), 2, '--json does not apply to explore');
  });
});

/*
 * Mocha's spec reporter, plus the run's counts written as JSON to the file given by
 * `--reporter-option output=FILE`, so .ci/run can end with the plain `N passed, M failed` line
 * after everything else has printed. Failures count failed tests and failed hooks, as mocha's own
 * summary does; skipped are mocha's pending tests (`this.skip()`, `it.skip`).
 */
'use strict';
const { writeFileSync } = require('node:fs');
const Mocha = require('mocha');

const { Spec } = Mocha.reporters;
const { EVENT_RUN_END } = Mocha.Runner.constants;

class CountingReporter extends Spec {
  constructor(runner, options = {}) {
    super(runner, options);
    const output = (options.reporterOption ?? options.reporterOptions ?? {}).output;
    runner.once(EVENT_RUN_END, () => {
      const { passes, failures, pending } = this.stats;
      if (output) writeFileSync(output, JSON.stringify({ passed: passes, failed: failures, skipped: pending }));
    });
  }
}

module.exports = CountingReporter;

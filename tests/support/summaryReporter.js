/**
 * Prints the one closing line CI reads: `Tests: N passed, M failed` — jest's tests plus, when
 * scripts/test.sh ran the official Python SDK suite first, its counts (VIBEBOX_SDK_RESULTS names
 * the file it wrote). A suite that was meant to run but left no counts is one failure. The line
 * also goes to VIBEBOX_TESTS_SUMMARY, for scripts/test.sh to print as the very last one.
 */
const fs = require('node:fs');

function sdkCounts() {
  const file = process.env.VIBEBOX_SDK_RESULTS;
  if (!file) return { passed: 0, failed: 0 };
  try {
    const { passed, failed } = JSON.parse(fs.readFileSync(file, 'utf8'));
    return { passed: Number(passed) || 0, failed: Number(failed) || 0 };
  } catch {
    return { passed: 0, failed: 1 };
  }
}

class SummaryReporter {
  onRunComplete(_contexts, results) {
    const sdk = sdkCounts();
    const passed = results.numPassedTests + sdk.passed;
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites + sdk.failed;
    const line = `Tests: ${passed} passed, ${failed} failed`;
    process.stdout.write(`\n${line}\n`);
    // jest's own summary comes after this on stderr: scripts/test.sh repeats the line last of all.
    if (process.env.VIBEBOX_TESTS_SUMMARY) fs.writeFileSync(process.env.VIBEBOX_TESTS_SUMMARY, `${line}\n`);
  }
}
module.exports = SummaryReporter;

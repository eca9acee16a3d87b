#!/usr/bin/env node
// Prints jest's totals from its --json report as one plain closing line: "tests: N passed, N failed, N skipped",
// preceded by the failed files. A missing, truncated or partial report (jest crashed) still gives a line.
// Errors that escaped their test file (the second argument's log) are printed and make the exit status 1.
const { existsSync, readFileSync } = require('node:fs');

const strayFile = process.argv[3];
const stray = strayFile && existsSync(strayFile) ? readFileSync(strayFile, 'utf8').trim() : '';
if (stray) {
  console.log(`errors thrown outside any test:\n${stray}`);
  process.on('exit', () => (process.exitCode = 1));
}
const { relative } = require('node:path');

const reportFile = process.argv[2];
if (!reportFile || !existsSync(reportFile)) {
  console.log('tests: jest wrote no report (it stopped before finishing)');
  process.exit(0);
}
const text = readFileSync(reportFile, 'utf8');
let report;
try {
  report = JSON.parse(text);
} catch {
  console.log(`tests: jest's report is unreadable (${text.length} bytes; it stopped while writing it)`);
  process.exit(0);
}
const count = (field) => (Number.isInteger(report?.[field]) ? report[field] : 0);
const results = Array.isArray(report?.testResults) ? report.testResults : [];
for (const file of results) {
  if (file?.status === 'failed')
    console.log(`failed: ${file.name ? relative(process.cwd(), file.name) : '(unnamed file)'}`);
}
const skipped = count('numPendingTests') + count('numTodoTests');
const partial = report?.numTotalTestSuites === undefined ? ' (partial report)' : '';
console.log(
  `tests: ${count('numPassedTests')} passed, ${count('numFailedTests')} failed, ${skipped} skipped${partial}`,
);

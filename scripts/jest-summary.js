#!/usr/bin/env node
// Prints jest's totals from its --json report as one plain closing line: "tests: N passed, N failed, N skipped".
const { existsSync, readFileSync } = require('node:fs');

const reportFile = process.argv[2];
if (!existsSync(reportFile)) {
  console.log('tests: jest wrote no report (it stopped before finishing)');
  process.exit(0);
}
const report = JSON.parse(readFileSync(reportFile, 'utf8'));
const skipped = report.numPendingTests + report.numTodoTests;
console.log(`tests: ${report.numPassedTests} passed, ${report.numFailedTests} failed, ${skipped} skipped`);

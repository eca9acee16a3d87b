#!/usr/bin/env node
// Prints jest's totals from its --json report as one plain closing line: "tests: N passed, N failed, N skipped".
const { readFileSync } = require('node:fs');

const report = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const skipped = report.numPendingTests + report.numTodoTests;
console.log(`tests: ${report.numPassedTests} passed, ${report.numFailedTests} failed, ${skipped} skipped`);

#!/usr/bin/env node
// After the suite: every ERROR or CRITICAL line parsl-ts logged into a *.log file below DIR (the tests' temporary
// directory) must be one a test provoked on purpose and declared, in an expected-log-errors.txt of the log's
// directory or a parent (test/helpers/run-logs.ts writes it: one regular expression per line). Lists the others
// and exits 1 when there are any.
//   node scripts/check-run-logs.mjs DIR
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

const EXPECTED = 'expected-log-errors.txt';
// The package's log line: "<ISO time> <logger> <LEVEL>: <message>" (ts/logging.ts).
const SERIOUS = /^\d{4}-\d\d-\d\dT[\d:.]+Z \S+ (ERROR|CRITICAL): /;

function logsBelow(dir) {
  const out = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, e.name);
    if (e.isDirectory()) out.push(...logsBelow(path));
    else if (e.isFile() && e.name.endsWith('.log')) out.push(path);
  }
  return out;
}

/** The patterns declared in `dir` and its parents up to `root`. */
function expectedFor(dir, root) {
  const patterns = [];
  for (let d = dir; ; d = dirname(d)) {
    const file = join(d, EXPECTED);
    if (existsSync(file))
      for (const line of readFileSync(file, 'utf8').split('\n')) if (line !== '') patterns.push(new RegExp(line));
    if (d === root || dirname(d) === d) return patterns;
  }
}

const root = process.argv[2];
if (!root || !existsSync(root)) {
  console.error('usage: node scripts/check-run-logs.mjs DIR (the temporary directory the tests ran with)');
  process.exit(2);
}
let files = 0;
const unexpected = [];
for (const log of logsBelow(root)) {
  files++;
  const serious = readFileSync(log, 'utf8')
    .split('\n')
    .filter((l) => SERIOUS.test(l));
  if (serious.length === 0) continue;
  const expected = expectedFor(dirname(log), root);
  for (const line of serious)
    if (!expected.some((p) => p.test(line))) unexpected.push(`${relative(root, log)}: ${line}`);
}
if (unexpected.length > 0) {
  console.log(`${unexpected.length} unexpected ERROR/CRITICAL line(s) in the logs the tests left in ${root}:`);
  for (const u of unexpected) console.log(`  ${u}`);
  console.log('A test that provokes such a line on purpose declares it with expectLogErrors(runDir, /pattern/).');
  process.exit(1);
}
console.log(`run logs: ${files} log file(s) checked, no unexpected ERROR or CRITICAL line`);

#!/usr/bin/env bash
# `npm test`: set up everything the suite needs on this machine, build, lint, and run every test.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
bash scripts/setup-system.sh
npm run --silent build
bash scripts/setup-mpi.sh
# npm test also checks the documented node-gyp build of the MPI addon.
export PARSL_TEST_GYP=1
node_modules/.bin/biome ci ts test bench examples
# Imports between the folders of ts/ go one way (the table is in the script), with no cycle between files.
node scripts/check-imports.mjs

mkdir -p build
report=build/vitest-report.json
rm -f "$report"
# The tests' temporary files all go below one directory of this run, so their logs can be checked afterwards
# without seeing other runs on this machine.
suite_tmp=$(mktemp -d "${TMPDIR:-/tmp}/parsl-ts-suite-XXXXXX")
set +e
TMPDIR="$suite_tmp" node_modules/.bin/vitest run --reporter=default --reporter=json --outputFile.json="$report" "$@"
status=$?
# An ERROR or CRITICAL line that no test declared fails the run, even when every test passed.
node scripts/check-run-logs.mjs "$suite_tmp" || status=1
set -e
if [ "$status" -eq 0 ]; then rm -rf "$suite_tmp"; else echo "the tests' temporary files are kept in $suite_tmp"; fi
# One plain closing line any CI can read. Under CI=true a skipped test fails the run: every service and MPI the
# suite needs is installed by the setup above, so a skip there can only mean something broke.
if [ -f "$report" ]; then
  node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const skipped = r.numPendingTests + r.numTodoTests;
    console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed` + (skipped ? `, ${skipped} skipped` : ""));
    if (skipped > 0 && process.env.CI === "true") {
      for (const f of r.testResults)
        for (const t of f.assertionResults)
          if (t.status === "pending" || t.status === "skipped" || t.status === "todo") console.log(`skipped under CI: ${t.fullName}`);
      process.exit(1);
    }
  ' "$report" || status=1
fi
exit $status

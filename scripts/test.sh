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

mkdir -p build
report=build/vitest-report.json
rm -f "$report"
set +e
node_modules/.bin/vitest run --reporter=default --reporter=json --outputFile.json="$report" "$@"
status=$?
set -e
# One plain closing line any CI can read.
if [ -f "$report" ]; then
  node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const skipped = r.numPendingTests + r.numTodoTests;
    console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed` + (skipped ? `, ${skipped} skipped` : ""));
  ' "$report"
fi
exit $status

#!/usr/bin/env node
// Writes site-tests/MATRIX.md from site-tests/results/*.json (needs `npm run build`).
// Usage: node scripts/site-matrix.mjs [--check]   --check: exit 1 when MATRIX.md is not what the results give.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { SITES } = await import(join(root, 'dist/sites/catalog/index.js'));
const { renderMatrix } = await import(join(root, 'dist/sites/matrix.js'));
const dir = join(root, 'site-tests/results');
const runs = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')));
const text = renderMatrix(
  SITES.map((s) => s.facts),
  runs,
);
const target = join(root, 'site-tests/MATRIX.md');
if (process.argv.includes('--check')) {
  const now = readFileSync(target, 'utf8');
  if (now !== text) {
    console.error('site-tests/MATRIX.md is stale: run node scripts/site-matrix.mjs');
    process.exit(1);
  }
  console.log('site-tests/MATRIX.md is up to date');
} else {
  writeFileSync(target, text);
  console.log(`wrote ${target} from ${runs.length} result file(s)`);
}

/** The import-direction check that `npm test` runs: it must report what it exists to catch. */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { tempDir } from '../helpers/paths.js';

const CHECKER = resolve('scripts/check-imports.mjs');

function check(cwd: string, root: string) {
  const r = spawnSync(process.execPath, [CHECKER, root], { cwd, encoding: 'utf8', timeout: 30_000 });
  expect(r.error).toBeUndefined();
  return r;
}

describe('scripts/check-imports.mjs', () => {
  test('reports a forbidden arrow, an import of an entry point and a file cycle with file:line, and nothing allowed', () => {
    const dir = tempDir();
    const tree: Record<string, string> = {
      'ts/errors.ts': 'export class E extends Error {}\n',
      'ts/data/file.ts': "import { E } from '../errors.js';\nexport const f = new E();\n",
      'ts/app/app.ts': "import { f } from '../data/file.js';\nexport const x = f;\n",
      'ts/cli/main.ts': "import { x } from '../app/app.js';\nexport const main = () => x;\n",
      'ts/app/run.ts': "import { main } from '../cli/main.js';\nexport const run = main;\n",
      'ts/dataflow/kernel.ts':
        "// import { x } from '../app/app.js' in a comment is not an import\n" +
        'const s = "import { x } from \'../app/app.js\'";\n' +
        "import { x } from '../app/app.js';\nexport const k = [s, x];\n",
      'ts/serialize/a.ts': "import { b } from './b.js';\nexport const a = () => b;\n",
      'ts/serialize/b.ts':
        "export const b = 1;\nimport type { a } from './a.js';\nexport type A = typeof a;\n",
    };
    try {
      for (const [path, text] of Object.entries(tree)) {
        mkdirSync(dirname(join(dir.path, path)), { recursive: true });
        writeFileSync(join(dir.path, path), text);
      }
      const r = check(dir.path, 'ts');
      expect(r.status).toBe(1);
      const problems = r.stderr.split('\n').filter((l) => l.startsWith('ts/'));
      expect(problems).toEqual([
        'ts/app/run.ts:1: app → cli: nothing imports cli; it is an entry point',
        expect.stringMatching(
          /^ts\/dataflow\/kernel\.ts:3: dataflow → app is not an allowed arrow: dataflow may import executors\/base\.ts, /,
        ),
        'ts/serialize/a.ts:1: import cycle: serialize/a.ts:1 → serialize/b.ts:2 → serialize/a.ts',
      ]);
    } finally {
      dir.remove();
    }
  });

  test('the package itself keeps every arrow in the allowed direction, without cycles', () => {
    const r = check(process.cwd(), 'ts');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/every arrow allowed, no cycle/);
  });
});

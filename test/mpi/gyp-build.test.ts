// The node-gyp build (binding.gyp) of the same sources, in a scratch copy of the package so it never
// touches build/. It takes a minute on 2 cores, so it runs when PARSL_TEST_GYP=1 (set it in CI).
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FLAVORS, missing, root } from '../helpers/mpi.js';

const enabled = process.env.PARSL_TEST_GYP === '1' || process.env.CI === 'true';
if (!enabled) console.warn('[test/mpi] skipping the node-gyp build: set PARSL_TEST_GYP=1 to run it');

describe.skipIf(!enabled)('node-gyp build of binding.gyp (PARSL_TEST_GYP=1)', () => {
  it('builds one loadable addon per MPI flavour without downloading headers', () => {
    const dir = mkdtempSync(join(tmpdir(), 'parsl-gyp-'));
    try {
      for (const f of ['binding.gyp', 'package.json', 'native', 'scripts'])
        cpSync(join(root, f), join(dir, f), { recursive: true });
      symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
      // An unreachable registry proves that nothing is fetched.
      const env = {
        ...process.env,
        npm_config_registry: 'http://127.0.0.1:9/',
        HTTPS_PROXY: 'http://127.0.0.1:9',
        HTTP_PROXY: 'http://127.0.0.1:9',
      };
      const r = spawnSync(process.execPath, ['scripts/build-native.mjs', '--gyp'], {
        cwd: dir,
        env,
        encoding: 'utf8',
        timeout: 300_000,
      });
      expect(r.status, `${r.stdout}\n${r.stderr}`.slice(-4000)).toBe(0);
      for (const flavor of FLAVORS.filter((f) => missing(f) === null)) {
        const path = join(dir, 'build', 'Release', `parsl_mpi_${flavor}.node`);
        const probe = spawnSync(process.execPath, ['-p', `require(${JSON.stringify(path)}).flavor`], {
          encoding: 'utf8',
        });
        expect(probe.stdout.trim(), probe.stderr).toBe(flavor);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 320_000);
});

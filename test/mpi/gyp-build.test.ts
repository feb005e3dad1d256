// The node-gyp build (binding.gyp) of the same sources, in a scratch copy of the package so it never
// touches build/. It takes a minute on 2 cores, so outside CI it runs only when PARSL_TEST_GYP=1.
import { spawnSync } from 'node:child_process';
import { cpSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FLAVORS, mpiMissing } from '../helpers/mpi.js';
import { REPO, tempDir } from '../helpers/paths.js';
import { IN_CI, skipOrFail } from '../helpers/skip.js';

const requested = process.env.PARSL_TEST_GYP === '1' || IN_CI;

describe('node-gyp build of binding.gyp', () => {
  it('builds one loadable addon per MPI flavour without downloading headers', (ctx) => {
    skipOrFail(ctx, requested ? null : 'the node-gyp build takes minutes: set PARSL_TEST_GYP=1 to run it');
    const { path: dir, remove } = tempDir('gyp');
    try {
      for (const f of ['binding.gyp', 'package.json', 'native', 'scripts'])
        cpSync(join(REPO, f), join(dir, f), { recursive: true });
      symlinkSync(join(REPO, 'node_modules'), join(dir, 'node_modules'));
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
      for (const flavor of FLAVORS.filter((f) => mpiMissing(f) === null)) {
        const path = join(dir, 'build', 'Release', `parsl_mpi_${flavor}.node`);
        const probe = spawnSync(process.execPath, ['-p', `require(${JSON.stringify(path)}).flavor`], {
          encoding: 'utf8',
        });
        expect(probe.stdout.trim(), probe.stderr).toBe(flavor);
      }
    } finally {
      remove();
    }
  }, 320_000);
});

// Needs the test sshd (scripts/services/sshd.sh): run under `testslot --exclusive`.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadKernel, parsl } from '../helpers/kernel.js';
import { tempDir } from '../helpers/paths.js';
import { SERVICES_BASE, type Service, startService } from '../helpers/services.js';
import { skipOrFail } from '../helpers/skip.js';
import { partialFiles } from '../helpers/staging.js';

const BASE = `${SERVICES_BASE}/sshd-staging`;
const PORT = 2231;

const shout = parsl.bashApp(
  (opts: { inputs: parsl.File[]; outputs: parsl.File[] }) =>
    `tr a-z A-Z < ${opts.inputs[0]} > ${opts.outputs[0]}`,
);

let sshd: Service;
let dir: { path: string; remove: () => void };
beforeAll(async () => {
  dir = tempDir('staging-rsync');
  sshd = await startService('sshd', { BASE, PORT: String(PORT) });
});
afterAll(async () => {
  await sshd?.stop();
  dir?.remove();
});
beforeEach((ctx) => skipOrFail(ctx, sshd.missing));

describe('RSyncStaging over the test sshd, on the thread pool', () => {
  const withKernel = async (test: (remote: string, work: string) => Promise<void>) => {
    const remote = join(dir.path, 'remote');
    const work = join(dir.path, `work-${Date.now()}`);
    mkdirSync(remote, { recursive: true });
    const rsync = new parsl.RSyncStaging({
      hostname: '127.0.0.1',
      rsh: `ssh -p ${PORT} -i ${BASE}/client_ed25519 -o UserKnownHostsFile=${BASE}/known_hosts -o StrictHostKeyChecking=yes`,
    });
    const { teardown } = await loadKernel({
      executors: [new parsl.ThreadPoolExecutor({ maxThreads: 2, storageAccess: [rsync], workingDir: work })],
    });
    try {
      await test(remote, work);
    } finally {
      await teardown();
    }
  };

  it('copies inputs in before the task and outputs back after it; the DataFuture waits for the copy', () =>
    withKernel(async (remote, work) => {
      writeFileSync(join(remote, 'in.txt'), 'over ssh');
      const f = shout({
        inputs: [new parsl.File(join(remote, 'in.txt'))],
        outputs: [new parsl.File(join(remote, 'out.txt'))],
      });
      const out = await f.outputs[0]!;
      expect(readFileSync(join(remote, 'out.txt'), 'utf8')).toBe('OVER SSH');
      expect(out.filepath).toBe(join(work, 'out.txt'));
      expect(readFileSync(join(work, 'in.txt'), 'utf8')).toBe('over ssh');
    }));

  it('fails a missing remote file with a StagingError naming rsync’s exit code; nothing partial; other tasks go on', () =>
    withKernel(async (remote, work) => {
      writeFileSync(join(remote, 'ok.txt'), 'fine');
      const missing = join(remote, 'missing.txt');
      const bad = shout({
        inputs: [new parsl.File(missing)],
        outputs: [new parsl.File(join(remote, 'b.txt'))],
      });
      const good = shout({
        inputs: [new parsl.File(join(remote, 'ok.txt'))],
        outputs: [new parsl.File(join(remote, 'g.txt'))],
      });
      const err = await bad.exception();
      expect(err).toBeInstanceOf(parsl.StagingError);
      expect(err!.message).toContain(`RSyncStaging could not stage in ${missing}: rsync exited with code 23`);
      expect(await good.outputs[0]!).toBeInstanceOf(parsl.File);
      expect(readFileSync(join(remote, 'g.txt'), 'utf8')).toBe('FINE');
      expect(existsSync(join(work, 'missing.txt'))).toBe(false);
      expect(existsSync(join(remote, 'b.txt'))).toBe(false);
      expect(partialFiles(work)).toEqual([]);
      await expect(bad.outputs[0]!.result()).rejects.toBe(err);
    }));
});

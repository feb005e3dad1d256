// The addon without mpiexec: every registered native method is called once, the dispatcher core is
// exercised through the binding, and flavour selection and the missing-MPI error are checked.
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { MPINotAvailableError, MPIStateError } from 'parsl-ts';
import { beforeEach, describe, expect, it } from 'vitest';
import type { NativeAddon } from '#internal';
import {
  detectLauncher,
  fromNativeError,
  loadAddon,
  selectFlavor,
  UCX_HOOK_VARIABLE,
  ucxHookWarning,
} from '#internal';
import { addonMissing, FLAVORS } from '../helpers/mpi.js';
import { REPO, tempDir } from '../helpers/paths.js';
import { skipOrFail } from '../helpers/skip.js';

function decodeBatch(payload: Buffer): { id: number; data: string }[] {
  expect(payload.readUInt32LE(0)).toBe(0x31425450);
  const n = payload.readUInt32LE(4);
  const out: { id: number; data: string }[] = [];
  let off = 8;
  for (let i = 0; i < n; i++) {
    const id = Number(payload.readBigUInt64LE(off));
    const len = payload.readUInt32LE(off + 8);
    out.push({ id, data: payload.subarray(off + 12, off + 12 + len).toString() });
    off += 12 + len;
  }
  expect(off).toBe(payload.length);
  return out;
}

describe('flavour selection', () => {
  it('reads the launcher from the environment', () => {
    expect(detectLauncher({ OMPI_COMM_WORLD_SIZE: '4', OMPI_COMM_WORLD_RANK: '1' })).toEqual({
      flavor: 'openmpi',
      expectedSize: 4,
      sizeVariable: 'OMPI_COMM_WORLD_SIZE',
    });
    expect(detectLauncher({ PMI_RANK: '0', PMI_SIZE: '8' })).toEqual({
      flavor: 'mpich',
      expectedSize: 8,
      sizeVariable: 'PMI_SIZE',
    });
    expect(detectLauncher({ PMIX_RANK: '0', SLURM_STEP_NUM_TASKS: '2' }).flavor).toBe('openmpi');
    expect(detectLauncher({})).toEqual({ flavor: null, expectedSize: null, sizeVariable: null });
  });

  it('prefers PARSL_MPI_FLAVOR, then the launcher, then the only build', () => {
    expect(selectFlavor({ PARSL_MPI_FLAVOR: 'mpich', OMPI_COMM_WORLD_SIZE: '2' }, ['openmpi'])?.flavor).toBe(
      'mpich',
    );
    expect(selectFlavor({ PMI_SIZE: '2' }, ['openmpi', 'mpich'])?.flavor).toBe('mpich');
    expect(selectFlavor({}, ['mpich'])?.flavor).toBe('mpich');
    expect(selectFlavor({}, ['openmpi', 'mpich'], 'mpich')?.flavor).toBe('mpich');
    expect(selectFlavor({}, [])).toBeNull();
    expect(() => selectFlavor({ PARSL_MPI_FLAVOR: 'lam' }, [])).toThrow(/PARSL_MPI_FLAVOR must be one of/);
  });

  it('says exactly what is missing when no addon is built', () => {
    const { path: fake, remove } = tempDir('no-mpi');
    try {
      mkdirSync(join(fake, 'build'));
      writeFileSync(
        join(fake, 'build', 'mpi-builds.json'),
        JSON.stringify({
          builds: [],
          missing: ['openmpi: not found (apt-get install openmpi-bin libopenmpi-dev)'],
        }),
      );
      let err: unknown;
      try {
        loadAddon({ env: {}, root: `${fake}/` });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(MPINotAvailableError);
      expect((err as Error).message).toMatch(/apt-get install openmpi-bin libopenmpi-dev/);
      expect((err as Error).message).toMatch(/npm run build:native/);
      expect((err as MPINotAvailableError).missing).toHaveLength(1);
    } finally {
      remove();
    }
  });

  it('converts native error codes into the MPI error classes', () => {
    const native = Object.assign(new Error('busy'), { code: 'ERR_MPI_IN_USE' });
    const converted = fromNativeError(native);
    expect(converted).toBeInstanceOf(MPIStateError);
    expect((converted as MPIStateError).code).toBe('ERR_MPI_IN_USE');
  });
});

// UCX's default memory hooks rewrite libc while Node's threads run (load-addon.ts); only the main thread can
// turn them off, through the real process environment, and it must do so before any worker loads the addon.
describe('UCX memory hooks', () => {
  const probe = `
    import 'parsl-ts';
    import { Worker } from 'node:worker_threads';
    const worker = new Worker('require("node:worker_threads").parentPort.postMessage(process.env.${UCX_HOOK_VARIABLE} ?? "unset")', { eval: true, execArgv: [] });
    worker.once('message', (inWorker) => { console.log(JSON.stringify({ main: process.env.${UCX_HOOK_VARIABLE}, inWorker })); worker.terminate(); });`;
  async function run(value: string | undefined): Promise<unknown> {
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env[UCX_HOOK_VARIABLE];
    if (value !== undefined) env[UCX_HOOK_VARIABLE] = value;
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', probe], {
      cwd: REPO,
      env,
    });
    return JSON.parse(stdout);
  }

  it('are turned off by importing parsl-ts on the main thread, for the workers it starts afterwards', async () => {
    expect(await run(undefined)).toEqual({ main: 'none', inWorker: 'none' });
  });

  it("keep the user's own setting", async () => {
    expect(await run('reloc')).toEqual({ main: 'reloc', inWorker: 'reloc' });
  });

  it('are named in a warning when a worker must load MPI with them possibly on', () => {
    expect(ucxHookWarning(true, {})).toBeNull();
    expect(ucxHookWarning(false, { [UCX_HOOK_VARIABLE]: 'none' })).toBeNull();
    expect(ucxHookWarning(false, {})).toMatch(/UCX_MEM_MMAP_HOOK_MODE=none in the job script/);
  });
});

for (const flavor of FLAVORS) {
  describe(`the ${flavor} addon`, () => {
    beforeEach((ctx) => skipOrFail(ctx, addonMissing(flavor)));
    const load = (): NativeAddon =>
      createRequire(import.meta.url)(join(REPO, 'build', flavor, 'Release', 'parsl_mpi.node')) as NativeAddon;

    it('exports what native.ts declares, for the right flavour', () => {
      const addon = load();
      expect(addon.flavor).toBe(flavor);
      expect(addon.abiVersion).toBe(2);
      expect(addon.libraryVersion()).toMatch(flavor === 'openmpi' ? /Open MPI/ : /MPICH/);
      expect(Object.keys(addon.threadLevels).sort()).toEqual([
        'funneled',
        'multiple',
        'serialized',
        'single',
      ]);
    });

    it('has every engine method, each refusing to work before start()', () => {
      const engine = new (load().Engine)();
      const needsRunning: [string, () => unknown][] = [
        ['send', () => engine.send(0, 0, Buffer.alloc(1))],
        ['notifyAtOrBelow', () => engine.notifyAtOrBelow(0)],
        ['barrier', () => engine.barrier(1)],
        ['watch', () => engine.watch(1, 1000, -1)],
        ['unwatch', () => engine.unwatch(1)],
        ['info', () => engine.info()],
        ['stop', () => engine.stop(true)],
      ];
      for (const [name, call] of needsRunning) {
        expect(call, name).toThrow(expect.objectContaining({ code: 'ERR_MPI_STATE' }) as Error);
      }
      expect(engine.queuedBytes()).toBe(0);
      expect(engine.stats()).toMatchObject({
        messagesSent: 0,
        packetsSent: 0,
        messagesReceived: 0,
        sleeps: 0,
      });
      engine.ref();
      engine.unref();
      expect(() => engine.start({} as never, () => {})).toThrow(/must be a number/);
      expect(typeof engine.abort).toBe('function'); // calling it ends the process: covered under mpiexec
    });

    it('dispatches tasks in per-rank batches through the binding', () => {
      const d = new (load().Dispatcher)({ maxBatchTasks: 2, maxBatchBytes: 1 << 20 });
      for (let i = 0; i < 5; i++) d.submit(i + 1, Buffer.from(`task-${i + 1}`));
      d.setCapacity(1, 2);
      d.setCapacity(2, 1);
      const batches = d.nextBatches();
      expect(batches.map((b) => [b.rank, b.taskCount])).toEqual([
        [1, 2],
        [2, 1],
      ]);
      expect(decodeBatch(batches[0]?.payload as Buffer)).toEqual([
        { id: 1, data: 'task-1' },
        { id: 2, data: 'task-2' },
      ]);
      expect(d.counts()).toEqual({ pending: 2, inFlight: 3, freeRanks: 0 });
      expect([...d.tasksOf(1)].sort()).toEqual([1, 2]);
      expect(d.complete(1, new Float64Array([1, 99]))).toBe(1);
      expect([...d.removeRank(2)]).toEqual([3]);
      expect(d.nextBatches().map((b) => [b.rank, b.taskCount])).toEqual([[1, 1]]);
      expect(() => d.complete(1, [1] as unknown as Float64Array)).toThrow(/Float64Array/);
      // A whole batch relayed into another core, and the C++ path to the engine (needs a running one).
      const relay = new (load().Dispatcher)({ maxBatchTasks: 8, maxBatchBytes: 1 << 20 });
      expect(relay.submitBatch(batches[0]?.payload as Buffer)).toBe(2);
      expect(relay.counts()).toEqual({ pending: 2, inFlight: 0, freeRanks: 0 });
      expect(() => relay.submitBatch(Buffer.from('junk'))).toThrow(/well-formed/);
      expect(() => relay.sendBatches(new (load().Engine)(), 1)).toThrow(
        expect.objectContaining({ code: 'ERR_MPI_STATE' }) as Error,
      );
    });
  });
}

import { join } from 'node:path';
import type { ExecutorTask, TaskDone } from 'parsl-ts';
import {
  Config,
  DataFlowKernel,
  type ExecutionProvider,
  JobState,
  JobStatus,
  simpleErrorHandler,
  startJobStatusPoller,
  TooManyJobFailures,
  windowedErrorHandler,
} from 'parsl-ts';
import { describe, expect, test } from 'vitest';
import { BlockProviderExecutor, isBlockProviderExecutor, Strategy } from '#internal';
import { eventually } from '../helpers/eventually.js';
import { tempDir } from '../helpers/paths.js';

/** A provider whose jobs are entries in a map the test controls. */
class FakeProvider implements ExecutionProvider {
  label = 'fake';
  statusPollingInterval = 0;
  initBlocks = 0;
  minBlocks = 0;
  maxBlocks = 10;
  nodesPerBlock = 1;
  parallelism = 1;
  scriptDir = '/tmp';
  jobs = new Map<string, JobState>();
  failSubmit = false;
  #n = 100;
  async submit(): Promise<string> {
    if (this.failSubmit) throw new Error('queue closed');
    const id = String(this.#n++);
    this.jobs.set(id, JobState.RUNNING);
    return id;
  }
  async status(ids: string[]): Promise<JobStatus[]> {
    return ids.map((id) => new JobStatus(this.jobs.get(id) ?? JobState.UNKNOWN));
  }
  async cancel(ids: string[]): Promise<boolean[]> {
    for (const id of ids) this.jobs.set(id, JobState.CANCELLED);
    return ids.map(() => true);
  }
}

/** A block executor with a settable task count, idle blocks and registered blocks. */
class FakeExecutor extends BlockProviderExecutor {
  readonly label = 'fake';
  tasks = 0;
  registered: string[] = [];
  override readonly idleAwareScaleIn: boolean;
  readonly scaledIn: { n: number; maxIdletimeMs: number | null }[] = [];
  constructor(
    readonly fp: FakeProvider,
    readonly wpn = 1,
    idleAware = false,
  ) {
    super(fp, true);
    this.idleAwareScaleIn = idleAware;
  }
  get workersPerNode() {
    return this.wpn;
  }
  async start() {}
  submit(_t: ExecutorTask, _d: TaskDone) {}
  outstanding() {
    return this.tasks;
  }
  async shutdown() {}
  protected launchCommand(b: string) {
    return `pool ${b}`;
  }
  withPools: string[] | null = null;
  protected async connectedBlocks() {
    return this.registered;
  }
  protected override async blocksWithPools() {
    return this.withPools;
  }
  protected failAll() {}
  override async scaleIn(n: number, o: { maxIdletimeMs?: number | null } = {}) {
    this.scaledIn.push({ n, maxIdletimeMs: o.maxIdletimeMs ?? null });
    return super.scaleIn(n, o);
  }
  live() {
    return [...this.statuses().values()].filter(
      (s) => s.state === JobState.RUNNING || s.state === JobState.PENDING,
    ).length;
  }
}

async function tick(strategy: Strategy, e: FakeExecutor) {
  await e.pollStatus(true);
  e.handleErrors();
  await strategy.strategize([e]);
}

describe('strategy arithmetic', () => {
  test('a block executor is recognised by capability', () => {
    const e = new FakeExecutor(new FakeProvider());
    expect(isBlockProviderExecutor(e)).toBe(true);
    expect(
      isBlockProviderExecutor({
        label: 'x',
        start: async () => {},
        submit() {},
        outstanding: () => 0,
        shutdown: async () => {},
      }),
    ).toBe(false);
  });

  test("'none' starts initBlocks once and nothing more", async () => {
    const p = Object.assign(new FakeProvider(), { initBlocks: 2 });
    const e = new FakeExecutor(p);
    const s = new Strategy('none', 0);
    e.tasks = 100;
    for (let i = 0; i < 3; i++) await tick(s, e);
    expect(e.live()).toBe(2);
  });

  test('scale out rounds up, caps at maxBlocks, and a steady load does not oscillate', async () => {
    const p = Object.assign(new FakeProvider(), { maxBlocks: 4, parallelism: 0.5 });
    const e = new FakeExecutor(p, 3, true);
    const s = new Strategy('htex_auto_scale', 0);
    e.tasks = 7; // 7 × 0.5 = 3.5 slots → ceil(3.5 / 3) = 2 blocks
    await tick(s, e);
    expect(e.live()).toBe(2);
    for (let i = 0; i < 5; i++) await tick(s, e);
    expect(e.live()).toBe(2);
    expect(e.scaledIn).toEqual([]);
    e.tasks = 1000;
    await tick(s, e);
    expect(e.live()).toBe(4);
  });

  test('htex_auto_scale scales in floor(surplus) idle blocks per tick, with maxIdletime', async () => {
    const p = Object.assign(new FakeProvider(), { minBlocks: 1 });
    const e = new FakeExecutor(p, 2, true);
    const s = new Strategy('htex_auto_scale', 1234);
    e.tasks = 10;
    await tick(s, e);
    expect(e.live()).toBe(5);
    e.tasks = 3; // 10 slots for 3 tasks: floor(7 / 2) = 3 blocks may go
    await tick(s, e);
    expect(e.scaledIn).toEqual([{ n: 3, maxIdletimeMs: 1234 }]);
  });

  test('simple scales in to minBlocks only after maxIdletime without tasks', async () => {
    const p = Object.assign(new FakeProvider(), { minBlocks: 1 });
    const e = new FakeExecutor(p);
    const s = new Strategy('simple', 150);
    e.tasks = 3;
    await tick(s, e);
    expect(e.live()).toBe(3);
    e.tasks = 0;
    await tick(s, e);
    expect(e.live()).toBe(3);
    await new Promise((r) => setTimeout(r, 200));
    await tick(s, e);
    expect(e.live()).toBe(1);
    expect([...e.statuses().values()].filter((x) => x.state === JobState.SCALED_IN)).toHaveLength(2);
  });

  test('parallelism 0 still starts one block for waiting tasks', async () => {
    const p = Object.assign(new FakeProvider(), { parallelism: 0 });
    const e = new FakeExecutor(p);
    e.tasks = 5;
    await tick(new Strategy('simple', 0), e);
    expect(e.live()).toBe(1);
  });
});

describe('block statuses and the error handler', () => {
  test('terminal blocks that never registered become MISSING; registered ones keep their state', async () => {
    const p = new FakeProvider();
    const e = new FakeExecutor(p);
    await e.scaleOut(2);
    e.registered = ['0'];
    for (const id of p.jobs.keys()) p.jobs.set(id, JobState.COMPLETED);
    await e.pollStatus(true);
    const st = e.statuses();
    expect(st.get('0')!.state).toBe(JobState.COMPLETED);
    expect(st.get('1')!.state).toBe(JobState.MISSING);
    expect(st.get('1')!.message).toMatch(/without a worker pool ever registering/);
  });

  test('every block failing puts the executor in a bad state with TooManyJobFailures', async () => {
    const p = Object.assign(new FakeProvider(), { failSubmit: true, initBlocks: 2 });
    const e = new FakeExecutor(p);
    await e.scaleOut(1);
    e.handleErrors();
    expect(e.badState()).toBeNull(); // fewer than initBlocks attempts so far
    await e.scaleOut(1);
    e.handleErrors();
    expect(e.badState()).toBeInstanceOf(TooManyJobFailures);
    expect(e.badState()!.message).toMatch(/queue closed/);
  });

  test('blocks that registered, served and then died are lost blocks to replace, not job failures', async () => {
    const p = Object.assign(new FakeProvider(), { initBlocks: 2, maxBlocks: 2 });
    const e = new FakeExecutor(p);
    const s = new Strategy('simple', 60_000);
    e.tasks = 100;
    await tick(s, e);
    expect(e.live()).toBe(2);
    // Each generation of blocks registers a pool, then every block of it dies (a killed rank ends its MPI job).
    for (let generation = 0; generation < 4; generation++) {
      e.registered = [...p.jobs.keys()].map((_, i) => String(i));
      for (const [id, st] of p.jobs) if (st === JobState.RUNNING) p.jobs.set(id, JobState.FAILED);
      await tick(s, e);
      expect(e.badState()).toBeNull();
      expect(e.live()).toBe(2); // both replaced in the same tick
    }
    // Replacements that never come up still end the run.
    for (const [id, st] of p.jobs) if (st === JobState.RUNNING) p.jobs.set(id, JobState.FAILED);
    await e.pollStatus(true);
    e.handleErrors();
    expect(e.badState()).toBeInstanceOf(TooManyJobFailures);
    expect(e.badState()!.message).toMatch(/block 9: MISSING/);
    expect(e.badState()!.message).not.toMatch(/block 0:/);
  });

  test('a live block whose pool registered and is gone now is cancelled as lost, and replaced', async () => {
    const p = Object.assign(new FakeProvider(), { initBlocks: 2, maxBlocks: 2 });
    const e = new FakeExecutor(p);
    const s = new Strategy('simple', 60_000);
    e.tasks = 10;
    await tick(s, e);
    e.registered = ['0', '1'];
    e.withPools = ['0', '1'];
    await tick(s, e);
    expect(e.live()).toBe(2);
    e.withPools = ['1']; // block 0's pool was declared lost (stopped); its job still runs
    await tick(s, e);
    expect([...p.jobs.values()]).toEqual([JobState.CANCELLED, JobState.RUNNING, JobState.RUNNING]);
    expect(e.statuses().get('0')!.state).toBe(JobState.FAILED);
    expect(e.badState()).toBeNull();
    expect(e.live()).toBe(2);
  });

  test('the handlers are pure functions of statuses', () => {
    const f = new JobStatus(JobState.FAILED, 'x');
    const ok = new JobStatus(JobState.RUNNING);
    expect(
      simpleErrorHandler(
        'l',
        new Map([
          ['0', f],
          ['1', ok],
        ]),
        1,
      ),
    ).toBeNull();
    expect(simpleErrorHandler('l', new Map([['0', f]]), 1)).toBeInstanceOf(TooManyJobFailures);
    expect(
      windowedErrorHandler(
        'l',
        new Map([
          ['0', ok],
          ['1', f],
          ['2', f],
          ['3', f],
        ]),
      ),
    ).toBeInstanceOf(TooManyJobFailures);
    expect(
      windowedErrorHandler(
        'l',
        new Map([
          ['0', f],
          ['1', f],
          ['2', f],
          ['3', ok],
        ]),
      ),
    ).toBeNull();
  });
});

describe('the job status poller as a kernel service', () => {
  test('a kernel started without parsl.load() scales its block executors when given the poller', async () => {
    const dir = tempDir();
    const p = Object.assign(new FakeProvider(), { initBlocks: 2 });
    const e = new FakeExecutor(p);
    const config = new Config({ executors: [e], strategy: 'none', runDir: join(dir.path, 'runinfo') });
    try {
      const dfk = await DataFlowKernel.start(config, { services: [startJobStatusPoller] });
      await eventually(() => e.live() === 2);
      await dfk.cleanup(); // closing the poller scales every block in
      expect([...p.jobs.values()]).toEqual([JobState.CANCELLED, JobState.CANCELLED]);
    } finally {
      dir.remove();
    }
  });
});

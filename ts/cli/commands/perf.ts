import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { type Command, InvalidArgumentError } from 'commander';
import { app } from '../../app/app.js';
import { Config, type ConfigOptions } from '../../config.js';
import { clear, load } from '../../load.js';
import { MonitoringHub } from '../../monitoring/hub.js';

/**
 * `parsl-ts perf`: Parsl's parsl-perf. Runs batches of no-op apps through a configuration and prints tasks per
 * second, with Parsl's flags and output lines so the numbers compare. `--monitoring on` runs the same
 * measurement without and then with monitoring and prints the throughput ratio.
 */
export function registerPerf(program: Command): void {
  program
    .command('perf')
    .description("measure task throughput of a configuration (Parsl's parsl-perf)")
    .option(
      '--config <file>',
      'a module exporting `config` (a Config) or `freshConfig()`; default: a thread pool',
    )
    .option('--time <seconds>', 'target runtime of the last batch', positive, 120)
    .option('--argsize <bytes>', 'size of a string argument sent with each task', whole, 0)
    .option('--iterate <mode>', "'estimate', 'exponential' or batch sizes N1,N2,…", iterateMode, 'estimate')
    .option('--resources <json>', 'a resourceSpecification for every task (JSON)', json, null)
    .option(
      '--monitoring <on|off>',
      'on: measure without and with monitoring and print the ratio',
      onOff,
      null,
    )
    .action(async (o: PerfFlags) => {
      const configs = await configSource(o.config);
      if (o.monitoring !== 'on') {
        const c = await configs();
        await measure(o, o.monitoring === 'off' ? withMonitoring(c, null) : c);
        return;
      }
      const dir = mkdtempSync(join(tmpdir(), 'parsl-ts-perf-'));
      try {
        console.log('==== Monitoring off ====');
        const off = await measure(o, withMonitoring(await configs(), null));
        console.log('==== Monitoring on ====');
        const base = await configs();
        const hub = base.monitoring ?? new MonitoringHub({ loggingEndpoint: join(dir, 'monitoring.db') });
        const on = await measure(o, withMonitoring(base, hub));
        console.log(`Monitoring throughput ratio (on / off): ${(on / off).toFixed(3)}`);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
}

interface PerfFlags {
  config?: string;
  time: number;
  argsize: number;
  iterate: 'estimate' | 'exponential' | number[];
  resources: Record<string, unknown> | null;
  monitoring: 'on' | 'off' | null;
}

/** Runs the iterations on a fresh kernel; resolves to the last iteration's tasks per second. */
async function measure(o: PerfFlags, config: Config): Promise<number> {
  const dfk = await load(config);
  let rate = 0;
  try {
    const noop = app((_arg: string, _kw?: unknown) => 7);
    const arg = 'x'.repeat(o.argsize);
    const kw = o.resources === null ? null : { resourceSpecification: o.resources };
    const sizes = Array.isArray(o.iterate) ? [...o.iterate] : [10];
    let n = sizes[0]!;
    for (let iteration = 1; ; iteration++) {
      console.log(`==== Iteration ${iteration} ====`);
      console.log(`Will run ${n} tasks to target ${o.time} seconds runtime`);
      console.log('Submitting tasks / invoking apps');
      const t0 = performance.now();
      const futures = new Array(n);
      for (let i = 0; i < n; i++) futures[i] = kw === null ? noop(arg) : noop(arg, kw);
      const submitted = (performance.now() - t0) / 1000;
      console.log(`All ${n} tasks submitted ... waiting for completion`);
      console.log(
        `Submission took ${submitted.toFixed(3)} seconds = ${(n / submitted).toFixed(3)} tasks/second`,
      );
      for (const f of await Promise.all(futures)) if (f !== 7) throw new Error(`a task returned ${f}, not 7`);
      const dt = (performance.now() - t0) / 1000;
      rate = n / dt;
      console.log(`Runtime: actual ${dt.toFixed(3)}s vs target ${o.time}s`);
      console.log(`Tasks per second: ${rate.toFixed(3)}`);
      const next = nextSize(o, iteration, n, dt, rate, sizes);
      if (next === null) break;
      n = next;
    }
  } finally {
    console.log('Cleaning up DFK');
    await dfk.cleanup();
    clear();
  }
  console.log('The end');
  return rate;
}

/** Parsl's iteration rules; null when the measurement is done. */
function nextSize(
  o: PerfFlags,
  iteration: number,
  n: number,
  dt: number,
  rate: number,
  sizes: number[],
): number | null {
  if (Array.isArray(o.iterate)) return iteration < sizes.length ? sizes[iteration]! : null;
  if (o.iterate === 'exponential') return dt >= o.time ? null : n * 2;
  if (dt >= 0.75 * o.time && iteration >= 2) return null;
  return Math.max(1, Math.round(o.time * rate));
}

/** A function giving a fresh Config each call (executors start once, so each measurement needs its own). */
async function configSource(file: string | undefined): Promise<() => Promise<Config>> {
  if (file === undefined) return async () => new Config();
  const url = pathToFileURL(resolve(file)).href;
  let loads = 0;
  return async () => {
    // A second import of the same URL returns the same module: a query string makes it evaluate again.
    const m = (await import(loads++ === 0 ? url : `${url}?perf=${loads}`)) as {
      config?: unknown;
      freshConfig?: () => unknown;
    };
    const c = typeof m.freshConfig === 'function' ? m.freshConfig() : m.config;
    if (!(c instanceof Config))
      throw new InvalidArgumentError(
        `${file} must export 'config' (a Config) or 'freshConfig()' returning one`,
      );
    return c;
  };
}

/** The same configuration with another monitoring setting. */
function withMonitoring(c: Config, monitoring: MonitoringHub | null): Config {
  const o: ConfigOptions = {
    executors: c.executors,
    retries: c.retries,
    retryHandler: c.retryHandler,
    appCache: c.appCache,
    checkpointMode: c.checkpointMode,
    checkpointPeriod: c.checkpointPeriod,
    checkpointFiles: c.checkpointFiles,
    strategy: c.strategy,
    strategyPeriod: c.strategyPeriod,
    maxIdletime: c.maxIdletime,
    runDir: c.runDir,
    monitoring,
    usageTracking: c.usageTracking,
    initializeLogging: c.initializeLogging,
    garbageCollect: c.garbageCollect,
  };
  return new Config(o);
}

function positive(v: string): number {
  const n = Number(v);
  if (!(n > 0)) throw new InvalidArgumentError('a number of seconds > 0');
  return n;
}

function whole(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('a whole number ≥ 0');
  return n;
}

function iterateMode(v: string): PerfFlags['iterate'] {
  if (v === 'estimate' || v === 'exponential') return v;
  const sizes = v.split(',').map(Number);
  if (sizes.length === 0 || !sizes.every((n) => Number.isInteger(n) && n > 0))
    throw new InvalidArgumentError(
      "'estimate', 'exponential' or comma-separated batch sizes like 10,100,1000",
    );
  return sizes;
}

function json(v: string): Record<string, unknown> {
  try {
    const o = JSON.parse(v) as unknown;
    if (typeof o === 'object' && o !== null && !Array.isArray(o)) return o as Record<string, unknown>;
  } catch {}
  throw new InvalidArgumentError('a JSON object, e.g. \'{"priority": 1}\'');
}

function onOff(v: string): 'on' | 'off' {
  if (v !== 'on' && v !== 'off') throw new InvalidArgumentError("'on' or 'off'");
  return v;
}

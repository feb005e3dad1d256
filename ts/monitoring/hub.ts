import { hostname, userInfo } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import type { KernelObserver, KernelObserverStarter, ObservedRun } from '../dataflow/observer.js';
import { ConfigurationError } from '../errors.js';
import { getLogger } from '../logging.js';
import { type KeySet, OptionReader } from '../options.js';
import { TaskRows } from './task-rows.js';
import { WriterLink } from './writer-link.js';

const log = getLogger('parsl.monitoring');

/** Options of {@link MonitoringHub}: Parsl's, in camelCase, with Parsl's defaults. */
export interface MonitoringHubOptions {
  /** Accepted for Parsl configs and ignored, as in Parsl since 2025: messages ride on the task channels. */
  hubAddress?: string | null;
  /** Accepted and ignored (see hubAddress). */
  hubPort?: number | null;
  /** Accepted and ignored (see hubAddress). */
  hubPortRange?: [number, number] | null;
  /** @default the script's name */
  workflowName?: string | null;
  /** @default the start time */
  workflowVersion?: string | null;
  /**
   * The SQLite database: a path or a `sqlite:///path` URL (Parsl's form). Relative paths are taken from the
   * current directory. @default `<Config.runDir>/monitoring.db`
   */
  loggingEndpoint?: string | null;
  /** Log every monitoring message at debug level. @default false */
  monitoringDebug?: boolean;
  /** Sample CPU, memory and I/O of the process tree running each task (not for the thread pool). @default true */
  resourceMonitoringEnabled?: boolean;
  /** Seconds between samples of a worker while it runs tasks; 0 = one sample at each task's end only (Parsl's 0: no periodic sampling). @default 30 */
  resourceMonitoringInterval?: number;
}

const KNOWN = {
  hubAddress: true,
  hubPort: true,
  hubPortRange: true,
  workflowName: true,
  workflowVersion: true,
  loggingEndpoint: true,
  monitoringDebug: true,
  resourceMonitoringEnabled: true,
  resourceMonitoringInterval: true,
} satisfies KeySet<MonitoringHubOptions>;

/**
 * Parsl's MonitoringHub: records workflows, tasks, tries, state changes, nodes, blocks and resource samples
 * into an SQLite database that Parsl's tools and `parsl-ts visualize` read. Give it as `Config({ monitoring })`.
 * One writer thread owns the database; the kernel hands it rows in batches and never waits for it.
 */
export class MonitoringHub implements KernelObserverStarter {
  readonly hubAddress: string | null;
  readonly hubPortRange: [number, number] | null;
  readonly workflowName: string | null;
  readonly workflowVersion: string | null;
  readonly loggingEndpoint: string | null;
  readonly monitoringDebug: boolean;
  readonly resourceMonitoringEnabled: boolean;
  readonly resourceMonitoringInterval: number;

  constructor(options: MonitoringHubOptions = {}) {
    const o = new OptionReader<MonitoringHubOptions>('MonitoringHub', options, KNOWN);
    this.hubAddress = o.string('hubAddress', null);
    o.number('hubPort', null, { integer: true, min: 0, max: 65535 });
    this.hubPortRange = o.check<[number, number] | null>('hubPortRange', null, (v) =>
      v === null ||
      (Array.isArray(v) && v.length === 2 && v.every((p) => Number.isInteger(p) && p >= 0 && p <= 65535))
        ? null
        : 'a pair of ports [low, high]',
    );
    this.workflowName = o.string('workflowName', null);
    this.workflowVersion = o.string('workflowVersion', null);
    this.loggingEndpoint = o.string('loggingEndpoint', null);
    if (this.loggingEndpoint !== null) databasePath(this.loggingEndpoint, '.'); // fail now on a bad URL
    this.monitoringDebug = o.bool('monitoringDebug', false);
    this.resourceMonitoringEnabled = o.bool('resourceMonitoringEnabled', true);
    this.resourceMonitoringInterval = o.number('resourceMonitoringInterval', 30, { min: 0 });
  }

  /** The database file this hub writes for a configuration whose `runDir` is `runDirBase`. */
  databasePath(runDirBase: string): string {
    return databasePath(this.loggingEndpoint, runDirBase);
  }

  /** Called by the kernel at load(): opens the database (a clear error if it cannot) and the writer. */
  async start(run: ObservedRun): Promise<KernelObserver> {
    const path = this.databasePath(run.runDirBase);
    const link = await WriterLink.start(path, run.runId, this.resourceMonitoringInterval);
    const began = Date.now();
    link.batch.workflowStart = {
      name: this.workflowName ?? scriptName(),
      version: this.workflowVersion ?? new Date(began).toISOString(),
      timeBegan: began,
      host: hostname(),
      user: userInfo().username,
      rundir: resolve(run.runDir),
    };
    link.rowsAdded();
    const workers = this.resourceMonitoringEnabled ? this.resourceMonitoringInterval : -1;
    log.info(`monitoring run ${run.runId} into ${path}`);
    return new TaskRows(link, workers, async ({ completed, failed }) => {
      link.batch.workflowEnd = { timeCompleted: Date.now(), completed, failed };
      link.rowsAdded();
      const rows = await link.close();
      if (link.alive) log.info(`monitoring closed: ${rows} rows written to ${path}`);
    });
  }
}

export function isMonitoringHub(v: unknown): v is KernelObserverStarter {
  return typeof v === 'object' && v !== null && typeof (v as KernelObserverStarter).start === 'function';
}

/** A path or Parsl's `sqlite:///path` URL → the file; anything else names the field and what it wants. */
export function databasePath(endpoint: string | null, runDirBase: string): string {
  if (endpoint === null) return resolve(runDirBase, 'monitoring.db');
  if (!endpoint.includes('://')) return resolve(endpoint);
  const m = /^sqlite:\/\/\/(.+)$/.exec(endpoint);
  if (m === null) {
    throw new ConfigurationError(
      `MonitoringHub.loggingEndpoint must be a file path or a 'sqlite:///path' URL (parsl-ts writes SQLite only); got '${endpoint}'`,
    );
  }
  // SQLAlchemy: sqlite:///relative/path, sqlite:////absolute/path.
  const p = m[1]!;
  return isAbsolute(p) ? p : resolve(join('.', p));
}

function scriptName(): string | null {
  const script = process.argv[1];
  return script === undefined ? null : (script.split('/').pop() ?? null);
}

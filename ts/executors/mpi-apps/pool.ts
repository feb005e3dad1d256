import { type ChildProcess, fork } from 'node:child_process';
import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import { addFunctions, type FunctionTable } from '../../execute/function-cache.js';
import type { ResultWire, TaskWire } from '../../execute/task-wire.js';
import { appTimeout, OverrunWatch } from '../../execute/walltime.js';
import { getLogger, type Logger } from '../../logging.js';
import type { FunctionDescriptor } from '../../serialize/function-ref.js';
import { toRemoteError } from '../../serialize/remote-error.js';
import { WorkerLost } from '../errors.js';
import { type CommonPoolOptions, InterchangeLink, openPoolLog } from '../htex/manager/interchange-link.js';
import { detectResources } from '../htex/manager/resources.js';
import { decodeTask, encodeResultBody } from '../htex/task-codec.js';
import { InvalidMPIResourceSpecification } from './errors.js';
import { NodeAccounting } from './node-accounting.js';
import { blockNodes } from './node-list.js';
import { mpiTaskEnv, type PrefixOptions } from './prefix.js';
import { checkBlockLimits, type ResolvedMPISpec } from './resource-spec.js';

const TASK_MAIN = fileURLToPath(new URL('./task.js', import.meta.url));

/** Everything `parsl-ts mpi-app-pool` is told on its command line, resolved. */
export interface MpiAppPoolOptions extends CommonPoolOptions {
  readonly hosts: readonly string[] | null;
  /** Slots per node (MPI ranks that may run on it at once); null = the cores this pool may use. */
  readonly slotsPerNode: number | null;
  readonly prefix: PrefixOptions;
}

/**
 * The manager of an MPIExecutor block, on its lead node: registers with the interchange like any pool, keeps
 * the block's node list, gives each MPI task nodes (or slots of a shared node) in arrival order, and runs it in
 * its own process with the `PARSL_*` launcher environment so it can start its MPI program across those nodes.
 */
export class MpiAppPool {
  readonly #o: MpiAppPoolOptions;
  readonly #log: Logger = getLogger('parsl.executors.mpi-apps.pool');
  readonly #nodes: NodeAccounting<TaskWire>;
  readonly #link: InterchangeLink;
  readonly #functions: FunctionTable = new Map();
  readonly #running = new Set<ChildProcess>();
  /** The walltime backstop: a task process that outlives its task's own bound is killed. */
  readonly #overrun = new OverrunWatch<ChildProcess, TaskWire>((c) => {
    this.#overran.add(c);
    killGroup(c);
  });
  readonly #overran = new Set<ChildProcess>();
  readonly #nodeCount: number;
  readonly #slots: number;
  #stopping = false;
  #done: (code: number) => void = () => {};

  constructor(o: MpiAppPoolOptions) {
    this.#o = o;
    const list = blockNodes(o.hosts);
    this.#slots = o.slotsPerNode ?? detectResources().cores;
    this.#nodeCount = list.nodes.length;
    this.#nodes = new NodeAccounting(list.nodes, this.#slots);
    this.#log.info(`nodes from ${list.source}: ${list.nodes.join(',')} (${this.#slots} slots each)`);
    this.#link = new InterchangeLink(o, this.#log, 'mpi-app-pool', {
      tasks: (ids, fnIds, bodies, fns) => this.#onTasks(ids, fnIds, bodies, fns),
      stop: (reason, code) => this.stop(reason, code),
    });
  }

  /** The pool holds a backlog so arrival order decides who waits; the interchange keeps the rest. */
  #capacity(): number {
    return this.#nodeCount * this.#slots * 4;
  }

  async run(): Promise<number> {
    const logHandle = openPoolLog(this.#o, 'mpi-apps.log', 'parsl.executors.mpi-apps');
    const done = new Promise<number>((resolve) => {
      this.#done = resolve;
    });
    process.once('SIGTERM', () => this.stop('SIGTERM', 0));
    try {
      const slots = this.#nodeCount * this.#slots;
      const opened = await this.#link.open({
        workerCount: slots,
        prefetchCapacity: 0,
        capacity: this.#capacity(),
      });
      if (!opened.ok) this.stop('no interchange', opened.exitCode);
      return await done;
    } finally {
      await logHandle.close();
    }
  }

  #onTasks(ids: number[], fnIds: string[], bodies: Buffer[], fns: FunctionDescriptor[]): void {
    addFunctions(this.#functions, fns);
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      try {
        const { wire, resources } = decodeTask(id, this.#functions.get(fnIds[i]!)!, bodies[i]!);
        if (resources === null)
          throw new InvalidMPIResourceSpecification('the task has none: submit MPI apps to an MPIExecutor');
        checkBlockLimits(resources, { nodes: this.#nodeCount, slotsPerNode: this.#slots });
        this.#nodes.enqueue(resources, wire);
      } catch (e) {
        this.#finish({ id, ok: false, error: toRemoteError(e) });
      }
    }
    this.#schedule();
  }

  #schedule(): void {
    if (this.#stopping) return;
    for (const { item, spec, nodes } of this.#nodes.schedule()) this.#start(item, spec, nodes);
  }

  #start(w: TaskWire, spec: ResolvedMPISpec, nodes: string[]): void {
    const env = { ...process.env, ...mpiTaskEnv(this.#o.prefix, spec, nodes) };
    const child = fork(TASK_MAIN, [], {
      env,
      detached: true,
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.#running.add(child);
    let result: ResultWire | null = null;
    child.once('message', (r) => {
      result = r as ResultWire;
    });
    child.once('exit', (code, signal) => {
      this.#running.delete(child);
      this.#overrun.forget(child);
      const overran = this.#overran.delete(child);
      this.#nodes.release(spec, nodes);
      if (this.#stopping) return;
      const how = signal ? `signal ${signal}` : `exit code ${code}`;
      const lost = overran
        ? appTimeout(w.appName, w.walltimeMs as number)
        : new WorkerLost(child.pid ?? -1, hostname(), { detail: how });
      this.#finish(result ?? { id: w.id, ok: false, error: toRemoteError(lost) });
      this.#schedule();
    });
    child.send(w);
    if (w.walltimeMs !== null) this.#overrun.started(child, w, w.kind, w.walltimeMs);
  }

  #finish(r: ResultWire): void {
    const body = encodeResultBody(r);
    this.#link.sendResults([r.id], [body.length], body, this.#capacity());
  }

  stop(reason: string, code: number): void {
    if (this.#stopping) return;
    this.#stopping = true;
    this.#log.info(`pool stopping: ${reason}`);
    this.#overrun.clear();
    for (const c of this.#running) killGroup(c);
    void this.#link.close().then(() => this.#done(code));
  }
}

/** A task's process leads its own group, so its mpiexec and MPI ranks go with it. */
function killGroup(c: ChildProcess): void {
  try {
    if (c.pid) process.kill(-c.pid, 'SIGKILL');
  } catch {
    c.kill('SIGKILL');
  }
}

import { type ChildProcess, fork } from 'node:child_process';
import { cpus, hostname } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ResultWire, TaskWire } from '../../execute/task-wire.js';
import { getLogger, type Logger, setFileLogger } from '../../logging.js';
import type { FunctionDescriptor } from '../../serialize/function-ref.js';
import { toRemoteError } from '../../serialize/remote-error.js';
import { decodeValue } from '../../serialize/values.js';
import { WorkerLost } from '../errors.js';
import { InterchangeLink, type LinkOptions } from '../htex/manager/interchange-link.js';
import { decodeTaskBody, encodeResultBody } from '../htex/task-codec.js';
import { NodeAccounting } from './node-accounting.js';
import { blockNodes } from './node-list.js';
import { mpiTaskEnv, type PrefixOptions } from './prefix.js';
import { type ResolvedMPISpec, resolveMPISpec } from './resource-spec.js';

const TASK_MAIN = fileURLToPath(new URL('./task.js', import.meta.url));

/** The first argument of every MPIExecutor task carries its resolved resource specification. */
export const SPEC_MARKER = '__parsl_mpi_spec__';

export interface MpiAppPoolOptions extends LinkOptions {
  readonly hosts: readonly string[] | null;
  /** Slots per node (MPI ranks that may run on it at once); null = this node's cores. */
  readonly slotsPerNode: number | null;
  readonly prefix: PrefixOptions;
  readonly logdir: string;
  readonly debug: boolean;
}

/**
 * The manager of an MPIExecutor block, on its lead node: registers with the interchange like any pool, keeps
 * the block's node list, gives each MPI task nodes (or slots of a shared node) in arrival order, and runs it in
 * its own process with the `PARSL_*` launcher environment so it can start its MPI program across those nodes.
 */
export class MpiAppPool {
  readonly #o: MpiAppPoolOptions;
  readonly #log: Logger = getLogger('parsl.mpiex.pool');
  readonly #nodes: NodeAccounting<TaskWire>;
  readonly #link: InterchangeLink;
  readonly #functions = new Map<string, FunctionDescriptor>();
  readonly #running = new Set<ChildProcess>();
  readonly #nodeCount: number;
  readonly #slots: number;
  #stopping = false;
  #done: (code: number) => void = () => {};

  constructor(o: MpiAppPoolOptions) {
    this.#o = o;
    const list = blockNodes(o.hosts);
    this.#slots = o.slotsPerNode ?? cpus().length;
    this.#nodeCount = list.nodes.length;
    this.#nodes = new NodeAccounting(list.nodes, this.#slots);
    this.#log.info(`nodes from ${list.source}: ${list.nodes.join(',')} (${this.#slots} slots each)`);
    this.#link = new InterchangeLink(o, this.#log, {
      tasks: (ids, fnIds, bodies, fns) => this.#onTasks(ids, fnIds, bodies, fns),
      stop: (reason, code) => this.stop(reason, code),
    });
  }

  /** The pool holds a backlog so arrival order decides who waits; the interchange keeps the rest. */
  #capacity(): number {
    return this.#nodeCount * this.#slots * 4;
  }

  async run(): Promise<number> {
    const logPath = join(
      this.#o.logdir,
      `block-${this.#o.blockId ?? 'none'}`,
      this.#o.uid,
      'mpi-app-pool.log',
    );
    const logHandle = setFileLogger(logPath, {
      name: 'parsl.mpiex',
      level: this.#o.debug ? 'debug' : 'info',
    });
    const done = new Promise<number>((resolve) => {
      this.#done = resolve;
    });
    process.once('SIGTERM', () => this.stop('SIGTERM', 0));
    try {
      if (!(await this.#link.open(this.#nodeCount * this.#slots, this.#capacity())))
        this.stop('no interchange', 3);
      return await done;
    } finally {
      await logHandle.close();
    }
  }

  #onTasks(ids: number[], fnIds: string[], bodies: Buffer[], fns: FunctionDescriptor[]): void {
    for (const f of fns) this.#functions.set(f.id, f);
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]!;
      try {
        const wire = decodeTaskBody(id, this.#functions.get(fnIds[i]!)!, bodies[i]!);
        if (wire.args[0] !== SPEC_MARKER) throw new Error('task without an MPI resource specification');
        const spec = resolveMPISpec(decodeValue(wire.args[1]) as Record<string, unknown>, {
          nodes: this.#nodeCount,
          slotsPerNode: this.#slots,
        });
        this.#nodes.enqueue(spec, { ...wire, args: wire.args.slice(2) });
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
      this.#nodes.release(spec, nodes);
      if (this.#stopping) return;
      const how = signal ? `signal ${signal}` : `exit code ${code}`;
      this.#finish(
        result ?? {
          id: w.id,
          ok: false,
          error: toRemoteError(new WorkerLost(child.pid ?? -1, hostname(), { detail: how })),
        },
      );
      this.#schedule();
    });
    child.send(w);
  }

  #finish(r: ResultWire): void {
    const body = encodeResultBody(r);
    this.#link.sendResults([r.id], [body.length], body, this.#capacity());
  }

  stop(reason: string, code: number): void {
    if (this.#stopping) return;
    this.#stopping = true;
    this.#log.info(`pool stopping: ${reason}`);
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

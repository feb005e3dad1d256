/**
 * A discrete-event simulation of the ExtremeScaleExecutor's dispatch path: kernel → interchange → rank 0 →
 * sub-dispatchers → worker ranks and back, with per-hop costs measured on this machine as inputs and the
 * fan-out as a parameter; and of the in-allocation executor's (MPICommExecutor): rank 0 runs the kernel and is
 * the root dispatcher, with no interchange. docs/scale.md explains the model and quotes its numbers.
 *
 *   node --import tsx bench/dispatch-sim.ts                       (the scenarios of docs/scale.md, JSON)
 *   node --import tsx bench/dispatch-sim.ts --inputs costs.json   (override any field of COSTS)
 *   node --import tsx bench/dispatch-sim.ts --only '1 s tasks'     (the scenarios whose name contains it)
 *
 * Every process is a single-threaded server: a message waits for the process (and, on an oversubscribed machine,
 * for one of the shared cores), and the process handles everything that queued meanwhile in one turn, paying a
 * fixed cost per message it receives or sends and a cost per task — the batching the real code does. A
 * dispatcher keeps per child a credit of (worker ranks below it × depth) tasks, as the native dispatcher core
 * does. A hop to a rank on another node waits for that rank to wake when it sleeps (no doorbell across nodes).
 */
import { writeFileSync } from 'node:fs';

/** Per-hop costs (µs). Defaults: bench/exex-scale.ts and bench/htex.ts on this machine (see docs/scale.md). */
export const COSTS = {
  /**
   * CPU per task (both directions) of each process, measured by bench/exex-scale.ts with 4 ranks (Open MPI, 20,000
   * no-op tasks, every thread of the process counted): kernel + executor client, interchange, rank 0 (JS and the
   * C++ core) and sub-dispatchers (the same code), worker rank (task loop and its MPI progress thread).
   */
  kernelTask: 11,
  ixTask: 8.7,
  dispatchTask: 8.4,
  workerTask: 17.6,
  /**
   * CPU per message received or sent (decode, event-loop turn, hand-off to the transport's thread), the same for
   * every process: fitted so the model's 4-rank round trip matches the measured median (see docs/scale.md).
   */
  msg: 45,
  /**
   * One-way latency of a hop between two processes, beyond their CPU: pipe/ZeroMQ (the path floor of
   * bench/path-floor.ts over its 6 hops), and MPI from one rank's JS thread to another's (progress thread wake-up,
   * MPI_Isend, the receiver's progress thread, its thread-safe-function call; traced in docs/exex.md).
   */
  zmqHop: 70,
  mpiHop: 150,
  /** Added by the network between nodes (Slingshot/InfiniBand class: an assumption, not measured here). */
  networkMicros: 3,
  /** An idle rank's polling: it spins this long after activity, then sleeps with doubling intervals up to max. */
  spinMicros: 50,
  maxSleepMicros: 1000,
  /** CPU share of a core an idle rank uses (measured: 0.3–0.7 %); taken from the shared cores when oversubscribed. */
  idleRankShare: 0.006,
  /** Results a worker collects before sending, for tasks shorter than this (ms). */
  flushAfterMs: 2,
  /** The pool's pipelining target (ms of queued work per worker rank), ExtremeScaleExecutor's default. */
  pipelineMs: 2,
  /**
   * The in-allocation executor, measured by bench/in-allocation.ts with 4 ranks (Open MPI, 50,000 no-op apps,
   * quiet machine, two runs): CPU per task of rank 0's JS thread (app call, kernel, executor, binding: the
   * single-threaded server) and of its other threads together (V8's GC helpers, libuv; they run beside the JS
   * thread, so on shared cores they take core time but do not delay it); the worker ranks' CPU per task, every
   * thread; CPU per message (fitted, see docs/scale.md) and the one-way hop from one rank's JS thread to another's
   * (fitted so the 4-rank round trip matches the measured 0.27 ms; the measured split, submit → body runs, is
   * 0.10–0.12 ms each way).
   */
  allocRootTask: 8.7,
  allocRootBackground: 6.4,
  allocWorkerTask: 4.5,
  allocMsg: 10,
  allocHop: 111,
  /**
   * A worker rank's polling while the pool is busy, as a share of a core, when 127 of them share 2 cores: the
   * worker ranks' CPU per task minus allocWorkerTask, times tasks/s, over the ranks (bench/in-allocation.ts,
   * 128 ranks: 78.5 µs per task at 17,181 tasks/s). Replaces idleRankShare for this executor.
   */
  allocPollShare: 0.01,
};
export type Costs = typeof COSTS;

export interface Scenario {
  name: string;
  /** Worker ranks and sub-dispatchers (0 = flat: rank 0 feeds every worker). */
  workers: number;
  fanout: number | null;
  ranksPerNode: number;
  /** Cores the processes share (null: every process has its own core, as on a real allocation). */
  sharedCores: number | null;
  /** Task duration (ms; the worker's thread is free meanwhile, as with an async sleep). */
  taskMs: number;
  /** Tasks in the throughput run, submitted at once. */
  tasks: number;
  /** Where sub-dispatchers sit: 'strided' as tree.ts lays them out today (ranks 1..S, each feeding every S-th
   * rank, so its workers are on other nodes), or 'node-local' (one relay per node feeding the ranks of its node). */
  layout: 'strided' | 'node-local';
  /** 'exex': kernel → interchange → rank 0 (default); 'in-allocation': rank 0 is the kernel and the root. */
  executor?: 'exex' | 'in-allocation';
}

/** Tasks a worker rank may hold, as ChildDispatch sizes it (1 + pipelineMs / task duration, at most 256). */
export function depthFor(c: Costs, taskMs: number): number {
  const ms = Math.max(taskMs, c.workerTask / 1000);
  return 1 + Math.max(1, Math.min(255, Math.floor(c.pipelineMs / ms)));
}

// ---------------------------------------------------------------- event queue

class Heap {
  readonly #t: number[] = [];
  readonly #f: Array<() => void> = [];
  get size(): number {
    return this.#t.length;
  }
  push(t: number, f: () => void): void {
    const ts = this.#t;
    const fs = this.#f;
    let i = ts.length;
    ts.push(t);
    fs.push(f);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (ts[p]! <= t) break;
      ts[i] = ts[p]!;
      fs[i] = fs[p]!;
      i = p;
    }
    ts[i] = t;
    fs[i] = f;
  }
  pop(): [number, () => void] {
    const ts = this.#t;
    const fs = this.#f;
    const top: [number, () => void] = [ts[0]!, fs[0]!];
    const t = ts.pop()!;
    const f = fs.pop()!;
    const n = ts.length;
    if (n > 0) {
      let i = 0;
      for (;;) {
        let c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && ts[c + 1]! < ts[c]!) c++;
        if (ts[c]! >= t) break;
        ts[i] = ts[c]!;
        fs[i] = fs[c]!;
        i = c;
      }
      ts[i] = t;
      fs[i] = f;
    }
    return top;
  }
}

// ---------------------------------------------------------------- processes

interface Msg {
  kind: 'tasks' | 'results';
  n: number;
  from: Proc;
}

class Sim {
  now = 0;
  readonly q = new Heap();
  readonly coreFree: number[];
  #seed = 12345;
  /** Deterministic uniform [0, 1), so runs repeat exactly. */
  random(): number {
    this.#seed = (this.#seed * 1103515245 + 12345) % 2147483648;
    return this.#seed / 2147483648;
  }
  /** On shared cores, idle ranks' polling takes a share of them: every CPU cost stretches by this factor. */
  cpuScale = 1;
  constructor(
    readonly c: Costs,
    sharedCores: number | null,
  ) {
    this.coreFree = sharedCores === null ? [] : new Array(sharedCores).fill(0);
  }
  at(t: number, f: () => void): void {
    this.q.push(t, f);
  }
  /** CPU a process's helper threads use beside it (booked after the turn that caused it). */
  helperMicros = 0;
  background(us: number): void {
    this.helperMicros += us * this.cpuScale;
  }
  /** On shared cores helper threads take core time from everyone: book it on the core free first. */
  bookHelpers(): void {
    if (this.coreFree.length === 0 || this.helperMicros === 0) return;
    let k = 0;
    for (let i = 1; i < this.coreFree.length; i++) if (this.coreFree[i]! < this.coreFree[k]!) k = i;
    this.coreFree[k] = Math.max(this.coreFree[k]!, this.now) + this.helperMicros;
    this.helperMicros = 0;
  }
  run(until = Infinity): void {
    while (this.q.size > 0) {
      const [t, f] = this.q.pop();
      if (t > until) break;
      this.now = t;
      f();
    }
  }
}

abstract class Proc {
  busyUntil = 0;
  busyMicros = 0;
  lastActive = 0;
  inbox: Msg[] = [];
  scheduled = false;
  parent: Proc | null = null;
  constructor(
    readonly sim: Sim,
    readonly node: number,
  ) {}

  /** Delay before this process notices a message from `from` (MPI hops: wake-up of a sleeping rank). */
  abstract hopFrom(from: Proc): number;
  /** Handle the messages of one turn; returns CPU µs used. */
  abstract handle(msgs: Msg[]): number;

  send(to: Proc, kind: Msg['kind'], n: number, at: number): void {
    const arrive = at + to.hopFrom(this);
    this.sim.at(arrive, () => to.receive({ kind, n, from: this }));
  }

  receive(m: Msg): void {
    this.inbox.push(m);
    if (this.scheduled) return;
    this.scheduled = true;
    const s = this.sim;
    this.sim.at(Math.max(s.now, this.busyUntil), () => this.turn());
  }

  /** Wake-up delay of an idle rank polled by `spin → doubling sleeps up to max`, seen by a message arriving now. */
  sleepDelay(): number {
    const c = this.sim.c;
    const idle = this.sim.now - this.lastActive;
    if (idle <= c.spinMicros) return 0;
    // Sleep intervals 16, 32, … µs up to max after the spin: the message waits for the end of the current one.
    let t = c.spinMicros;
    let s = 16;
    while (t + s < idle && s < c.maxSleepMicros) {
      t += s;
      s = Math.min(2 * s, c.maxSleepMicros);
    }
    // Once the sleeps are at their longest, where in one the message lands is as good as random.
    if (t + s < idle) return this.sim.random() * c.maxSleepMicros;
    return t + s - idle;
  }

  turn(): void {
    const s = this.sim;
    const msgs = this.inbox;
    this.inbox = [];
    this.scheduled = false;
    // The handler emits its sends at `this.busyUntil`, which it advances by the CPU it uses.
    let start = s.now;
    if (s.coreFree.length > 0) {
      let k = 0;
      for (let i = 1; i < s.coreFree.length; i++) if (s.coreFree[i]! < s.coreFree[k]!) k = i;
      start = Math.max(start, s.coreFree[k]!);
      this.busyUntil = start;
      const used = this.handle(msgs);
      s.coreFree[k] = start + used;
      this.busyMicros += used;
      s.bookHelpers();
    } else {
      this.busyUntil = start;
      this.busyMicros += this.handle(msgs);
    }
    this.lastActive = this.busyUntil;
    if (this.inbox.length > 0 && !this.scheduled) {
      this.scheduled = true;
      s.at(this.busyUntil, () => this.turn());
    }
  }

  /** Spend `us` of CPU now (the sends that follow leave after it). */
  spend(us: number): number {
    const t = us * this.sim.cpuScale;
    this.busyUntil += t;
    return t;
  }
}

/** The workflow's side of a process that calls apps: tasks not submitted yet, results seen, who to tell. */
class Submitter {
  backlog = 0;
  done = 0;
  lastDone = 0;
  onDone: ((t: number) => void) | null = null;
  /** The next slice of the backlog to submit (slices, so results interleave as with the real event loop). */
  take(): number {
    const k = Math.min(this.backlog, 1024);
    this.backlog -= k;
    return k;
  }
  finished(n: number, t: number): void {
    if (n === 0) return;
    this.done += n;
    this.lastDone = t;
    this.onDone?.(t);
  }
}

class Client extends Proc {
  readonly app = new Submitter();
  ix!: Interchange;
  hopFrom(): number {
    return this.sim.c.zmqHop;
  }
  handle(msgs: Msg[]): number {
    const c = this.sim.c;
    let used = 0;
    let results = 0;
    for (const m of msgs) {
      if (m.from === this) continue; // its own wake-up to submit the next slice
      used += this.spend(c.msg + (m.n * c.kernelTask) / 2);
      results += m.n;
    }
    this.app.finished(results, this.busyUntil);
    const k = this.app.take();
    if (k > 0) {
      used += this.spend((k * c.kernelTask) / 2 + c.msg);
      this.send(this.ix, 'tasks', k, this.busyUntil);
      if (this.app.backlog > 0) this.receive({ kind: 'tasks', n: 0, from: this });
    }
    return used;
  }
  submit(n: number): void {
    this.app.backlog += n;
    this.receive({ kind: 'tasks', n: 0, from: this });
  }
}

class Interchange extends Proc {
  queued = 0;
  credit = 0;
  client!: Client;
  root!: Dispatcher;
  hopFrom(): number {
    return this.sim.c.zmqHop;
  }
  handle(msgs: Msg[]): number {
    const c = this.sim.c;
    let used = 0;
    let results = 0;
    for (const m of msgs) {
      used += this.spend(c.msg + (m.n * c.ixTask) / 2);
      if (m.kind === 'tasks') this.queued += m.n;
      else {
        results += m.n;
        this.credit += m.n;
      }
    }
    if (results > 0) {
      used += this.spend(c.msg);
      this.send(this.client, 'results', results, this.busyUntil);
    }
    const k = Math.min(this.queued, this.credit);
    if (k > 0) {
      this.queued -= k;
      this.credit -= k;
      used += this.spend(c.msg);
      this.send(this.root, 'tasks', k, this.busyUntil);
    }
    return used;
  }
}

class Dispatcher extends Proc {
  pending = 0;
  readonly kids: Proc[] = [];
  readonly cap = new Map<Proc, number>();
  readonly inFlight = new Map<Proc, number>();
  /** Children with free credit, in round-robin order. */
  free: Proc[] = [];
  freeSet = new Set<Proc>();
  isRoot = false;
  hopFrom(from: Proc): number {
    const c = this.sim.c;
    if (!(from instanceof Dispatcher) && !(from instanceof Worker)) return c.zmqHop;
    return from.node === this.node ? c.mpiHop : c.mpiHop + c.networkMicros + this.sleepDelay();
  }
  addChild(p: Proc, cap: number): void {
    this.kids.push(p);
    this.cap.set(p, cap);
    this.inFlight.set(p, 0);
    this.free.push(p);
    this.freeSet.add(p);
    p.parent = this;
  }
  get capacity(): number {
    let n = 0;
    for (const v of this.cap.values()) n += v;
    return n;
  }
  handle(msgs: Msg[]): number {
    const c = this.sim.c;
    let used = 0;
    let results = 0;
    for (const m of msgs) {
      used += this.spend(c.msg + (m.n * c.dispatchTask) / 2);
      if (m.kind === 'tasks') this.pending += m.n;
      else results += this.returned(m);
    }
    if (results > 0 && this.parent !== null) {
      used += this.spend(c.msg);
      this.send(this.parent, 'results', results, this.busyUntil);
    }
    return used + this.distribute();
  }
  /** A child's results: its credit comes back. Returns how many. */
  returned(m: Msg): number {
    const left = this.inFlight.get(m.from)! - m.n;
    this.inFlight.set(m.from, left);
    if (!this.freeSet.has(m.from)) {
      this.freeSet.add(m.from);
      this.free.push(m.from);
    }
    return m.n;
  }
  /** Water-filling over the children with credit, one message each; returns CPU µs used. */
  distribute(): number {
    const c = this.sim.c;
    let used = 0;
    const rest: Proc[] = [];
    let i = 0;
    for (; i < this.free.length && this.pending > 0; i++) {
      const kid = this.free[i]!;
      const room = this.cap.get(kid)! - this.inFlight.get(kid)!;
      const k = Math.min(room, this.pending);
      if (k <= 0) {
        this.freeSet.delete(kid);
        continue;
      }
      this.pending -= k;
      this.inFlight.set(kid, this.inFlight.get(kid)! + k);
      used += this.spend(c.msg); // the task was paid for on arrival
      this.send(kid, 'tasks', k, this.busyUntil);
      if (k < room) rest.push(kid);
      else this.freeSet.delete(kid);
    }
    this.free = [...this.free.slice(i), ...rest];
    return used;
  }
}

/**
 * Rank 0 of the in-allocation executor: the workflow's kernel and the root dispatcher in one JS thread, so a
 * task goes from the app call to a worker rank's queue without a message; its helper threads run beside it.
 */
class KernelRoot extends Dispatcher {
  readonly app = new Submitter();
  override hopFrom(from: Proc): number {
    return from === this ? 0 : super.hopFrom(from);
  }
  override handle(msgs: Msg[]): number {
    const c = this.sim.c;
    let used = 0;
    let results = 0;
    for (const m of msgs) {
      if (m.from === this) continue; // its own wake-up to submit the next slice
      used += this.spend(c.msg + (m.n * c.allocRootTask) / 2);
      this.sim.background((m.n * c.allocRootBackground) / 2);
      results += this.returned(m);
    }
    this.app.finished(results, this.busyUntil);
    const k = this.app.take();
    if (k > 0) {
      used += this.spend((k * c.allocRootTask) / 2);
      this.sim.background((k * c.allocRootBackground) / 2);
      this.pending += k;
      if (this.app.backlog > 0) this.receive({ kind: 'tasks', n: 0, from: this });
    }
    return used + this.distribute();
  }
  submit(n: number): void {
    this.app.backlog += n;
    this.receive({ kind: 'tasks', n: 0, from: this });
  }
}

class Worker extends Proc {
  queued = 0;
  running = false;
  firstStart = -1;
  constructor(
    sim: Sim,
    node: number,
    readonly taskMs: number,
  ) {
    super(sim, node);
  }
  hopFrom(from: Proc): number {
    const c = this.sim.c;
    return from.node === this.node ? c.mpiHop : c.mpiHop + c.networkMicros + this.sleepDelay();
  }
  handle(msgs: Msg[]): number {
    const c = this.sim.c;
    let used = 0;
    for (const m of msgs) {
      if (m.from === this) continue; // the wake-up after a task
      used += this.spend(c.msg);
      this.queued += m.n;
    }
    if (this.running || this.queued === 0) return used;
    if (this.firstStart < 0) this.firstStart = this.busyUntil;
    const taskUs = this.taskMs * 1000;
    // Short tasks run back to back and report together; longer ones report one by one.
    const k = taskUs + c.workerTask < c.flushAfterMs * 1000 ? this.queued : 1;
    this.queued -= k;
    used += this.spend(k * c.workerTask + c.msg);
    const end = this.busyUntil + k * taskUs;
    if (taskUs === 0) {
      this.send(this.parent!, 'results', k, end);
      if (this.queued > 0) this.receive({ kind: 'tasks', n: 0, from: this });
      return used;
    }
    this.running = true;
    this.sim.at(end, () => {
      this.running = false;
      this.lastActive = this.sim.now;
      this.send(this.parent!, 'results', k, this.sim.now);
      this.receive({ kind: 'tasks', n: 0, from: this });
    });
    return used;
  }
}

// ---------------------------------------------------------------- building and running a pool

function build(costs: Costs, s: Scenario) {
  const inAllocation = s.executor === 'in-allocation';
  // The in-allocation executor's ranks pay its own measured costs; its sub-dispatchers run ExtremeScale's code.
  const c = inAllocation
    ? {
        ...costs,
        msg: costs.allocMsg,
        mpiHop: costs.allocHop,
        workerTask: costs.allocWorkerTask,
        idleRankShare: costs.allocPollShare,
      }
    : costs;
  const sim = new Sim(c, s.sharedCores);
  let client: Client | KernelRoot;
  let ix: Interchange | null = null;
  let root: Dispatcher;
  if (inAllocation) {
    root = client = new KernelRoot(sim, 0);
  } else {
    // The kernel and interchange run on the login/launch node (node -1); rank r lives on node r / ranksPerNode.
    const cl = new Client(sim, -1);
    ix = new Interchange(sim, -1);
    root = new Dispatcher(sim, 0);
    cl.ix = ix;
    ix.client = cl;
    ix.root = root;
    root.parent = ix;
    client = cl;
  }
  root.isRoot = true;
  const depth = depthFor(c, s.taskMs);
  const workers: Worker[] = [];
  const subs: Dispatcher[] = [];
  if (s.fanout === null) {
    for (let i = 0; i < s.workers; i++)
      workers.push(new Worker(sim, Math.floor((1 + i) / s.ranksPerNode), s.taskMs));
    for (const w of workers) root.addChild(w, depth);
  } else if (s.layout === 'strided') {
    // ts/executors/exex/dispatch/tree.ts: relays are ranks 1..S, worker i (rank 1 + S + i) belongs to relay i mod S.
    const relays = Math.max(1, Math.ceil(s.workers / s.fanout));
    const nodeOf = (rank: number) => Math.floor(rank / s.ranksPerNode);
    for (let r = 1; r <= relays; r++) subs.push(new Dispatcher(sim, nodeOf(r)));
    for (let i = 0; i < s.workers; i++) {
      const w = new Worker(sim, nodeOf(1 + relays + i), s.taskMs);
      workers.push(w);
      subs[i % relays]!.addChild(w, depth);
    }
  } else {
    // One relay per group of `fanout` workers on the same node(s): every relay → worker hop stays on a node.
    const group = s.fanout + 1;
    let rank = 1;
    while (workers.length < s.workers) {
      const d = new Dispatcher(sim, Math.floor(rank / s.ranksPerNode));
      subs.push(d);
      rank++;
      for (let k = 1; k < group && workers.length < s.workers; k++, rank++) {
        const w = new Worker(sim, d.node, s.taskMs);
        workers.push(w);
        d.addChild(w, depth);
      }
    }
  }
  for (const d of subs) root.addChild(d, d.kids.length * depth);
  if (s.sharedCores !== null) {
    const idle = (1 + subs.length + workers.length) * c.idleRankShare;
    sim.cpuScale = s.sharedCores / Math.max(0.1, s.sharedCores - idle);
  }
  if (ix !== null) ix.credit = root.capacity;
  return { sim, client, ix, root, subs, workers };
}

const r3 = (v: number) => Math.round(v * 1000) / 1000;

/** No-op or fixed-duration tasks submitted at once: tasks/s, first task on every rank, CPU shares. */
export function throughput(c: Costs, s: Scenario) {
  const p = build(c, s);
  p.client.submit(s.tasks);
  p.sim.run();
  const secs = p.client.app.lastDone / 1e6;
  const firstAll = p.workers.reduce((m, w) => Math.max(m, w.firstStart), 0);
  const share = (x: Proc) => r3(x.busyMicros / p.client.app.lastDone);
  const relayShare =
    p.subs.length === 0
      ? null
      : r3(p.subs.reduce((m, d) => Math.max(m, d.busyMicros), 0) / p.client.app.lastDone);
  const ideal = s.taskMs > 0 ? (s.tasks * s.taskMs) / 1000 / s.workers : null;
  return {
    tasksPerSecond: Math.round(s.tasks / secs),
    seconds: r3(secs),
    efficiency: ideal === null ? null : r3(ideal / secs),
    firstTaskOnEveryRankSeconds: r3(firstAll / 1e6),
    // The in-allocation executor's kernel is rank 0 (one JS thread; its helper threads not counted).
    cpuShareOfACore: {
      kernel: share(p.client),
      interchange: p.ix === null ? null : share(p.ix),
      rank0: share(p.root),
      busiestRelay: relayShare,
    },
  };
}

/** Sequential round trips of one no-op task: median and p99 (ms). */
export function roundTrip(c: Costs, s: Scenario, n = 200) {
  const p = build(c, { ...s, taskMs: 0 });
  const lat: number[] = [];
  let t0 = 0;
  p.client.app.onDone = (t) => {
    lat.push(t - t0);
    if (lat.length < n) {
      // The next task starts once the previous one's future resolved.
      p.sim.at(t, () => {
        t0 = p.sim.now;
        p.client.submit(1);
      });
    }
  };
  p.client.submit(1);
  p.sim.run();
  lat.sort((a, b) => a - b);
  const at = (q: number) => r3(lat[Math.min(lat.length - 1, Math.floor(q * lat.length))]! / 1000);
  return { medianMs: at(0.5), p99Ms: at(0.99) };
}

// ---------------------------------------------------------------- the scenarios of docs/scale.md

function scenarios(): Array<Scenario & { kind: 'here' | 'scale' }> {
  const here = (name: string, workers: number, fanout: number | null, executor: Executor = 'exex') => ({
    executor,
    kind: 'here' as const,
    name,
    workers,
    fanout,
    ranksPerNode: 1 << 20,
    sharedCores: 2,
    taskMs: 0,
    tasks: 20_000,
    layout: 'strided' as const,
  });
  /** A job of `nodes × ranksPerNode` ranks: rank 0, the relays, and the rest workers. */
  const big = (
    name: string,
    nodes: number,
    ranksPerNode: number,
    fanout: number,
    taskMs: number,
    layout: Scenario['layout'],
    executor: Executor = 'exex',
  ) => {
    const ranks = nodes * ranksPerNode;
    const relays = Math.ceil((ranks - 1) / (fanout + 1));
    const workers = ranks - 1 - relays;
    return {
      executor,
      kind: 'scale' as const,
      name,
      workers,
      fanout,
      ranksPerNode,
      sharedCores: null,
      taskMs,
      tasks: 3 * workers,
      layout,
    };
  };
  return [
    here('here: 4 ranks (3 workers)', 3, null),
    here('here: 128 ranks, flat', 127, null),
    here('here: 256 ranks, flat', 255, null),
    here('here: 256 ranks, 8 relays × 31', 247, 31),
    big('262,144 ranks (8,192 nodes × 32), fan-out 64, no-op tasks', 8192, 32, 64, 0, 'strided'),
    big('262,144 ranks, fan-out 64, 1 s tasks', 8192, 32, 64, 1000, 'strided'),
    big('262,144 ranks, fan-out 31 node-local, 1 s tasks', 8192, 32, 31, 1000, 'node-local'),
    big('262,144 ranks, fan-out 256, 1 s tasks', 8192, 32, 256, 1000, 'strided'),
    big('262,144 ranks, fan-out 1024, 1 s tasks', 8192, 32, 1024, 1000, 'strided'),
    big('262,144 ranks, fan-out 64, 10 s tasks', 8192, 32, 64, 10_000, 'strided'),
    big(
      'Frontier-sized: 526,848 ranks (9,408 nodes × 56), fan-out 64, 10 s tasks',
      9408,
      56,
      64,
      10_000,
      'strided',
    ),
    here('in-allocation, here: 4 ranks (3 workers)', 3, null, IA),
    here('in-allocation, here: 128 ranks', 127, null, IA),
    here('in-allocation, here: 256 ranks', 255, null, IA),
    big('in-allocation, 262,144 ranks, fan-out 64, no-op tasks', 8192, 32, 64, 0, 'strided', IA),
    big('in-allocation, 262,144 ranks, fan-out 64, 1 s tasks', 8192, 32, 64, 1000, 'strided', IA),
    big('in-allocation, 262,144 ranks, fan-out 256, 1 s tasks', 8192, 32, 256, 1000, 'strided', IA),
    big('in-allocation, 262,144 ranks, fan-out 64, 10 s tasks', 8192, 32, 64, 10_000, 'strided', IA),
    big('in-allocation, Frontier-sized, fan-out 64, 10 s tasks', 9408, 56, 64, 10_000, 'strided', IA),
  ];
}
type Executor = NonNullable<Scenario['executor']>;
const IA: Executor = 'in-allocation';

const SELF = import.meta.filename;
if (process.argv[1] === SELF) {
  const i = process.argv.indexOf('--inputs');
  const costs: Costs =
    i > 0
      ? { ...COSTS, ...JSON.parse((await import('node:fs')).readFileSync(process.argv[i + 1]!, 'utf8')) }
      : COSTS;
  const out = process.argv.indexOf('--out');
  const hereOnly = process.argv.includes('--here-only');
  const o = process.argv.indexOf('--only');
  const only = o > 0 ? process.argv[o + 1]! : null;
  const rows = [];
  for (const s of scenarios()) {
    if (hereOnly && s.kind !== 'here') continue;
    if (only !== null && !s.name.includes(only)) continue;
    const t0 = performance.now();
    const row = {
      ...s,
      throughput: throughput(costs, s),
      roundTrip: s.workers <= 300 ? roundTrip(costs, s) : roundTrip(costs, s, 50),
      simSeconds: 0,
    };
    row.simSeconds = r3((performance.now() - t0) / 1000);
    rows.push(row);
  }
  const json = JSON.stringify({ benchmark: 'dispatch-sim', costs, rows }, null, 2);
  if (out > 0) writeFileSync(process.argv[out + 1]!, json);
  console.log(json);
}

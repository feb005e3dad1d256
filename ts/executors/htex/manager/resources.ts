import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, freemem } from 'node:os';
import { ConfigurationError } from '../../../errors.js';

/**
 * How many workers a pool starts on its node, and which CPUs and accelerators each one gets, with Parsl's rules
 * (process_worker_pool.py). `PARSL_CORES` and `PARSL_MEMORY_GB` override what the node reports, e.g. in a cgroup.
 */
export interface NodeResources {
  readonly cores: number;
  readonly memoryGB: number;
}

export function detectResources(env: NodeJS.ProcessEnv = process.env): NodeResources {
  const cores = Number(env.PARSL_CORES);
  const mem = Number(env.PARSL_MEMORY_GB);
  return {
    cores: Number.isFinite(cores) && cores > 0 ? cores : availableParallelism(),
    memoryGB: Number.isFinite(mem) && mem > 0 ? mem : freemem() / 2 ** 30,
  };
}

export interface WorkerSizing {
  readonly maxWorkersPerNode: number;
  readonly coresPerWorker: number;
  /** GB; `null` = no memory limit on the count. */
  readonly memPerWorker: number | null;
  readonly accelerators: readonly string[];
}

export function workerCount(node: NodeResources, s: WorkerSizing): number {
  let n = s.maxWorkersPerNode;
  if (s.coresPerWorker > 0) n = Math.min(n, Math.floor(node.cores / s.coresPerWorker));
  if (s.memPerWorker !== null && s.memPerWorker > 0)
    n = Math.min(n, Math.floor(node.memoryGB / s.memPerWorker));
  if (s.accelerators.length > 0) n = Math.min(n, s.accelerators.length);
  if (!Number.isFinite(n)) n = node.cores;
  return Math.max(1, Math.floor(n));
}

// ---- CPU affinity

/** A parsed `cpuAffinity` value. `list` holds one CPU group per worker, ranges already expanded. */
export type CpuAffinity =
  | { readonly kind: 'none' | 'block' | 'block-reverse' | 'alternating' }
  | { readonly kind: 'list'; readonly groups: readonly (readonly number[])[] };

const CPU_ITEM = /^(\d+)(?:-(\d+))?$/;

/** `0-2,5` → [0, 1, 2, 5] (the kernel's cpu-list syntax, also used by `list:` groups). */
export function parseCpuList(text: string): number[] {
  const cpus: number[] = [];
  for (const item of text.split(',')) {
    const m = CPU_ITEM.exec(item);
    if (m === null) throw new Error(`'${item}' is not a CPU number or range`);
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (hi < lo) throw new Error(`CPU range '${item}' runs backwards`);
    for (let c = lo; c <= hi; c++) cpus.push(c);
  }
  return cpus;
}

/**
 * Parse `none`, `block`, `block-reverse`, `alternating` or `list:<group>:<group>…` (a group is a cpu list such as
 * `0-3,8`; case-insensitive, as Parsl lower-cases it). Throws an Error saying what is wrong.
 */
export function parseCpuAffinity(value: string): CpuAffinity {
  const v = value.toLowerCase();
  if (v === 'none' || v === 'block' || v === 'block-reverse' || v === 'alternating') return { kind: v };
  if (v.startsWith('list:')) {
    const groups = v.slice(5).split(':');
    try {
      return { kind: 'list', groups: groups.map(parseCpuList) };
    } catch (e) {
      throw new Error(
        `bad list '${value}': ${(e as Error).message}; write list:0,1:2-3 (one group per worker)`,
      );
    }
  }
  throw new Error(`'${value}' is not one of none, block, block-reverse, alternating or list:…`);
}

/** CPUs this process may run on (Linux `Cpus_allowed_list`, as Parsl's `sched_getaffinity`), else 0..n-1. */
export function allowedCpus(): number[] {
  try {
    const m = /^Cpus_allowed_list:\s*(\S+)$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (m?.[1]) return parseCpuList(m[1]);
  } catch {
    // not Linux: every CPU the runtime reports
  }
  return Array.from({ length: availableParallelism() }, (_, i) => i);
}

/**
 * The CPUs of each of `count` workers (index = rank), or `null` entries for `none`. As in Parsl, the pool's allowed
 * CPUs are split evenly (`floor(cpus / workers)` each), whatever `coresPerWorker` says. Throws ConfigurationError
 * when the policy cannot be honoured on this node, before any worker starts.
 */
export function planAffinity(a: CpuAffinity, count: number, avail: readonly number[]): (number[] | null)[] {
  if (a.kind === 'none') return Array.from({ length: count }, () => null);
  const ranks = Array.from({ length: count }, (_, r) => r);
  if (a.kind === 'list') {
    if (a.groups.length !== count) {
      throw affinityError(
        `the list has ${a.groups.length} group(s) but this pool starts ${count} worker(s): give one group per worker (maxWorkersPerNode caps the count)`,
      );
    }
    const allowed = new Set(avail);
    const missing = a.groups.flat().filter((c) => !allowed.has(c));
    if (missing.length > 0) {
      throw affinityError(
        `CPU(s) ${[...new Set(missing)].join(',')} are not available to this pool (allowed: ${avail.join(',')})`,
      );
    }
    return a.groups.map((g) => [...g]);
  }
  const per = Math.floor(avail.length / count);
  if (per < 1) {
    throw affinityError(
      `${count} workers but only ${avail.length} CPU(s): every worker needs one (raise coresPerWorker or lower maxWorkersPerNode)`,
    );
  }
  const chunk = (i: number) => avail.slice(per * i, per * (i + 1));
  switch (a.kind) {
    case 'block':
      return ranks.map(chunk);
    case 'block-reverse':
      return ranks.map((r) => chunk(count - 1 - r));
    case 'alternating':
      return ranks.map((r) => avail.filter((_, i) => i % count === r));
  }
}

function affinityError(why: string): ConfigurationError {
  return new ConfigurationError(`HighThroughputExecutor.cpuAffinity cannot be applied on this node: ${why}`);
}

/** Environment that pins OpenMP runtimes to the worker's CPUs (GCC and Intel). */
export function affinityEnv(cpus: readonly number[]): Record<string, string> {
  const list = cpus.join(',');
  return {
    OMP_NUM_THREADS: String(cpus.length),
    GOMP_CPU_AFFINITY: list,
    KMP_AFFINITY: `explicit,proclist=[${list}]`,
  };
}

// ---- accelerators

/**
 * Number of CUDA GPUs `nvidia-smi -L` lists, or null when it is absent or fails. Parsl asks so that workers can
 * share GPUs under MPS: with more accelerator ids than GPUs, ids are folded onto the real devices.
 */
export function countCudaDevices(timeoutMs = 10_000): Promise<number | null> {
  return new Promise((resolve) => {
    execFile('nvidia-smi', ['-L'], { timeout: timeoutMs }, (err, stdout) => {
      const gpus = err ? 0 : stdout.split('\n').filter((l) => /^GPU \d+/.test(l)).length;
      resolve(gpus > 0 ? gpus : null);
    });
  });
}

/** Parsl's MPS folding: worker `acc` of a pool of `poolSize` on `gpus` devices uses device `acc / (poolSize / gpus)`. */
export function cudaDevice(accelerator: string, poolSize: number, gpus: number | null): string {
  if (gpus === null || !/^\d+$/.test(accelerator)) return accelerator;
  const perDevice = Math.floor(poolSize / gpus);
  return perDevice < 1 ? accelerator : String(Math.floor(Number(accelerator) / perDevice));
}

/** Environment that shows a worker only its accelerator (CUDA, ROCm, Level Zero), as Parsl sets it. */
export function acceleratorEnv(accelerator: string, cuda: string): Record<string, string> {
  return {
    CUDA_VISIBLE_DEVICES: cuda,
    ROCR_VISIBLE_DEVICES: accelerator,
    ZE_AFFINITY_MASK: accelerator,
    ZE_ENABLE_PCI_ID_DEVICE_ORDER: '1',
  };
}

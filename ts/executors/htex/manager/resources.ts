import { availableParallelism, freemem } from 'node:os';

/**
 * How many workers a pool starts on its node, and which CPUs and accelerators each one gets.
 * `PARSL_CORES` and `PARSL_MEMORY_GB` override what the node reports (as in Parsl), e.g. inside a cgroup.
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

/**
 * CPUs for worker `rank` of `count` under Parsl's affinity policies: `none`, `block`, `block-reverse`,
 * `alternating`, or `list:0,1:2,3` (one comma list per worker, separated by colons). `null` = no pinning.
 */
export function cpusForWorker(
  policy: string,
  rank: number,
  count: number,
  cores: number,
  coresPerWorker: number,
): number[] | null {
  if (policy === 'none') return null;
  const all = Array.from({ length: Math.max(1, Math.floor(cores)) }, (_, i) => i);
  const per = Math.max(1, Math.floor(coresPerWorker));
  if (policy === 'block') return all.slice(rank * per, (rank + 1) * per);
  if (policy === 'block-reverse') return all.reverse().slice(rank * per, (rank + 1) * per);
  if (policy === 'alternating') return all.filter((c) => c % count === rank % count);
  if (policy.startsWith('list:')) {
    const groups = policy.slice(5).split(':');
    const g = groups[rank % groups.length] ?? '';
    return g
      .split(',')
      .filter((x) => x !== '')
      .map(Number);
  }
  throw new Error(`unknown cpuAffinity '${policy}': use none, block, block-reverse, alternating or list:…`);
}

/** Environment that pins OpenMP runtimes to the worker's CPUs. */
export function affinityEnv(cpus: readonly number[]): Record<string, string> {
  const list = cpus.join(',');
  return {
    OMP_NUM_THREADS: String(cpus.length),
    GOMP_CPU_AFFINITY: list,
    KMP_AFFINITY: `explicit,proclist=[${list}]`,
  };
}

/** Environment that shows worker `rank` only its accelerator (CUDA, ROCm, Level Zero). */
export function acceleratorEnv(accelerators: readonly string[], rank: number): Record<string, string> {
  if (accelerators.length === 0) return {};
  const a = accelerators[rank % accelerators.length]!;
  return { CUDA_VISIBLE_DEVICES: a, ROCR_VISIBLE_DEVICES: a, ZE_AFFINITY_MASK: a };
}

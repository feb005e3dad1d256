// Baseline worker for bench/local.ts: the same workloads as the parsl-ts apps, run through Piscina.
export function noop() {
  return 0;
}

export function sleep10() {
  return new Promise((resolve) => setTimeout(() => resolve(0), 10));
}

/**
 * CPU time of a workflow's processes and threads, read from /proc (Linux): the kernel's process (split into its
 * main thread and the rest: worker threads such as the monitoring writer, V8's GC helpers, libuv), and the
 * processes whose command line names the run directory, with their descendants (an HTEX interchange, worker
 * pools, workers), each counted under a role.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Milliseconds of CPU (user + system) per role. */
export type CpuByRole = Record<string, number>;

const TICK_MS = 10; // USER_HZ is 100 on Linux

function stat(path: string): { ppid: number; ms: number } | null {
  try {
    const text = readFileSync(path, 'latin1');
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(f[1]), ms: (Number(f[11]) + Number(f[12])) * TICK_MS };
  } catch {
    return null; // gone meanwhile
  }
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'latin1').replaceAll('\0', ' ');
  } catch {
    return '';
  }
}

/**
 * CPU per role now. `role(cmd)` names the role of a process of the run from its command line (null: count it
 * as 'other'); this process is 'kernel thread' and 'kernel process, other threads'.
 */
export function cpuByRole(runDir: string, role: (cmd: string) => string | null): CpuByRole {
  const parent = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    const s = stat(`/proc/${pid}/stat`);
    if (s !== null) parent.set(pid, s.ppid);
  }
  const ours = new Set<number>();
  for (const pid of parent.keys()) if (pid !== process.pid && cmdline(pid).includes(runDir)) ours.add(pid);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, ppid] of parent) {
      if (!ours.has(pid) && pid !== process.pid && ours.has(ppid)) {
        ours.add(pid);
        grew = true;
      }
    }
  }
  const out: CpuByRole = {};
  const add = (k: string, ms: number) => {
    out[k] = (out[k] ?? 0) + ms;
  };
  for (const tid of readdirSync('/proc/self/task')) {
    const s = stat(`/proc/self/task/${tid}/stat`);
    if (s !== null)
      add(Number(tid) === process.pid ? 'kernel thread' : 'kernel process, other threads', s.ms);
  }
  for (const pid of ours) {
    const s = stat(`/proc/${pid}/stat`);
    // A process's own stat sums its threads.
    if (s !== null && s.ms > 0) add(role(cmdline(pid)) ?? 'other', s.ms);
  }
  return out;
}

/** `after − before` per role. */
export function cpuSince(before: CpuByRole, after: CpuByRole): CpuByRole {
  const out: CpuByRole = {};
  for (const [k, v] of Object.entries(after)) out[k] = v - (before[k] ?? 0);
  return out;
}

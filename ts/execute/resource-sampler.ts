import { readdirSync, readFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import type { ResourceSample } from './task-wire.js';

/** Linux reports CPU times in clock ticks; USER_HZ is 100 on every mainstream architecture. */
const TICKS_PER_SECOND = 100;
const PAGE_SIZE = 4096;

interface ProcStat {
  readonly state: string;
  readonly utime: number;
  readonly stime: number;
  readonly cutime: number;
  readonly cstime: number;
  readonly vsize: number;
  readonly rssPages: number;
  readonly processor: number;
}

/**
 * One sample of the process tree rooted at `pid` (this process by default), summed as Parsl's psutil monitor
 * sums it. Reads `/proc` synchronously: a few small files per process. Fields a process does not expose (its
 * `io` file under some container setups) count as 0 rather than failing the sample.
 */
export function sampleProcessTree(pid: number = process.pid): ResourceSample {
  const root = readStat(pid);
  const tree = [pid, ...descendants(pid)];
  let cpuUser = 0;
  let cpuSystem = 0;
  let rss = 0;
  let vms = 0;
  let diskRead = 0;
  let diskWrite = 0;
  let ctxVoluntary = 0;
  let ctxInvoluntary = 0;
  for (const p of tree) {
    const st = p === pid ? root : readStat(p);
    if (st === null) continue; // exited between listing and reading
    cpuUser += (st.utime + st.cutime) / TICKS_PER_SECOND;
    cpuSystem += (st.stime + st.cstime) / TICKS_PER_SECOND;
    rss += st.rssPages * PAGE_SIZE;
    vms += st.vsize;
    const io = readKeyed(`/proc/${p}/io`);
    diskRead += io.get('read_bytes') ?? 0;
    diskWrite += io.get('write_bytes') ?? 0;
    const status = readKeyed(`/proc/${p}/status`);
    ctxVoluntary += status.get('voluntary_ctxt_switches') ?? 0;
    ctxInvoluntary += status.get('nonvoluntary_ctxt_switches') ?? 0;
  }
  return {
    time: Date.now(),
    pid,
    children: tree.length - 1,
    cpuUser,
    cpuSystem,
    rss,
    vms,
    memoryPercent: (100 * rss) / totalmem(),
    diskRead,
    diskWrite,
    ctxVoluntary,
    ctxInvoluntary,
    status: STATES[root?.state ?? ''] ?? 'unknown',
    cpuNum: root?.processor ?? -1,
  };
}

/** psutil's names for the one-letter process states. */
const STATES: Readonly<Record<string, string>> = {
  R: 'running',
  S: 'sleeping',
  D: 'disk-sleep',
  Z: 'zombie',
  T: 'stopped',
  t: 'tracing-stop',
  I: 'idle',
  X: 'dead',
};

function readStat(pid: number): ProcStat | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'latin1');
  } catch {
    return null;
  }
  // The command name is in parentheses and may itself contain spaces or parentheses.
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // Fields after the name, 0-based: 0 state, 11 utime, 12 stime, 13 cutime, 14 cstime, 20 vsize, 21 rss, 36 processor.
  return {
    state: f[0] ?? '',
    utime: Number(f[11]),
    stime: Number(f[12]),
    cutime: Number(f[13]),
    cstime: Number(f[14]),
    vsize: Number(f[20]),
    rssPages: Number(f[21]),
    processor: Number(f[36]),
  };
}

function readKeyed(path: string): Map<string, number> {
  const out = new Map<string, number>();
  let text: string;
  try {
    text = readFileSync(path, 'latin1');
  } catch {
    return out;
  }
  for (const line of text.split('\n')) {
    const i = line.indexOf(':');
    if (i > 0) out.set(line.slice(0, i), Number.parseInt(line.slice(i + 1), 10));
  }
  return out;
}

/**
 * Every live descendant of `pid`. Node (libuv), bash and most programs fork from their main thread, whose
 * `children` list is read first; the other threads' lists are read only for processes other than Node's own
 * (a Node worker has a dozen threads).
 */
function descendants(pid: number): number[] {
  const out: number[] = [];
  const stack = [pid];
  while (stack.length > 0) {
    const p = stack.pop()!;
    let threads: string[];
    try {
      threads = p === process.pid ? [String(p)] : readdirSync(`/proc/${p}/task`);
    } catch {
      continue;
    }
    for (const t of threads) {
      let text: string;
      try {
        text = readFileSync(`/proc/${p}/task/${t}/children`, 'latin1');
      } catch {
        continue;
      }
      for (const c of text.split(' ')) {
        const child = Number(c);
        if (c.length > 0 && Number.isInteger(child)) {
          out.push(child);
          stack.push(child);
        }
      }
    }
  }
  return out;
}

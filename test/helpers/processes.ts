// Which processes are alive, read from /proc (no pgrep: it would be one more process to exclude, and polling it
// costs a fork per check). A zombie counts as gone: it has exited, and an orphan zombie may never be reaped here.
import { readdirSync, readFileSync } from 'node:fs';
import { ConditionTimeout, eventually } from './eventually.js';

interface Stat {
  readonly state: string;
  readonly pgrp: number;
}

function statOf(pid: number): Stat | null {
  try {
    // Fields after the command name, which may itself hold spaces and parentheses: state ppid pgrp …
    const text = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const [state = '', , pgrp = ''] = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return { state, pgrp: Number(pgrp) };
  } catch {
    return null; // exited meanwhile
  }
}

function liveProcesses(): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const st = statOf(Number(entry));
    if (st !== null && st.state !== 'Z') pids.push(Number(entry));
  }
  return pids;
}

function read(pid: number, file: 'cmdline' | 'environ'): string {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'latin1');
  } catch {
    return ''; // exited meanwhile, or not ours to read
  }
}

/** The command line of `pid`, arguments joined by spaces ('' once it has exited). */
export function commandOf(pid: number): string {
  return read(pid, 'cmdline').replaceAll('\0', ' ').trim();
}

/** The live processes (this one aside) whose command line contains `text`, e.g. a run directory. */
export function processesWith(text: string): number[] {
  if (text === '')
    throw new Error('processesWith needs a marker: every command line contains the empty string');
  return liveProcesses().filter((pid) => commandOf(pid).includes(text));
}

/**
 * Every live process of a run (this one aside): its run directory is in the command line or the environment. The
 * environment finds what the command line does not show, such as MPICH's proxies and Open MPI's launcher helpers,
 * which inherit a block's variables (a LocalProvider block exports its script directory, inside the run directory).
 */
export function processesOfRun(runDir: string): number[] {
  if (runDir === '') throw new Error('processesOfRun needs a run directory');
  return liveProcesses().filter(
    (pid) => commandOf(pid).includes(runDir) || read(pid, 'environ').includes(runDir),
  );
}

/** "pid command" of each of `pids`, for a failure message. */
export function describeProcesses(pids: readonly number[]): string[] {
  return pids.map((pid) => `${pid} ${commandOf(pid)}`);
}

/** The live processes (this one aside) whose environment holds `name=value`. */
export function processesWithEnv(name: string, value: string): number[] {
  const entry = `${name}=${value}\0`;
  return liveProcesses().filter((pid) => `\0${read(pid, 'environ')}`.includes(`\0${entry}`));
}

/** Whether `pid` is alive. */
export function isAlive(pid: number): boolean {
  const st = statOf(pid);
  return st !== null && st.state !== 'Z';
}

/** Whether `pid` is stopped (SIGSTOP) or traced-stopped. */
export function isStopped(pid: number): boolean {
  const state = statOf(pid)?.state;
  return state === 'T' || state === 't';
}

/** Whether any process of process group `pgid` is alive. */
export function groupAlive(pgid: number): boolean {
  return liveProcesses().some((pid) => statOf(pid)?.pgrp === pgid);
}

/** SIGKILL each of `pids` that is still there; returns them as "pid command" for a message. */
export function killAndDescribe(pids: readonly number[]): string[] {
  const described = describeProcesses(pids);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // exited meanwhile
    }
  }
  return described;
}

/** SIGKILL whatever is left with `text` in its command line (a failing test must not leak into the next). */
export function killAll(text: string): void {
  killAndDescribe(processesWith(text));
}

/**
 * Wait until `find()` reports no process, for at most `timeoutMs`. What is still alive then is killed and returned
 * as "pid command" lines (empty when every process ended by itself).
 */
export async function leftoversAfter(find: () => number[], timeoutMs: number): Promise<string[]> {
  try {
    await eventually(() => find().length === 0, { what: 'no process left', timeoutMs });
    return [];
  } catch (e) {
    if (!(e instanceof ConditionTimeout)) throw e;
    return killAndDescribe(find());
  }
}

/** Processes of a run outlived it; they have been killed, and the message lists them. */
export class ProcessesLeft extends Error {
  override name = 'ProcessesLeft';
}

/**
 * "No process of the run is left": wait until no process has `marker` (a run directory) in its command line;
 * processes still there after `timeoutMs` are killed and the test fails, naming each one.
 */
export async function expectNoProcessLeft(marker: string, timeoutMs = 15_000): Promise<void> {
  const left = await leftoversAfter(() => processesWith(marker), timeoutMs);
  if (left.length > 0)
    throw new ProcessesLeft(
      `${left.length} process(es) of ${marker} still ran ${timeoutMs} ms after the run ended (now killed):\n${left.join('\n')}`,
    );
}

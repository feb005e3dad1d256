// A workflow script run as a real child process (plain node or `parsl-ts run`), for tests of how a process that
// loaded a kernel ends: by itself, on a signal, on an uncaught error. Waits are on its output and its exit.
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { eventually } from './eventually.js';

/** The built package's entry, for `import * as parsl from …` in a script written by a test. */
export const PACKAGE_ENTRY = JSON.stringify(resolve('dist/index.js'));
const CLI = resolve('dist/cli/main.js');

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export class ChildScript {
  stdout = '';
  stderr = '';
  readonly exited: Promise<Exit>;
  readonly #child: ChildProcess;

  constructor(child: ChildProcess) {
    this.#child = child;
    child.stdout!.on('data', (d: Buffer) => (this.stdout += d.toString('utf8')));
    child.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString('utf8')));
    this.exited = new Promise((r) => child.once('exit', (code, signal) => r({ code, signal })));
  }

  get pid(): number {
    return this.#child.pid!;
  }

  /** Wait until stdout holds `text` (the script says it reached a point). */
  async printed(text: string, timeoutMs = 30_000): Promise<void> {
    await eventually(() => this.stdout.includes(text) || this.#failedEarly(), {
      what: `the script printed ${JSON.stringify(text)}`,
      timeoutMs,
    });
    if (!this.stdout.includes(text)) throw new Error(`the script ended first:\n${this.output()}`);
  }

  signal(s: NodeJS.Signals): void {
    this.#child.kill(s);
  }

  /** The exit, or a failure naming what the script printed if it has not ended within `timeoutMs`. */
  async exit(timeoutMs = 30_000): Promise<Exit> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.#child.kill('SIGKILL');
        reject(new Error(`the script did not exit within ${timeoutMs} ms:\n${this.output()}`));
      }, timeoutMs);
    });
    try {
      return await Promise.race([this.exited, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  output(): string {
    return `--- stdout\n${this.stdout}--- stderr\n${this.stderr}`;
  }

  #failedEarly(): boolean {
    return this.#child.exitCode !== null || this.#child.signalCode !== null;
  }
}

/** Write `source` to `<dir>/<name>` and run it with plain node, or with `parsl-ts run` when `viaCli`. */
export function runScript(dir: string, name: string, source: string, viaCli = false): ChildScript {
  const path = join(dir, name);
  writeFileSync(path, source);
  const args = viaCli ? [CLI, 'run', path] : [path];
  return new ChildScript(spawn(process.execPath, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] }));
}

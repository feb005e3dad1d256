import { execFileSync, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';

/** Why a real terminal cannot be had here (tmux missing), or null. */
export function terminalMissing(): string | null {
  const r = spawnSync('tmux', ['-V'], { encoding: 'utf8' });
  return r.status === 0
    ? null
    : 'tmux is not installed (apt-get install -y tmux; scripts/setup-system.sh does it)';
}

/**
 * A real pseudo-terminal: a shell in a detached tmux session on a private server, so a command sees a TTY on
 * stdout and stderr exactly as in a user's terminal. `screen()` is what the terminal shows now.
 */
export class Terminal {
  readonly #socket = `parsl-ts-${randomUUID()}`;

  constructor(cwd: string, { columns = 120, rows = 30 } = {}) {
    this.#tmux('new-session', '-d', '-s', 'main', '-x', String(columns), '-y', String(rows), '-c', cwd);
  }

  /** Type `line` and Enter into the shell. */
  type(line: string): void {
    this.#tmux('send-keys', '-t', 'main', '-l', line);
    this.#tmux('send-keys', '-t', 'main', 'Enter');
  }

  /** The visible screen, trailing blank lines dropped. */
  screen(): string {
    return this.#tmux('capture-pane', '-p', '-t', 'main').replace(/\s+$/, '');
  }

  close(): void {
    spawnSync('tmux', ['-L', this.#socket, 'kill-server']);
  }

  #tmux(...args: string[]): string {
    return execFileSync('tmux', ['-L', this.#socket, '-f', '/dev/null', ...args], { encoding: 'utf8' });
  }
}

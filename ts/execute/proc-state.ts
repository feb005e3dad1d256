import { readFileSync } from 'node:fs';

/**
 * The kernel's one-letter state of `pid` from /proc/<pid>/stat (`R`, `S`, `T`, `Z`, …), or null when the process
 * is gone or there is no /proc to tell.
 */
export function processState(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // The command name is in parentheses and may itself hold spaces or parentheses.
    return stat.charAt(stat.lastIndexOf(')') + 2) || null;
  } catch {
    return null;
  }
}

import { ConfigurationError } from '../errors.js';
import type { OptionReader } from '../options.js';

/** Seconds in a `[[HH:]MM:]SS` walltime (Parsl's format; hours may exceed 24). */
export function walltimeToSeconds(walltime: string): number {
  const parts = walltime.trim().split(':');
  if (parts.length > 3 || parts.some((p) => !/^\d+$/.test(p))) {
    throw new ConfigurationError(
      `walltime ${JSON.stringify(walltime)} is not HH:MM:SS; write e.g. '00:10:00'`,
    );
  }
  return parts.reduce((acc, p) => acc * 60 + Number(p), 0);
}

/** Whole minutes, rounded up, at least 1 (Slurm, LSF and Cobalt take minutes). */
export function walltimeToMinutes(walltime: string): number {
  return Math.max(1, Math.ceil(walltimeToSeconds(walltime) / 60));
}

/** `HH:MM:SS` with hours unbounded. */
export function secondsToWalltime(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return [h, m, s].map((n) => String(n).padStart(2, '0')).join(':');
}

const WALLTIME = /^\s*\d+(:\d+){0,2}\s*$/;

/**
 * A provider's `walltime` option, as Parsl's 'HH:MM:SS' or a number of seconds (rounded up), returned as
 * 'HH:MM:SS' with two-digit minutes and seconds.
 */
export function readWalltime<T extends { walltime?: string | number }>(
  o: OptionReader<T>,
  dflt: string,
): string {
  const v = o.check<string | number>('walltime', dflt, (v) =>
    (typeof v === 'number' && v > 0 && Number.isFinite(v)) || (typeof v === 'string' && WALLTIME.test(v))
      ? null
      : "'HH:MM:SS' or a number of seconds > 0",
  );
  return secondsToWalltime(typeof v === 'number' ? Math.ceil(v) : walltimeToSeconds(v));
}

import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { NodeListError } from './errors.js';

/** The nodes of a block, in order, and where the list came from. */
export interface NodeList {
  readonly nodes: readonly string[];
  readonly source: string;
}

/**
 * Expands a Slurm hostlist expression: `nid[001-003,007],login1` → nid001 nid002 nid003 nid007 login1
 * (zero padding kept; several bracket groups per name are expanded left to right).
 */
export function expandHostlist(expr: string): string[] {
  const out: string[] = [];
  for (const item of splitTopLevel(expr.trim())) if (item) out.push(...expandItem(item));
  return out;
}

function splitTopLevel(s: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let cur = '';
  for (const c of s) {
    if (c === '[') depth++;
    else if (c === ']') depth--;
    if (c === ',' && depth === 0) {
      parts.push(cur);
      cur = '';
    } else cur += c;
  }
  if (depth !== 0) throw new NodeListError(`unbalanced brackets in host list '${s}'`);
  parts.push(cur);
  return parts;
}

function expandItem(item: string): string[] {
  const m = /^([^[]*)\[([^\]]+)\](.*)$/.exec(item);
  if (!m) return [item];
  const [, prefix, ranges, rest] = m;
  const tails = expandItem(rest!);
  const out: string[] = [];
  for (const r of ranges!.split(',')) {
    const [a, b] = r.split('-');
    if (b === undefined) {
      for (const t of tails) out.push(`${prefix}${a}${t}`);
      continue;
    }
    const lo = Number(a);
    const hi = Number(b);
    if (!Number.isInteger(lo) || !Number.isInteger(hi) || hi < lo)
      throw new NodeListError(`bad range '${r}' in host list item '${item}'`);
    for (let i = lo; i <= hi; i++)
      for (const t of tails) out.push(`${prefix}${String(i).padStart(a!.length, '0')}${t}`);
  }
  return out;
}

function unique(names: string[]): string[] {
  return [...new Set(names.map((n) => n.trim()).filter(Boolean))];
}

/**
 * The block's nodes from the batch system's environment: Slurm (`SLURM_JOB_NODELIST`/`SLURM_NODELIST`), PBS
 * (`PBS_NODEFILE`), LSF (`LSB_MCPU_HOSTS`, `LSB_HOSTS`, without the launch node), Cobalt (`COBALT_NODEFILE`), else
 * this host alone. An explicit list wins.
 */
export function blockNodes(
  explicit: readonly string[] | null,
  env: NodeJS.ProcessEnv = process.env,
): NodeList {
  if (explicit && explicit.length > 0) return { nodes: unique([...explicit]), source: 'explicit host list' };
  const slurm = env.SLURM_JOB_NODELIST ?? env.SLURM_NODELIST;
  if (slurm) return { nodes: unique(expandHostlist(slurm)), source: 'SLURM_NODELIST' };
  for (const v of ['PBS_NODEFILE', 'COBALT_NODEFILE'] as const) {
    const file = env[v];
    if (!file) continue;
    try {
      return { nodes: unique(readFileSync(file, 'utf8').split('\n')), source: v };
    } catch (e) {
      throw new NodeListError(`${v}=${file} cannot be read: ${(e as Error).message}`, { cause: e });
    }
  }
  if (env.LSB_MCPU_HOSTS) {
    const words = env.LSB_MCPU_HOSTS.trim().split(/\s+/);
    const hosts = words.filter((_, i) => i % 2 === 0);
    // The first host is the batch/launch node on most LSF sites (Summit-style); compute nodes follow.
    return { nodes: unique(hosts.length > 1 ? hosts.slice(1) : hosts), source: 'LSB_MCPU_HOSTS' };
  }
  if (env.LSB_HOSTS) {
    const hosts = unique(env.LSB_HOSTS.split(/\s+/));
    return { nodes: hosts.length > 1 ? hosts.slice(1) : hosts, source: 'LSB_HOSTS' };
  }
  return { nodes: [hostname()], source: 'this host' };
}

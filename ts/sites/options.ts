/**
 * The user's per-site options (Parsl's `local_user_opts.py`), read from a JSON file: top-level keys apply to every
 * site, `"sites": { "<name>": { … } }` overrides them for one site. Every key is checked here, before any Config
 * is built, so a typo is reported with the file's name and nothing is submitted.
 */
import { readFileSync } from 'node:fs';
import { describeValue } from '../describe.js';
import { BadSiteOptions, MissingSiteOption } from './errors.js';
import type { SiteFacts, SiteOptions } from './site.js';

export type { SiteOptions } from './site.js';

type Kind = 'string' | 'int' | 'strings';
const KINDS: { readonly [K in keyof Required<SiteOptions>]: Kind } = {
  account: 'string',
  queue: 'string',
  workerInit: 'string',
  walltime: 'string',
  scratch: 'string',
  nodesPerBlock: 'int',
  maxBlocks: 'int',
  schedulerOptions: 'string',
  host: 'string',
  username: 'string',
  keyFilename: 'string',
  port: 'int',
  address: 'string',
  image: 'string',
  namespace: 'string',
  imageId: 'string',
  region: 'string',
  keyName: 'string',
  projectId: 'string',
  zone: 'string',
  hosts: 'strings',
  mpicc: 'string',
};

export const SITE_OPTION_NAMES = Object.keys(KINDS) as (keyof SiteOptions)[];

/** Options as read, with the file they came from (null: none given) for messages. */
export interface LoadedOptions {
  readonly options: SiteOptions;
  readonly file: string | null;
}

function fits(kind: Kind, v: unknown): boolean {
  if (kind === 'string') return typeof v === 'string' && v !== '';
  if (kind === 'int') return typeof v === 'number' && Number.isInteger(v) && v > 0;
  return Array.isArray(v) && v.length > 0 && v.every((s) => typeof s === 'string' && s !== '');
}

/** Checks one object of options; `where` names it in messages (`site-options.json` or `…, sites.polaris`). */
export function checkSiteOptions(raw: unknown, where: string): SiteOptions {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new BadSiteOptions(`${where}: expected a JSON object of options, got ${describeValue(raw)}`);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) {
    const kind = (KINDS as Record<string, Kind | undefined>)[k];
    if (kind === undefined)
      throw new BadSiteOptions(`${where}: unknown option '${k}' (known: ${SITE_OPTION_NAMES.join(', ')})`);
    if (!fits(kind, v)) {
      const want = { string: 'a non-empty string', int: 'a whole number > 0', strings: 'a list of names' }[
        kind
      ];
      throw new BadSiteOptions(`${where}: option '${k}' must be ${want}, got ${describeValue(v)}`);
    }
    out[k] = v;
  }
  return out as SiteOptions;
}

/** Reads `file` for `site`: the top-level options, then that site's section over them. */
export function readSiteOptions(file: string, site: string): LoadedOptions {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (cause) {
    throw new BadSiteOptions(`site options file ${file}: ${(cause as Error).message}`, { cause });
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new BadSiteOptions(`${file}: expected a JSON object, got ${describeValue(raw)}`);
  const { sites, ...common } = raw as Record<string, unknown>;
  const base = checkSiteOptions(common, file);
  if (sites === undefined) return { options: base, file };
  if (typeof sites !== 'object' || sites === null || Array.isArray(sites))
    throw new BadSiteOptions(`${file}: 'sites' must map site names to options, got ${describeValue(sites)}`);
  const own = (sites as Record<string, unknown>)[site];
  return {
    options: { ...base, ...(own === undefined ? {} : checkSiteOptions(own, `${file}, sites.${site}`)) },
    file,
  };
}

/** Throws {@link MissingSiteOption} for the first required option the user did not give. */
export function requireOptions(facts: SiteFacts, loaded: LoadedOptions): void {
  for (const name of facts.required) {
    if (loaded.options[name] === undefined) throw new MissingSiteOption(facts.name, name, loaded.file);
  }
}

/** The options with a visible `<name>` placeholder for every required one missing (dry runs). */
export function withPlaceholders(facts: SiteFacts, options: SiteOptions): SiteOptions {
  const filled: Record<string, unknown> = { ...options };
  for (const name of facts.required) {
    if (filled[name] !== undefined) continue;
    filled[name] = KINDS[name] === 'strings' ? [`<${name}>`] : KINDS[name] === 'int' ? 1 : `<${name}>`;
  }
  return filled as SiteOptions;
}

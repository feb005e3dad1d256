/**
 * Which site this is (Parsl's `site_config_selector`): `PARSL_TS_SITE` names it, else the first site whose
 * hostname patterns match this host's short or fully qualified name. No match is an error listing every site.
 */
import { hostname } from 'node:os';
import { SITES } from './catalog/index.js';
import { UnknownSite } from './errors.js';
import type { Site } from './site.js';

export function siteNames(): string[] {
  return SITES.map((s) => s.facts.name);
}

/** The site of that name; {@link UnknownSite} lists the known ones. */
export function siteByName(name: string): Site {
  const site = SITES.find((s) => s.facts.name === name);
  if (!site) throw new UnknownSite(`no site named '${name}'`, siteNames());
  return site;
}

/** The site for a host name (or names: short and FQDN), or null. */
export function siteForHost(names: readonly string[]): Site | null {
  for (const site of SITES) {
    if (site.facts.hostnames.some((re) => names.some((n) => re.test(n)))) return site;
  }
  return null;
}

/** `--site`, else `PARSL_TS_SITE`, else this host's name; throws {@link UnknownSite}. */
export function selectSite(
  name: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
  hosts: readonly string[] = [hostname()],
): Site {
  const chosen = name ?? env.PARSL_TS_SITE;
  if (chosen !== undefined && chosen !== '') return siteByName(chosen);
  const found = siteForHost(hosts);
  if (found) return found;
  throw new UnknownSite(
    `this host (${hosts.join(', ')}) matches no site: pass --site NAME or set PARSL_TS_SITE`,
    siteNames(),
  );
}

import { writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import type { Command } from 'commander';
import { SITES } from '../../sites/catalog/index.js';
import { dryRunScripts } from '../../sites/dry-run.js';
import {
  type LoadedOptions,
  readSiteOptions,
  requireOptions,
  withPlaceholders,
} from '../../sites/options.js';
import { selectSite } from '../../sites/select.js';
import { simulation } from '../../sites/simulate.js';
import type { Site, SiteFacts } from '../../sites/site.js';
import { CHECKS, type CheckName, runSiteSuite, SHORT_CHECKS, type SiteRun } from '../../sites/suite.js';
import { PACKAGE_VERSION } from '../../version.js';

function writeRun(file: string, run: SiteRun): Promise<void> {
  return writeFile(file, `${JSON.stringify(run, null, 2)}\n`);
}

interface SiteTestFlags {
  list: boolean;
  site?: string;
  options?: string;
  dryRun: boolean;
  simulate: boolean;
  json?: string;
  checks?: string;
  timeout: string;
}

function node(f: SiteFacts): string {
  const n = f.node;
  const gpus = n.gpus ? ` ${n.gpus} GPU${n.tiles ? ` (${n.tiles} tiles)` : ''}` : '';
  return `${n.cores}c${n.memGB ? ` ${n.memGB}GB` : ''}${gpus}`;
}

/** `--list`: one line of facts per site. */
export function listSites(sites: readonly Site[] = SITES): string {
  const rows = sites.map(({ facts: f }) => [
    f.name,
    f.status,
    f.scheduler,
    f.launcher,
    f.channel,
    f.executor,
    f.mpi ?? '-',
    node(f),
    f.sharedFs ? 'shared-fs' : 'no-shared-fs',
  ]);
  const head = ['site', 'status', 'scheduler', 'launcher', 'channel', 'executor', 'mpi', 'node', 'fs'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)));
  return [head, ...rows]
    .map((r) =>
      r
        .map((c, i) => c.padEnd(widths[i] as number))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function loadOptions(site: Site, file: string | undefined): LoadedOptions {
  const path = file ?? process.env.PARSL_TS_SITE_OPTIONS;
  return path ? readSiteOptions(path, site.facts.name) : { options: {}, file: null };
}

/** `--dry-run`: the job script of every block executor, placeholders for missing options; submits nothing. */
export async function dryRun(site: Site, loaded: LoadedOptions): Promise<string> {
  const scripts = await dryRunScripts(site, withPlaceholders(site.facts, loaded.options));
  return scripts
    .map((s) => {
      if (s.notApplicable) return `# ---- ${site.facts.name}: in-allocation check: ${s.notApplicable}`;
      const head =
        s.executor === 'in-allocation'
          ? `# ---- ${site.facts.name}: the in-allocation check's job (${s.provider}) ----`
          : `# ---- ${site.facts.name}: executor ${s.executor} (${s.provider}), block 0 ----`;
      const submit = s.submitCommand === null ? [] : [`# submit command: ${s.submitCommand}`];
      const files = s.files.map((f) => `# file ${f.name}:\n${f.text.trimEnd()}`);
      return [head, ...submit, ...files].join('\n');
    })
    .join('\n\n');
}

/** One matrix row: the site, the mode, and each check's outcome. */
export function matrixRow(run: SiteRun): string {
  const cells = run.checks.map((c) => `${c.name}: ${c.status}`);
  return `| ${run.site} | ${run.mode} | ${run.ok ? 'ok' : 'FAILED'} | ${cells.join(', ')} |`;
}

/** `parsl-ts site-test`: list sites, print a site's job scripts, or run the site suite (at the site or simulated). */
export function registerSiteTest(program: Command): void {
  program
    .command('site-test')
    .description('validate a site config: list sites, print job scripts (--dry-run), or run the site suite')
    .option('--list', 'list the sites and their facts', false)
    .option('--site <name>', 'the site (default: PARSL_TS_SITE, else chosen by this host name)')
    .option('--options <file>', 'the site options JSON file (default: PARSL_TS_SITE_OPTIONS)')
    .option('--dry-run', 'print the job scripts the providers would submit; submit nothing', false)
    .option(
      '--simulate',
      "run the site's config on this machine's Slurm, sshd and scheduler stand-ins",
      false,
    )
    .option('--json <file>', 'write the result row as JSON (for site-tests/results/)')
    .option('--checks <names>', `comma-separated checks (${CHECKS.join(', ')})`)
    .option('--timeout <seconds>', 'per-check timeout', '180')
    .action(async (flags: SiteTestFlags) => {
      try {
        process.exitCode = await siteTest(flags);
      } catch (e) {
        console.error(`parsl-ts site-test: ${(e as Error).message}`);
        process.exitCode = 2;
      }
    });
}

async function siteTest(flags: SiteTestFlags): Promise<number> {
  if (flags.list) {
    console.log(listSites());
    return 0;
  }
  const site = selectSite(flags.site);
  const loaded = loadOptions(site, flags.options);
  if (flags.dryRun) {
    const t0 = performance.now();
    const text = await dryRun(site, loaded);
    console.log(text);
    if (flags.json) {
      const scripts = text.split('\n').filter((l) => / ----$/.test(l)).length;
      await writeRun(flags.json, {
        site: site.facts.name,
        mode: 'dry-run',
        version: PACKAGE_VERSION,
        date: new Date().toISOString(),
        host: hostname(),
        checks: [
          {
            name: 'job-scripts',
            status: 'pass',
            detail: `${scripts} job script(s) rendered, nothing submitted`,
            seconds: Math.round(performance.now() - t0) / 1000,
          },
        ],
        ok: true,
      });
    }
    return 0;
  }
  const checks = flags.checks?.split(',').map((c) => c.trim()) as CheckName[] | undefined;
  const bad = checks?.filter((c) => !(CHECKS as readonly string[]).includes(c)) ?? [];
  if (bad.length > 0) throw new Error(`unknown check(s) ${bad.join(', ')}; known: ${CHECKS.join(', ')}`);
  let run: SiteRun;
  if (flags.simulate) {
    const sim = await simulation(site, loaded.options);
    try {
      run = await runSiteSuite(site, sim.options, sim.context, {
        checks: checks ?? SHORT_CHECKS,
        mode: 'simulated',
        timeoutMs: Number(flags.timeout) * 1000,
      });
    } finally {
      await sim.close();
    }
  } else {
    requireOptions(site.facts, loaded);
    run = await runSiteSuite(
      site,
      loaded.options,
      {},
      { ...(checks ? { checks } : {}), timeoutMs: Number(flags.timeout) * 1000 },
    );
  }
  for (const c of run.checks)
    console.log(`${c.status.toUpperCase().padEnd(4)} ${c.name} (${c.seconds} s): ${c.detail}`);
  console.log(matrixRow(run));
  if (flags.json) await writeRun(flags.json, run);
  return run.ok ? 0 : 1;
}

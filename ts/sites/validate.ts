/**
 * Checks decided from the Config alone, before anything reaches a scheduler: each block's walltime against the
 * site's queue limit, and each launcher against the scheduler it runs under (jsrun exists only under LSF, srun
 * only in a Slurm job, aprun only on Cray ALPS systems run by PBS, Torque or Cobalt).
 */
import type { Config } from '../config.js';
import { isBlockProviderExecutor } from '../executors/block-provider.js';
import { AprunLauncher } from '../launchers/aprun.js';
import type { Launcher } from '../launchers/base.js';
import { JsrunLauncher } from '../launchers/jsrun.js';
import { SrunLauncher, SrunMPILauncher } from '../launchers/srun.js';
import type { ExecutionProvider } from '../providers/base.js';
import { ClusterProvider } from '../providers/cluster.js';
import { CobaltProvider } from '../providers/cobalt/cobalt.js';
import { LSFProvider } from '../providers/lsf/lsf.js';
import { PBSProProvider } from '../providers/pbspro/pbspro.js';
import { SlurmProvider } from '../providers/slurm/slurm.js';
import { TorqueProvider } from '../providers/torque/torque.js';
import { walltimeToSeconds } from '../providers/walltime.js';
import { SiteConfigMismatch } from './errors.js';
import type { SiteFacts } from './site.js';

type ProviderClass = abstract new (...args: never[]) => ExecutionProvider;

/** Launchers that exist only under some schedulers, and where. */
const LAUNCHER_HOMES: readonly [
  abstract new (...a: never[]) => Launcher,
  string,
  readonly ProviderClass[],
][] = [
  [JsrunLauncher, 'jsrun (IBM CSM) runs only in LSF jobs', [LSFProvider]],
  [SrunLauncher, 'srun runs only inside a Slurm job', [SlurmProvider]],
  [SrunMPILauncher, 'srun runs only inside a Slurm job', [SlurmProvider]],
  [
    AprunLauncher,
    'aprun (Cray ALPS) runs only in PBS, Torque or Cobalt jobs',
    [TorqueProvider, PBSProProvider, CobaltProvider],
  ],
];

/** Every provider of the config's block executors, with the executor's label. */
export function blockProviders(config: Config): [string, ExecutionProvider][] {
  return config.executors.flatMap((e): [string, ExecutionProvider][] =>
    isBlockProviderExecutor(e) ? [[e.label, e.scaling.provider]] : [],
  );
}

/** What is wrong with running `config` at `facts`' site; empty when nothing is. */
export function configProblems(facts: SiteFacts, config: Config): string[] {
  const problems: string[] = [];
  for (const [label, p] of blockProviders(config)) {
    if (!(p instanceof ClusterProvider)) continue;
    for (const [cls, why, homes] of LAUNCHER_HOMES) {
      if (p.launcher instanceof cls && !homes.some((h) => p instanceof h))
        problems.push(
          `executor ${label}: ${p.launcher.constructor.name} does not fit ${p.constructor.name}: ${why}`,
        );
    }
    if (facts.maxWalltime !== null && walltimeToSeconds(p.walltime) > walltimeToSeconds(facts.maxWalltime))
      problems.push(
        `executor ${label}: walltime ${p.walltime} is longer than ${facts.name}'s queue takes (${facts.maxWalltime}); ` +
          `set a shorter 'walltime' in the options file or choose another queue`,
      );
  }
  return problems;
}

/** Throws {@link SiteConfigMismatch} listing every problem of {@link configProblems}. */
export function validateConfig(facts: SiteFacts, config: Config): void {
  const problems = configProblems(facts, config);
  if (problems.length > 0)
    throw new SiteConfigMismatch(`site ${facts.name}: ${problems.join('; ')} (nothing was submitted)`);
}

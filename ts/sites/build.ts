/**
 * The parts every site's Config is made of, so a site module says only what differs: its provider, launcher and
 * node shape. Blocks follow Parsl's site-test rule (one block at start, none kept idle) with room for a second
 * block, so the suite can scale out to two and back in.
 */
import type { Channel } from '../channels/base.js';
import { LocalChannel } from '../channels/local.js';
import { SSHChannel } from '../channels/ssh.js';
import { SSHInteractiveLoginChannel } from '../channels/ssh-interactive-login.js';
import { Config } from '../config.js';
import type { Executor } from '../executors/base.js';
import { ExtremeScaleExecutor, type ExtremeScaleOptions } from '../executors/exex/executor.js';
import { HighThroughputExecutor } from '../executors/htex/executor.js';
import type { HtexOptions } from '../executors/htex/options.js';
import { MPIExecutor, type MPIExecutorOptions } from '../executors/mpi-apps/executor.js';
import type { ExecutionProvider } from '../providers/base.js';
import { SiteConfigMismatch } from './errors.js';
import type { SiteOptions } from './options.js';
import type { NodeShape, Site, SiteContext, SiteFacts } from './site.js';

/** Block limits every site starts from. */
export function blocks(o: SiteOptions): { initBlocks: number; minBlocks: number; maxBlocks: number } {
  return { initBlocks: 1, minBlocks: 0, maxBlocks: o.maxBlocks ?? 2 };
}

/** The fields every batch provider of a site takes from the options. */
export function batchOptions(facts: SiteFacts, o: SiteOptions, ctx: SiteContext) {
  return {
    label: facts.name,
    channel: siteChannel(facts, o, ctx),
    nodesPerBlock: o.nodesPerBlock ?? 1,
    walltime: o.walltime ?? '00:30:00',
    workerInit: o.workerInit ?? '',
    schedulerOptions: o.schedulerOptions ?? '',
    cmdTimeout: 120,
    ...blocks(o),
  };
}

/** The node blocks are sized for: the site's, or the one the context runs on (simulation). */
export function nodeOf(facts: SiteFacts, ctx: SiteContext): NodeShape {
  return ctx.node ?? facts.node;
}

/**
 * One worker per accelerator (GPU tile or GCD where the site schedules those, else GPU), each seeing only its own;
 * nothing on a node without GPUs (a simulation on a host without them).
 */
export function perAccelerator(
  node: NodeShape,
): Pick<HtexOptions, 'maxWorkersPerNode' | 'availableAccelerators'> {
  const n = node.tiles ?? node.gpus;
  return n ? { maxWorkersPerNode: n, availableAccelerators: n } : {};
}

/** CPUs as the batch system counts them: cores × hardware threads. */
export function hwThreads(node: NodeShape): number {
  return node.cores * (node.threadsPerCore ?? 1);
}

/** The queue/partition: the user's, else the site's default. */
export function queueOf(facts: SiteFacts, o: SiteOptions): string | undefined {
  return o.queue ?? facts.defaultQueue ?? undefined;
}

/** Where scheduler commands run: the context's channel, else this host or the site's login node over SSH. */
export function siteChannel(facts: SiteFacts, o: SiteOptions, ctx: SiteContext): Channel {
  if (ctx.channel) return ctx.channel;
  if (facts.channel === 'local') return new LocalChannel();
  const ssh = {
    hostname: o.host ?? '<host>',
    ...(o.username ? { username: o.username } : {}),
    ...(o.keyFilename ? { keyFilename: o.keyFilename } : {}),
    ...(o.port ? { port: o.port } : {}),
  };
  return facts.channel === 'ssh' ? new SSHChannel(ssh) : new SSHInteractiveLoginChannel(ssh);
}

/** A task-farm HTEX: one worker per core unless the site says otherwise. */
export function htex(
  facts: SiteFacts,
  o: SiteOptions,
  provider: ExecutionProvider,
  extra: Omit<HtexOptions, 'label' | 'provider'> = {},
): HighThroughputExecutor {
  return new HighThroughputExecutor({
    label: `${facts.name}_htex`,
    provider,
    encrypted: true,
    ...(o.address ? { address: o.address } : {}),
    ...extra,
  });
}

/** An ExtremeScaleExecutor with one rank per core (at least two: rank 0 dispatches). */
export function exex(
  facts: SiteFacts,
  o: SiteOptions,
  ctx: SiteContext,
  provider: ExecutionProvider,
  extra: Omit<ExtremeScaleOptions, 'label' | 'provider'> = {},
): ExtremeScaleExecutor {
  return new ExtremeScaleExecutor({
    label: `${facts.name}_exex`,
    provider,
    encrypted: true,
    ranksPerNode: Math.max(2, nodeOf(facts, ctx).cores),
    ...(o.address ? { address: o.address } : {}),
    ...extra,
  });
}

/** An MPIExecutor whose tasks start MPI programs with the site's launcher. */
export function mpiExecutor(
  facts: SiteFacts,
  o: SiteOptions,
  ctx: SiteContext,
  provider: ExecutionProvider,
  extra: Omit<MPIExecutorOptions, 'label' | 'provider'> = {},
): MPIExecutor {
  return new MPIExecutor({
    label: `${facts.name}_mpi`,
    provider,
    encrypted: true,
    slotsPerNode: nodeOf(facts, ctx).cores,
    ...(o.address ? { address: o.address } : {}),
    ...extra,
  });
}

/** The Config: the run directory on scratch when given, Parsl's `simple` strategy, one retry. */
export function siteConfig(o: SiteOptions, ctx: SiteContext, executors: Executor[]): Config {
  return new Config({
    executors,
    runDir: ctx.runDir ?? (o.scratch ? `${o.scratch}/runinfo` : 'runinfo'),
    strategy: 'simple',
    retries: 1,
    ...ctx.kernel,
  });
}

/** A matrix row with no config: building one fails with the row's note, before anything is submitted. */
export function rowOnly(facts: SiteFacts): Site {
  return {
    facts,
    config() {
      throw new SiteConfigMismatch(`site ${facts.name} has no config: ${facts.note ?? facts.status}`);
    },
  };
}

export { SITES } from './catalog/index.js';
export { type DryRunScript, dryRunScripts } from './dry-run.js';
export { BadSiteOptions, MissingSiteOption, SiteConfigMismatch, UnknownSite } from './errors.js';
export { checkInAllocationOutput, IN_ALLOCATION_TASKS, inAllocationJob } from './in-allocation.js';
export { renderMatrix } from './matrix.js';
export { type LoadedOptions, readSiteOptions, requireOptions, withPlaceholders } from './options.js';
export { selectSite, siteByName, siteForHost, siteNames } from './select.js';
export { type Simulation, STAND_INS, simulation, simulationGap } from './simulate.js';
export type { NodeShape, Site, SiteContext, SiteFacts, SiteOptions } from './site.js';
export {
  CHECKS,
  type CheckName,
  type CheckResult,
  parseRanks,
  runSiteSuite,
  SHORT_CHECKS,
  type SiteRun,
} from './suite.js';
export { configProblems, validateConfig } from './validate.js';

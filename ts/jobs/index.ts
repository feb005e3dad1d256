export { simpleErrorHandler, windowedErrorHandler } from '../executors/block-error-handlers.js';
export { TooManyJobFailures } from '../executors/errors.js';
export { JobStatusPoller, type JobStatusPollerOptions } from './job-status-poller.js';
export { startJobStatusPoller } from './kernel-service.js';
export { Strategy, type StrategyName } from './strategy.js';

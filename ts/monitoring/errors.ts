import { ConfigurationError } from '../errors.js';

/** The monitoring database cannot be used: unwritable, old or foreign. Raised by `load()`. */
export class MonitoringDatabaseError extends ConfigurationError {}

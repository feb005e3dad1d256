import { ParslError } from '../errors.js';

/**
 * `parsl-ts visualize` cannot serve: the database is missing or is not a monitoring database, or the address
 * cannot be bound. The message names the option (`--db`, `--host`, `--port`) and what was found.
 */
export class VisualizeError extends ParslError {}

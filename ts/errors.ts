/**
 * The root of every parsl-ts error, plus the errors that belong to no single concept folder.
 * Each concept folder keeps its own `errors.ts`; every class there extends {@link ParslError}.
 */

import { redact } from './secrets.js';

type ErrorClass = abstract new (...args: never[]) => Error;

const registry = new Map<string, ErrorClass>();

/**
 * Register error classes by `name` so an error raised on a worker (thread, process or MPI rank) is
 * rebuilt as the same class on the submit side (`instanceof` keeps working across the wire).
 */
export function registerErrorClass(...classes: ErrorClass[]): void {
  for (const cls of classes) registry.set(cls.name, cls);
}

/** The registered class for an error name, if any. */
export function errorClassByName(name: string): ErrorClass | undefined {
  return registry.get(name);
}

export class ParslError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    // Messages quote commands, option values and server answers: never let a registered secret through.
    super(redact(message), options);
    // Subclasses get their own name without repeating it in every constructor.
    Object.defineProperty(this, 'name', {
      value: new.target.name,
      enumerable: false,
      configurable: true,
      writable: true,
    });
  }
}

/** A configuration value is missing, unknown or of the wrong type; the message names the field. */
export class ConfigurationError extends ParslError {}

/** An `address*` helper could not find this host's address; the message says what it tried. */
export class AddressNotFound extends ParslError {}

/** An API was used in a state that does not allow it (e.g. submitting after cleanup). */
export class IllegalStateError extends ParslError {}

/** An optional npm package needed for a feature is not installed. */
export class OptionalModuleMissing extends ParslError {
  constructor(
    readonly moduleNames: string[],
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(
      `${reason}: install the optional package(s) with \`npm install ${moduleNames.join(' ')}\``,
      options,
    );
  }
}

/** Something inside parsl-ts broke an invariant: a bug, please report it with the run directory's parsl.log. */
export class InternalError extends ParslError {}

registerErrorClass(ParslError, ConfigurationError, IllegalStateError, OptionalModuleMissing, InternalError);

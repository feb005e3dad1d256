import { ParslError, registerErrorClass } from '../errors.js';

/** A task's function, argument or result could not be sent between processes. */
export class SerializationError extends ParslError {}

/** A function sent by source could not be rebuilt on the worker. */
export class FunctionLoadError extends ParslError {}

registerErrorClass(SerializationError, FunctionLoadError);

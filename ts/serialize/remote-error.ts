import { errorClassByName } from '../errors.js';
import { registeredErrorClass } from './classes.js';

/**
 * An exception raised by a task on a worker, as plain data. Structured clone would drop the class, `code` and
 * custom fields, so errors travel explicitly and are rebuilt on the submit side ({@link fromRemoteError}).
 */
type Primitive = string | number | boolean | null;
export type ErrorProp = Primitive | readonly Primitive[];

export interface RemoteErrorData {
  readonly name: string;
  /** The class the error was made with (`name` stays 'Error' for a subclass that does not set it). */
  readonly className: string;
  readonly message: string;
  readonly stack: string | null;
  /** Own properties that are primitives or arrays of primitives (`code`, `exitcode`, `outputs`, …). */
  readonly props: Record<string, ErrorProp> | null;
  readonly cause: RemoteErrorData | null;
}

const MAX_CAUSE_DEPTH = 8;

/** JavaScript's own error classes, rebuilt as themselves so `instanceof TypeError` holds on the submit side. */
const BUILTIN_ERRORS = new Map<string, new (message?: string) => Error>([
  ['TypeError', TypeError],
  ['RangeError', RangeError],
  ['ReferenceError', ReferenceError],
  ['SyntaxError', SyntaxError],
  ['EvalError', EvalError],
  ['URIError', URIError],
]);

export function toRemoteError(e: unknown, depth = 0): RemoteErrorData {
  if (!(e instanceof Error)) {
    return {
      name: 'Error',
      className: 'Error',
      message: describeThrown(e),
      stack: null,
      props: null,
      cause: null,
    };
  }
  let props: Record<string, ErrorProp> | null = null;
  for (const k of Object.keys(e)) {
    if (k === 'cause') continue;
    const v = (e as unknown as Record<string, unknown>)[k];
    if (isPrimitive(v)) {
      props ??= {};
      props[k] = v;
    } else if (Array.isArray(v) && v.length <= 10_000 && v.every(isPrimitive)) {
      props ??= {};
      props[k] = [...v] as Primitive[];
    }
  }
  const cause = e.cause !== undefined && depth < MAX_CAUSE_DEPTH ? toRemoteError(e.cause, depth + 1) : null;
  const className = (e.constructor as { name?: string } | undefined)?.name || e.name;
  return { name: e.name, className, message: e.message, stack: e.stack ?? null, props, cause };
}

/** Names of errors Node and the web platform raise without a class to rebuild; no note is added for them. */
const PLATFORM_NAMES = new Set(['Error', 'AbortError', 'TimeoutError', 'DOMException', 'AggregateError']);

/**
 * Rebuild an error: a parsl-ts class, a user class registered with `registerClass`, or a JavaScript one when
 * known; else an `Error` that keeps the remote name, whose stack ends with a note that its class could not be
 * rebuilt.
 */
export function fromRemoteError(d: RemoteErrorData): Error {
  const cls =
    errorClassByName(d.name) ?? (registeredErrorClass(d.className) as (new () => Error) | undefined);
  const builtin = cls ? undefined : BUILTIN_ERRORS.get(d.name);
  const userClass = !PLATFORM_NAMES.has(d.className) && !BUILTIN_ERRORS.has(d.className);
  // The message stays the app's own; the stack (what is printed) ends saying why `instanceof` fails.
  const note =
    cls || builtin || !userClass
      ? ''
      : `\n    [parsl-ts: ${d.className} is rebuilt as an Error: its class is not registered here; registerClass(${d.className}, { module: import.meta.url }) where it is exported makes instanceof ${d.className} work]`;
  const err: Error = cls
    ? (Object.create(cls.prototype) as Error)
    : builtin
      ? new builtin(d.message)
      : new Error(d.message);
  Object.defineProperty(err, 'message', {
    value: d.message,
    writable: true,
    configurable: true,
    enumerable: false,
  });
  if (!cls || err.name !== d.name) {
    Object.defineProperty(err, 'name', {
      value: d.name,
      writable: true,
      configurable: true,
      enumerable: false,
    });
  }
  Object.defineProperty(err, 'stack', {
    value: (d.stack ?? `${d.name}: ${d.message}`) + note,
    writable: true,
    configurable: true,
    enumerable: false,
  });
  if (d.props) Object.assign(err, d.props);
  if (d.cause) {
    Object.defineProperty(err, 'cause', {
      value: fromRemoteError(d.cause),
      writable: true,
      configurable: true,
    });
  }
  return err;
}

function isPrimitive(v: unknown): v is Primitive {
  return v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

function describeThrown(v: unknown): string {
  if (typeof v === 'string') return v;
  try {
    return `non-Error value thrown: ${JSON.stringify(v)}`;
  } catch {
    return `non-Error value thrown: ${String(v)}`;
  }
}

import { pathToFileURL } from 'node:url';
import { FunctionLoadError, SerializationError } from './errors.js';
import type { ModuleReference } from './function-ref.js';

/**
 * User classes across workers. Structured clone copies an instance's own fields into a plain object and drops its
 * class, so an app would get an object without its methods. A class registered with {@link registerClass} names
 * the module that exports it — the rule for app functions sent by module reference — and its instances travel as
 * their fields plus that reference; the receiver imports the module (once) and rebuilds the instance with its
 * prototype, without running the constructor. Error classes registered this way are rebuilt as their class when
 * a task throws them.
 */

/** A class of any constructor signature. */
export type AnyClass = abstract new (...args: never[]) => unknown;

export interface ClassRef {
  /** `<url>#<exportName>`, the key on both sides. */
  readonly id: string;
  readonly url: string;
  readonly exportName: string;
}

const refs = new Map<AnyClass, ClassRef>();
const classes = new Map<string, AnyClass>();
/** Errors by class name, for rebuilding remote errors (which travel by name). */
const errorClasses = new Map<string, AnyClass>();

/**
 * Let instances of `cls` reach workers (and come back) as instances of `cls`. Call it where the class is defined,
 * at module level, with `import.meta.url`, so that workers that import the module register it too:
 *
 * ```ts
 * export class Point { constructor(public x: number, public y: number) {} norm() { … } }
 * registerClass(Point, { module: import.meta.url });
 * ```
 *
 * Without it, an instance of a class passed to an app on a thread pool or HTEX fails that task with
 * SerializationError naming the argument.
 */
export function registerClass(cls: AnyClass, ref: ModuleReference): void {
  if (typeof cls !== 'function' || cls.prototype === undefined)
    throw new SerializationError('registerClass takes a class (a constructor function)');
  const exportName = ref.exportName ?? cls.name;
  if (!exportName) throw new SerializationError('registerClass needs exportName for an anonymous class');
  const url = ref.module.includes('://') ? ref.module : pathToFileURL(ref.module).href;
  const r: ClassRef = { id: `${url}#${exportName}`, url, exportName };
  refs.set(cls, r);
  classes.set(r.id, cls);
  if (cls.prototype instanceof Error) errorClasses.set(cls.name, cls);
}

export function classRefOf(cls: unknown): ClassRef | undefined {
  return refs.get(cls as AnyClass);
}

export function loadedClass(id: string): AnyClass | undefined {
  return classes.get(id);
}

/** A registered Error subclass with this `name`, for rebuilding a remote error as its class. */
export function registeredErrorClass(name: string): AnyClass | undefined {
  return errorClasses.get(name);
}

const loading = new Map<string, Promise<void>>();

/** Import the module of `ref` (once) so its class can be rebuilt here; rejects naming the module and export. */
export function loadClass(ref: ClassRef): Promise<void> {
  if (classes.has(ref.id)) return Promise.resolve();
  let p = loading.get(ref.id);
  if (p === undefined) {
    p = importClass(ref);
    loading.set(ref.id, p);
    p.catch(() => loading.delete(ref.id));
  }
  return p;
}

async function importClass(ref: ClassRef): Promise<void> {
  let mod: Record<string, unknown>;
  try {
    mod = (await import(ref.url)) as Record<string, unknown>;
  } catch (e) {
    throw new FunctionLoadError(
      `cannot import ${ref.url} on the worker for class ${ref.exportName}: ${(e as Error).message}`,
      { cause: e },
    );
  }
  const cls = mod[ref.exportName];
  if (typeof cls !== 'function')
    throw new FunctionLoadError(`${ref.url} has no exported class '${ref.exportName}'`);
  // Normally the module registered it itself on import; registering again keeps one rule either way.
  if (!classes.has(ref.id)) classes.set(ref.id, cls as AnyClass);
}

/** JavaScript's own classes, which structured clone carries itself. */
export function isBuiltinObject(v: object): boolean {
  return (
    v instanceof Date ||
    v instanceof RegExp ||
    v instanceof Map ||
    v instanceof Set ||
    v instanceof Error ||
    v instanceof ArrayBuffer ||
    v instanceof SharedArrayBuffer ||
    ArrayBuffer.isView(v) ||
    v instanceof Boolean ||
    v instanceof Number ||
    v instanceof String
  );
}

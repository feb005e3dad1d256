import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { FunctionLoadError, SerializationError } from './errors.js';

/**
 * How an app's function reaches a worker.
 * - `source`: the function's text, compiled on the worker; it must be self-contained (it may `require` or
 *   `await import()` inside its body). Sent once per worker, then referred to by `id` with `source: null`.
 * - `module`: an export of an ES module, imported on the worker, so it keeps its module's imports.
 */
export type FunctionDescriptor =
  | { readonly kind: 'source'; readonly id: string; readonly name: string; readonly source: string | null }
  | {
      readonly kind: 'module';
      readonly id: string;
      readonly name: string;
      readonly url: string;
      readonly exportName: string;
    };

/** Where to import a function from instead of sending its source. */
export interface ModuleReference {
  /** The module's URL or path, usually `import.meta.url`. */
  readonly module: string;
  /** The export's name; defaults to the function's name. */
  readonly exportName?: string;
}

// biome-ignore lint/complexity/noBannedTypes: any callable is accepted as an app body
type AnyFunction = Function;

const described = new WeakMap<AnyFunction, FunctionDescriptor>();

export function describeFunction(fn: AnyFunction, ref?: ModuleReference): FunctionDescriptor {
  const cached = described.get(fn);
  if (cached && (!ref || cached.kind === 'module')) return cached;
  let d: FunctionDescriptor;
  if (ref) {
    const url = ref.module.includes('://') ? ref.module : pathToFileURL(ref.module).href;
    const exportName = ref.exportName ?? fn.name;
    if (!exportName)
      throw new SerializationError('a module reference needs exportName for an anonymous function');
    d = { kind: 'module', id: `m:${url}#${exportName}`, name: exportName, url, exportName };
  } else {
    const source = Function.prototype.toString.call(fn);
    if (/\{\s*\[native code\]\s*\}\s*$/.test(source)) {
      throw new SerializationError(
        `function ${fn.name || '(anonymous)'} is native or bound and cannot be sent by source: declare the app from a module export (app(fn, { module: import.meta.url }))`,
      );
    }
    const id = `s:${createHash('sha1').update(source).digest('hex').slice(0, 20)}`;
    d = { kind: 'source', id, name: fn.name || 'anonymous', source };
  }
  described.set(fn, d);
  return d;
}

const sourceless = new WeakMap<FunctionDescriptor, FunctionDescriptor>();

/**
 * The descriptor without its source, for a receiver that already has it. The same object is returned for the
 * same descriptor, so v8 serializes it once per message and refers back to it for every other task.
 */
export function withoutSource(d: FunctionDescriptor): FunctionDescriptor {
  if (d.kind !== 'source' || d.source === null) return d;
  let s = sourceless.get(d);
  if (s === undefined) {
    s = { ...d, source: null };
    sourceless.set(d, s);
  }
  return s;
}

// Helpers that bundlers (esbuild via tsx/vitest) inject into function bodies; defined so shipped sources run.
const injectedHelpers = {
  __name: (target: AnyFunction, value: string) =>
    Object.defineProperty(target, 'name', { value, configurable: true }),
  __vi_ssr_dynamic_import__: (spec: string) => import(spec),
  __vite_ssr_dynamic_import__: (spec: string) => import(spec),
};

/** Rebuilds functions on a worker and caches them by descriptor id. */
export class FunctionLoader {
  readonly #cache = new Map<string, AnyFunction>();
  readonly #require = createRequire(join(process.cwd(), 'parsl-ts-task.cjs'));

  has(id: string): boolean {
    return this.#cache.has(id);
  }

  /** The cached function, or `undefined` when it must be loaded with {@link load}. */
  get(d: FunctionDescriptor): AnyFunction | undefined {
    return this.#cache.get(d.id);
  }

  async load(d: FunctionDescriptor): Promise<AnyFunction> {
    const hit = this.#cache.get(d.id);
    if (hit) return hit;
    const fn = d.kind === 'module' ? await this.#importExport(d.url, d.exportName) : this.compile(d);
    this.#cache.set(d.id, fn);
    return fn;
  }

  /** Synchronous path for source descriptors (the common case), so no-op tasks cost no extra microtask hops. */
  compile(d: FunctionDescriptor): AnyFunction {
    if (d.kind !== 'source') throw new FunctionLoadError(`compile() takes source descriptors, got ${d.kind}`);
    const hit = this.#cache.get(d.id);
    if (hit) return hit;
    if (d.source === null) {
      throw new FunctionLoadError(
        `function ${d.name} (${d.id}) was referred to by id before its source arrived`,
      );
    }
    const fn = compileSource(d.source, d.name, this.#require);
    this.#cache.set(d.id, fn);
    return fn;
  }

  async #importExport(url: string, exportName: string): Promise<AnyFunction> {
    let mod: Record<string, unknown>;
    try {
      mod = (await import(url)) as Record<string, unknown>;
    } catch (e) {
      throw new FunctionLoadError(`cannot import ${url} on the worker: ${(e as Error).message}`, {
        cause: e,
      });
    }
    const f = mod[exportName] ?? (mod.default as Record<string, unknown> | undefined)?.[exportName];
    if (typeof f !== 'function') {
      throw new FunctionLoadError(`${url} has no exported function '${exportName}'`);
    }
    return f as AnyFunction;
  }
}

function compileSource(source: string, name: string, req: NodeJS.Require): AnyFunction {
  const names = ['require', ...Object.keys(injectedHelpers)];
  const values = [req, ...Object.values(injectedHelpers)];
  let lastError: unknown;
  // Method shorthand (`name(x) {…}`, `async name(x) {…}`) is not an expression: retry as a function.
  for (const text of [source, `function ${source}`, source.replace(/^async\s+/, 'async function ')]) {
    try {
      // Compiling the app's own source is what function transport is for.
      const factory = new Function(...names, `"use strict";\nreturn (${text}\n);`);
      const fn = factory(...values) as unknown;
      if (typeof fn === 'function') return fn as AnyFunction;
    } catch (e) {
      lastError = e;
    }
  }
  throw new FunctionLoadError(
    `cannot rebuild function ${name} from its source on the worker (${(lastError as Error)?.message}); app functions sent by source must be self-contained function expressions`,
    { cause: lastError },
  );
}

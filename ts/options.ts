/**
 * One way to read a constructor's options: every class that takes an options object (Config, executors,
 * providers, launchers, channels) checks it through {@link OptionReader}, so an unknown key, a snake_case key
 * from a Parsl config, or an ill-typed value fails the same way: a ConfigurationError naming the class and the
 * field, saying what was expected and what was given.
 */
import { describeValue } from './describe.js';
import { ConfigurationError } from './errors.js';
import { isSecretName, registerSecret } from './secrets.js';

/**
 * Every key of an options interface, as an object literal. Declare it with
 * `satisfies KeySet<MyOptions>` so adding a field to the interface without adding it here (or the reverse)
 * fails to compile.
 */
export type KeySet<T> = { readonly [K in keyof Required<T>]: true };

/** `nodes_per_block` → `nodesPerBlock`. */
export function camelCase(key: string): string {
  return key.replace(/_+([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

export interface NumberRule {
  /** Smallest allowed value (inclusive unless `exclusiveMin`). */
  readonly min?: number;
  readonly exclusiveMin?: boolean;
  readonly max?: number;
  /** Only whole numbers. */
  readonly integer?: boolean;
}

/**
 * Reads one options object for one class. Construction checks the keys; each getter checks one field and
 * returns its value or the default. `undefined` always means "not given".
 */
export class OptionReader<T extends object> {
  readonly owner: string;
  readonly #o: Readonly<Record<string, unknown>>;

  /**
   * @param owner the class name used in messages (`SlurmProvider`)
   * @param retired keys Parsl has that this package refuses on purpose, with the reason
   */
  constructor(
    owner: string,
    options: unknown,
    known: KeySet<T>,
    retired: Readonly<Record<string, string>> = {},
  ) {
    this.owner = owner;
    if (options === undefined || options === null) options = {};
    if (typeof options !== 'object' || Array.isArray(options)) {
      throw new ConfigurationError(`${owner} takes an options object ({ … }); got ${describeValue(options)}`);
    }
    const o = options as Record<string, unknown>;
    for (const k of Object.keys(o)) {
      if (Object.hasOwn(known, k)) continue;
      const why = retired[k];
      if (why !== undefined)
        throw new ConfigurationError(`${owner}: option '${k}' is not used by parsl-ts: ${why}`);
      const camel = camelCase(k);
      if (camel !== k && Object.hasOwn(known, camel)) {
        throw new ConfigurationError(
          `${owner}: unknown option '${k}'; parsl-ts spells Parsl's options in camelCase: '${camel}'`,
        );
      }
      throw new ConfigurationError(
        `${owner}: unknown option '${k}' (known options: ${Object.keys(known).join(', ')})`,
      );
    }
    this.#o = o;
  }

  /** The raw value of a field, `undefined` when absent. */
  raw(field: keyof T & string): unknown {
    return this.#o[field];
  }

  has(field: keyof T & string): boolean {
    return this.#o[field] !== undefined;
  }

  /** Throws the package's one message shape for a bad field. */
  fail(field: string, want: string, got: unknown = this.#o[field]): never {
    const shown = isSecretName(field) ? describeSecret(got) : describeValue(got);
    throw new ConfigurationError(`${this.owner}.${field} must be ${want}; got ${shown}`);
  }

  /** A string that is a secret (password, passphrase, token): registered so logs and errors mask it. */
  secret(field: keyof T & string): string | undefined {
    const v = this.string(field, undefined);
    registerSecret(v);
    return v;
  }

  number(field: keyof T & string, dflt: number, rule?: NumberRule): number;
  number(field: keyof T & string, dflt: null, rule?: NumberRule): number | null;
  number(field: keyof T & string, dflt: undefined, rule?: NumberRule): number | undefined;
  number(
    field: keyof T & string,
    dflt: number | null | undefined,
    rule: NumberRule = {},
  ): number | null | undefined {
    const v = this.#o[field];
    if (v === undefined || (v === null && dflt === null)) return dflt;
    if (typeof v !== 'number' || Number.isNaN(v) || !checkNumber(v, rule)) this.fail(field, numberWant(rule));
    return v;
  }

  /** A whole number ≥ `min` (default 1). */
  int(field: keyof T & string, dflt: number, min = 1): number {
    return this.number(field, dflt, { integer: true, min });
  }

  /** Seconds as given by the user, returned in milliseconds. */
  seconds(field: keyof T & string, dflt: number, rule: NumberRule = { min: 0, exclusiveMin: true }): number {
    return Math.round(this.number(field, dflt, rule) * 1000);
  }

  bool(field: keyof T & string, dflt: boolean): boolean {
    const v = this.#o[field];
    if (v === undefined) return dflt;
    if (typeof v !== 'boolean') this.fail(field, 'true or false');
    return v;
  }

  string(field: keyof T & string, dflt: string): string;
  string(field: keyof T & string, dflt: null): string | null;
  /** With an `undefined` default a field may be left out but not given as null. */
  string(field: keyof T & string, dflt: undefined): string | undefined;
  string(field: keyof T & string, dflt: string | null | undefined): string | null | undefined {
    const v = this.#o[field];
    if (v === undefined || (v === null && dflt === null)) return dflt;
    if (typeof v !== 'string') this.fail(field, 'a string');
    return v;
  }

  line(field: keyof T & string, dflt: string): string;
  line(field: keyof T & string, dflt: undefined): string | undefined;
  /**
   * A string that lands on one line of a generated file (a `#SBATCH` directive, a submit description): a newline
   * would add a line of the user's making, and other control characters mean the value was not typed as meant.
   */
  line(field: keyof T & string, dflt: string | undefined): string | undefined {
    const v = dflt === undefined ? this.string(field, undefined) : this.string(field, dflt);
    if (v !== undefined && hasControl(v)) this.fail(field, ONE_LINE);
    return v;
  }

  /** A non-empty string on one line (names, labels and paths never hold control characters). */
  name(field: keyof T & string, dflt: string): string {
    const v = this.line(field, dflt);
    if (v.length === 0) this.fail(field, 'a non-empty string');
    return v;
  }

  /** An array of strings (a copy). */
  strings(field: keyof T & string, dflt: readonly string[]): string[] {
    const v = this.#o[field];
    if (v === undefined) return [...dflt];
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) this.fail(field, 'an array of strings');
    return [...v];
  }

  /** An object whose values are strings, such as environment variables (a copy). */
  stringRecord(field: keyof T & string, dflt: Readonly<Record<string, string>>): Record<string, string> {
    const v = this.#o[field];
    if (v === undefined) return { ...dflt };
    if (
      typeof v !== 'object' ||
      v === null ||
      Array.isArray(v) ||
      !Object.values(v).every((x) => typeof x === 'string')
    )
      this.fail(field, "an object of strings, e.g. { NAME: 'value' }");
    return { ...(v as Record<string, string>) };
  }

  oneOf<V extends string | null>(field: keyof T & string, values: readonly V[], dflt: V): V {
    const v = this.#o[field];
    if (v === undefined) return dflt;
    if (!values.includes(v as V))
      this.fail(field, `one of ${values.map((x) => JSON.stringify(x)).join(', ')}`);
    return v as V;
  }

  /** A field whose check the caller writes: `check` returns null when the value is fine, else what is wanted. */
  check<V>(field: keyof T & string, dflt: V, check: (v: unknown) => string | null): V {
    const v = this.#o[field];
    if (v === undefined) return dflt;
    const want = check(v);
    if (want !== null) this.fail(field, want);
    return v as V;
  }
}

/** What {@link OptionReader.line} wants, for callers that check a value of their own shape. */
export const ONE_LINE = 'a string on one line, without newlines or other control characters';

/** True when `s` holds a control character (C0, DEL or C1: newlines, tabs, escapes). */
export function hasControl(s: string): boolean {
  return /\p{Cc}/u.test(s);
}

function checkNumber(v: number, r: NumberRule): boolean {
  if (r.integer && !Number.isInteger(v)) return false;
  if (r.min !== undefined && (r.exclusiveMin ? v <= r.min : v < r.min)) return false;
  if (r.max !== undefined && v > r.max) return false;
  return r.integer || r.max !== undefined || Number.isFinite(v) || v === Number.POSITIVE_INFINITY;
}

function numberWant(r: NumberRule): string {
  const what = r.integer ? 'a whole number' : 'a number';
  const parts: string[] = [];
  if (r.min !== undefined) parts.push(`${r.exclusiveMin ? '>' : '≥'} ${r.min}`);
  if (r.max !== undefined) parts.push(`≤ ${r.max}`);
  return parts.length === 0 ? what : `${what} ${parts.join(' and ')}`;
}

/** A wrong value given for a secret field, named by its type only: a typo in a password is still the password. */
function describeSecret(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  const kind = Array.isArray(v) ? 'an array' : typeof v === 'object' ? 'an object' : `a ${typeof v}`;
  return `${kind} (its value is not shown: the field holds a secret)`;
}

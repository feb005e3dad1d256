import { SchedulerMissingArgs } from './errors.js';

/**
 * Fills `${name}` placeholders in one pass (values are not rescanned, so a launcher fragment full of `$VARS`
 * goes in verbatim). A placeholder without a value → {@link SchedulerMissingArgs}.
 */
export function substitute(
  template: string,
  values: Record<string, string | number>,
  provider: string,
): string {
  const missing = new Set<string>();
  const out = template.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (whole, key: string) => {
    const value = values[key];
    if (value === undefined) {
      missing.add(key);
      return whole;
    }
    return String(value);
  });
  if (missing.size > 0) throw new SchedulerMissingArgs([...missing], provider);
  return out;
}

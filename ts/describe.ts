/**
 * How error messages name a value the user gave: its type and, for small primitives, the value itself
 * ("the string \"600\"", "an array of 2 items", "an object of type Foo"). One wording for the whole package.
 */
export function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (v === undefined) return 'undefined';
  switch (typeof v) {
    case 'string':
      return `the string ${JSON.stringify(v.length > 60 ? `${v.slice(0, 57)}...` : v)}`;
    case 'number':
    case 'boolean':
    case 'bigint':
      return `the ${typeof v} ${String(v)}`;
    case 'symbol':
      return `a symbol (${String(v.description ?? '')})`;
    case 'function':
      return `a function ${v.name || '(anonymous)'}`;
  }
  if (Array.isArray(v)) return `an array of ${v.length} item${v.length === 1 ? '' : 's'}`;
  const proto = Object.getPrototypeOf(v) as { constructor?: { name?: string } } | null;
  if (proto === null) return 'a null-prototype object';
  if (proto === Object.prototype) return 'a plain object';
  return `an object of type ${proto.constructor?.name || '(anonymous class)'}`;
}

/** True for promises and anything else with a callable `then` (what `await` would adopt). */
export function isThenable(v: unknown): v is PromiseLike<unknown> {
  return (
    (typeof v === 'object' || typeof v === 'function') &&
    v !== null &&
    typeof (v as PromiseLike<unknown>).then === 'function'
  );
}

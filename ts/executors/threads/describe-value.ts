/** A short description of a value's type for error messages ("an object of type Foo", "a value of type symbol"). */
export function describeValue(v: unknown): string {
  if (typeof v === 'object' && v !== null) {
    const ctor = (Object.getPrototypeOf(v) as { constructor?: { name?: string } } | null)?.constructor?.name;
    return `an object of type ${ctor ?? 'null-prototype object'}`;
  }
  return `a value of type ${typeof v}`;
}

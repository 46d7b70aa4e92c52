// Plain JSON-style objects: the one test for "an object, not an array or null", and the one way
// to set a key that came from input (so `__proto__` stays an ordinary key).

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Defines an own property, so a key such as `__proto__` from JSON stays a plain key. */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** `over` with what `under` adds, deeply; `over` wins wherever both have a value. Neither is changed. */
export function mergeUnder(over: Record<string, unknown>, under: Record<string, unknown>): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(under)) setOwn(result, key, value);
  for (const [key, value] of Object.entries(over)) {
    const below = Object.hasOwn(under, key) ? under[key] : undefined;
    setOwn(result, key, isPlainObject(value) && isPlainObject(below) ? mergeUnder(value, below) : value);
  }
  return result;
}

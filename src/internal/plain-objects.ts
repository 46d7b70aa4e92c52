// Plain JSON-style objects: the one test for "an object, not an array or null", and the one way
// to set a key that came from input (so `__proto__` stays an ordinary key).

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Defines an own property, so a key such as `__proto__` from JSON stays a plain key. */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

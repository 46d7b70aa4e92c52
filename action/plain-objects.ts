// Small helpers for the plain objects that variables and rows are made of.
import { isPlainObject } from "../src/rules.ts";

/** Defines an own property, so a key such as `__proto__` (a CSV column, a YAML key) stays a plain key. */
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

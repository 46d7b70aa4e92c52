// Variable lookup (contract section 7 and 10): a path walks own keys of plain objects only, so
// `{{ constructor }}` is missing and arrays are never indexed; null, absent and anything reached
// through a non-object are missing. An empty string is a value.
import { isPlainObject } from "../internal/plain-objects.ts";

/** Returned by `lookupKeys` for a missing value; a symbol cannot come out of JSON vars. */
export const MISSING: unique symbol = Symbol("missing");

/** Walks `keys` (a path already split on `.`) from `vars`; allocation-free for the renderer. */
export function lookupKeys(vars: unknown, keys: readonly string[]): unknown {
  let current = vars;
  for (const key of keys) {
    if (!isPlainObject(current) || !Object.hasOwn(current, key)) return MISSING;
    current = current[key];
  }
  return current === null || current === undefined ? MISSING : current;
}

export function lookupPath(
  vars: Record<string, unknown>,
  path: string,
): { found: true; value: unknown } | { found: false } {
  const value = lookupKeys(vars, path.split("."));
  return value === MISSING ? { found: false } : { found: true, value };
}

/** Strings as they are, numbers and booleans via `String`, objects and arrays as JSON. */
export function stringifyValue(value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "object") return JSON.stringify(value) ?? "";
  return String(value);
}

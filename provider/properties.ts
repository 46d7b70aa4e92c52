// Helpers shared by the resource modules for comparing and checking property values.
import * as pulumi from "@pulumi/pulumi";
import type { Issue } from "../src/index.ts";
import { formatPath } from "../src/errors.ts";
import { isPlainObject as isRecord } from "../src/internal/rules.ts";

// One implementation each, from the core.
export { isPlainObject as isRecord } from "../src/internal/rules.ts";
export { withoutUndefined } from "../src/internal/send-params.ts";

/** What the engine sends, during a preview, for a value not known yet (another resource's output). */
export const UNKNOWN: string = pulumi.runtime.unknownValue;

/** True when the value is unknown or holds an unknown value somewhere inside. */
export function containsUnknown(value: unknown): boolean {
  if (value === UNKNOWN) return true;
  if (Array.isArray(value)) return value.some(containsUnknown);
  if (isRecord(value)) return Object.values(value).some(containsUnknown);
  return false;
}

/** Structural equality; object key order does not matter, array order does. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((item, i) => deepEqual(item, b[i]));
  }
  if (isRecord(a) && isRecord(b)) {
    const keys = Object.keys(a);
    return (
      keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && deepEqual(a[key], b[key]))
    );
  }
  return false;
}

/** The same values, in any order, duplicates ignored. */
export function sameSet(a: readonly unknown[] | undefined, b: readonly unknown[] | undefined): boolean {
  const left = new Set(a ?? []);
  const right = new Set(b ?? []);
  return left.size === right.size && [...left].every((value) => right.has(value));
}

/** A copy without the null or undefined fields (the API answers `"text": null` for an absent field). */
export function withoutNullish(value: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== null && field !== undefined));
}

/**
 * Issues as Pulumi check failures: the property path, and for template syntax errors the line and
 * column. Issues about values still unknown (preview) are dropped: they are checked once known.
 */
export function checkFailures(
  issues: readonly Issue[],
  inputs: Record<string, unknown>,
): pulumi.dynamic.CheckFailure[] {
  return issues
    .filter((issue) => !pathTouchesUnknown(inputs, issue.path))
    .map((issue) => ({
      property: formatPath(issue.path),
      reason:
        issue.line !== undefined ? `line ${issue.line}, column ${issue.column ?? 1}: ${issue.message}` : issue.message,
    }));
}

function pathTouchesUnknown(root: unknown, path: readonly (string | number)[]): boolean {
  let value = root;
  for (const key of path) {
    if (value === UNKNOWN) return true;
    if (!isRecord(value) && !Array.isArray(value)) return false;
    value = (value as Record<string | number, unknown>)[key];
  }
  return containsUnknown(value);
}

/** A failure message for the engine: what was being done, then the API's own words and request id. */
export function failure(action: string, error: unknown): Error {
  const message = error instanceof Error ? error.message : String(error);
  const requestId = (error as { requestId?: unknown } | null)?.requestId;
  return new Error(`${action}: ${message}${typeof requestId === "string" ? ` (request ${requestId})` : ""}`, {
    cause: error,
  });
}

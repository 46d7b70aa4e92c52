import { invalidInput } from "../errors.ts";

/** A path segment: non-empty, and escaped so an id can never change the route. */
export function segment(value: string, name: string): string {
  if (typeof value !== "string" || value === "")
    throw invalidInput([{ path: [name], message: "expected a non-empty string" }]);
  return encodeURIComponent(value);
}

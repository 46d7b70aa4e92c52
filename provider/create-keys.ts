// Deterministic idempotency keys for the provider's POSTs, so that a create whose answer was lost
// (the server committed, then a gateway answered 502, or the retries ran out) is replayed by the
// next `up`, even in a fresh provider process, instead of making a second object.
//
//   pulumi-<kind>-<hash of the resource's identity>-<hash of the request body>-<generation>
//
// The identity is the resource's URN (project, stack, parent types, type and name), recorded by
// the resource class as the hidden input `__identity`; the body hash makes a changed
// declaration a new create. SenderKit
// keeps keys for 24 hours, and a replay gives the first answer even if that object was deleted
// since (a `destroy` then `up` within the day): such a replay moves on to the next generation.
import { createHash, randomUUID } from "node:crypto";
import { isRecord } from "./properties.ts";

/** Generations tried before giving up: this many delete-and-recreate cycles of one declaration within 24 hours. */
export const MAX_GENERATIONS = 50;

/** The key for one create (or rotation) attempt; a random one when there is no identity (state from before). */
export function createKey(kind: string, identity: unknown, body: unknown, generation: number): string {
  if (typeof identity !== "string" || identity === "") return randomUUID();
  return `pulumi-${kind}-${digest(identity)}-${digest(canonicalJson(body))}-${generation}`;
}

export interface GenerationStep<T> {
  /** Makes the call with `key`; the answer and whether it was a replay. */
  attempt(key: string): Promise<{ value: T; replayed: boolean } | { error: unknown; replayed: boolean }>;
  /** For a replayed answer: is what it describes still there? If not, the next generation is tried. */
  stillThere(outcome: { value: T } | { error: unknown }): Promise<boolean>;
}

/**
 * Runs a create with keys of generation 0, 1, 2…: a fresh answer, or a replay of something still
 * there, is the result; a replay of something gone since moves to the next generation.
 */
export async function createOnce<T>(keyOf: (generation: number) => string, step: GenerationStep<T>): Promise<T> {
  for (let generation = 0; generation < MAX_GENERATIONS; generation++) {
    const outcome = await step.attempt(keyOf(generation));
    if (!outcome.replayed || (await step.stillThere(outcome))) {
      if ("error" in outcome) throw outcome.error;
      return outcome.value;
    }
  }
  throw new Error(
    `this exact declaration was created and deleted ${MAX_GENERATIONS} times within SenderKit's 24-hour ` +
      "idempotency window; wait for the window to pass, or rename the resource",
  );
}

function digest(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 24);
}

/** JSON with object keys sorted, so the same body always hashes the same. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (isRecord(value)) {
    const entries = Object.keys(value)
      .filter((key) => value[key] !== undefined)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key])}`);
    return `{${entries.join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

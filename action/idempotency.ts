// Idempotency keys that make "Re-run failed jobs" replay instead of sending again.
//
// A key names the step of the workflow run (repository, run id — the same on every re-run
// attempt —, job and step) plus what the step sends (see `discriminator` below), and for a
// batch the row. Keys are 1-255 printable ASCII characters (contract section 4); a readable key
// that would not fit, or holds other characters, is replaced by a hash of itself.
import { createHash } from "node:crypto";
import { LIMITS, idempotencyKeyProblem } from "../src/rules.ts";
import type { GitHubContext } from "./context.ts";

/** Room kept at the end of a batch step key for `:row-<n>`. */
const ROW_SUFFIX_ROOM = 24;
const PREFIX = "gha";

/**
 * The key of one step, or undefined outside a workflow run (no GITHUB_RUN_ID): then there is
 * no re-run to protect and the client makes a fresh key per send.
 *
 * `discriminator` tells apart sends of the same step that are not re-runs of each other: the
 * legs of a matrix share repository, run, job and step, so the key also carries a short hash of
 * what the leg sends (template, recipient; for a batch, the file). Variables are left out on
 * purpose: a re-run whose variables changed must not send again, and fails loudly instead
 * (`idempotency_key_reused`).
 */
export function stepIdempotencyKey(context: GitHubContext, discriminator: readonly string[]): string | undefined {
  if (!context.runId) return undefined;
  const readable = [PREFIX, context.repository, context.runId, context.job, context.action, shortHash(discriminator)].join(":");
  return fits(readable, LIMITS.idempotencyKeyLength - ROW_SUFFIX_ROOM) ? readable : `${PREFIX}:${shortHash([readable], 40)}`;
}

/** The key of row `row` (1-based, counted over the whole file) of a batch step. */
export function rowIdempotencyKey(stepKey: string, row: number): string {
  return `${stepKey}:row-${row}`;
}

/** The key of row `row` under a key the workflow gave (`idempotency-key` input). */
export function givenRowIdempotencyKey(givenKey: string, row: number): string {
  const key = `${givenKey}-${row}`;
  return fits(key, LIMITS.idempotencyKeyLength) ? key : `${PREFIX}:${shortHash([givenKey], 40)}-${row}`;
}

function fits(key: string, maxLength: number): boolean {
  return key.length <= maxLength && idempotencyKeyProblem(key) === undefined;
}

export function shortHash(parts: readonly string[], length = 12): string {
  return createHash("sha256").update(JSON.stringify(parts)).digest("hex").slice(0, length);
}

// Idempotency keys that make "Re-run failed jobs" replay instead of sending again.
//
// A key names the step of the workflow run (repository, run id — the same on every re-run
// attempt —, job and step) plus what the step sends (see `discriminator` below), and for a
// batch the row. Keys are 1-255 printable ASCII characters (contract section 4); a readable key
// that would not fit, or holds other characters, is replaced by a hash of itself.
import { createHash } from "node:crypto";
import { LIMITS, idempotencyKeyProblem } from "../src/internal/rules.ts";
import type { GitHubContext } from "./context.ts";

/** Room kept at the end of a batch step key for a row's `:<fingerprint>-<n>`. */
const ROW_SUFFIX_ROOM = 24;
const PREFIX = "gha";

/**
 * The key of one step, or undefined outside a workflow run (no GITHUB_RUN_ID): then there is
 * no re-run to protect and the client makes a fresh key per send.
 *
 * `discriminator` tells apart sends of the same step that are not re-runs of each other: the
 * legs of a matrix share repository, run, job and step, so the key also carries a short hash of
 * what the leg sends (for a send: template, recipient and a hash of vars, metadata, content,
 * cc, bcc, reply-to and scheduled-at; for a batch, the file). A re-run with the same inputs
 * gets the same key and replays; legs that send different things get different keys.
 */
export function stepIdempotencyKey(context: GitHubContext, discriminator: readonly string[]): string | undefined {
  if (!context.runId) return undefined;
  const readable = [
    PREFIX,
    context.repository,
    context.runId,
    context.job,
    context.action,
    shortHash(discriminator),
  ].join(":");
  return fits(readable, LIMITS.idempotencyKeyLength - ROW_SUFFIX_ROOM)
    ? readable
    : `${PREFIX}:${shortHash([readable], 40)}`;
}

/**
 * The key of a batch row: the step's key, the row's fingerprint and, for the second and later of
 * identical rows, how many came before it (see row-keys.ts).
 */
export function rowIdempotencyKey(stepKey: string, fingerprint: string, occurrence: number): string {
  return `${stepKey}:${fingerprint}${occurrence > 0 ? `-${occurrence}` : ""}`;
}

/**
 * The key of a batch row under a key the workflow gave (`idempotency-key` input): the same rule
 * under that key, so a re-run with the same input replays row by row whatever the order.
 */
export function givenRowIdempotencyKey(givenKey: string, fingerprint: string, occurrence: number): string {
  const key = rowIdempotencyKey(givenKey, fingerprint, occurrence);
  return fits(key, LIMITS.idempotencyKeyLength)
    ? key
    : rowIdempotencyKey(`${PREFIX}:${shortHash([givenKey], 40)}`, fingerprint, occurrence);
}

function fits(key: string, maxLength: number): boolean {
  return key.length <= maxLength && idempotencyKeyProblem(key) === undefined;
}

export function shortHash(parts: readonly string[], length = 12): string {
  return createHash("sha256").update(JSON.stringify(parts)).digest("hex").slice(0, length);
}

/** JSON with object keys sorted, so the same inputs always hash the same. */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) =>
    item && typeof item === "object" && !Array.isArray(item)
      ? Object.fromEntries(
          Object.entries(item as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : item,
  );
}

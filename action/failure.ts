// The message of a failed step, from any error. SenderKit's answers (APIError) are described
// from their fields (status, code, issues, request id); any other error (a file that cannot be
// opened, a bug) is described as itself. src/errors.ts loads no HTTP stack, so lint mode still
// starts without the client. Nothing here ever includes the API key: the client's errors never
// carry it, and the runner redacts every line it writes anyway.
import { APIError, formatPath } from "../src/errors.ts";

export interface FailureContext {
  /** GITHUB_RUN_ATTEMPT: "1" on the first attempt, more on a re-run. */
  runAttempt?: string | undefined;
}

export function describeError(error: unknown, context: FailureContext = {}): string {
  if (!(error instanceof APIError)) return error instanceof Error ? error.message : String(error);
  const status = error.status === undefined ? "" : `${error.status} `;
  const issues = (error.issues ?? []).map((issue) => `  - ${formatPath(issue.path)}: ${issue.message}`);
  const request = error.requestId ? ` (request ${error.requestId})` : "";
  const hint = hintFor(error.code, context);
  return [
    `SenderKit answered ${status}${error.code}: ${error.message}${request}`,
    ...issues,
    ...(hint ? [hint] : []),
  ].join("\n");
}

function hintFor(code: string, context: FailureContext): string | undefined {
  if (code !== "idempotency_key_reused") return HINTS[code];
  const attempt = Number(context.runAttempt);
  if (Number.isInteger(attempt) && attempt > 1) {
    return (
      "This step already sent a different message in this workflow run: a re-run whose inputs changed (a timestamp in vars?). " +
      "Nothing was sent twice. To send anyway, set `idempotency-key` to a new value."
    );
  }
  return (
    "Another send of this workflow run already used this idempotency key for a different message " +
    "(the same `idempotency-key` given to two steps or matrix legs?). Nothing was sent twice. Give each send its own `idempotency-key`."
  );
}

/** What to do about answers a workflow author is likely to meet. */
const HINTS: Record<string, string> = {
  invalid_api_key:
    "Check the api-key secret: it must be a SenderKit key of the mode you mean (sk_test_… or sk_live_…).",
  unknown_template: "Deploy the template first (for example with the Pulumi example), or check the slug.",
};

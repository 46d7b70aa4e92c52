// The message of a failed step, from any error. API errors are described from their fields
// (status, code, issues, request id) rather than by class, so this module does not load the
// client (lint mode must start without it). Nothing here ever includes the API key: the client's
// errors never carry it, and the runner redacts every line it writes anyway.

interface ApiErrorLike {
  status?: number | undefined;
  code?: string;
  issues?: { path: (string | number)[]; message: string }[];
  requestId?: string | undefined;
}

export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const fields = error as Error & ApiErrorLike;
  if (typeof fields.code !== "string") return error.message;
  const status = fields.status === undefined ? "" : `${fields.status} `;
  const issues = (fields.issues ?? []).map((issue) => `  - ${formatIssuePath(issue.path)}: ${issue.message}`);
  const request = fields.requestId ? ` (request ${fields.requestId})` : "";
  const hint = HINTS[fields.code];
  return [`SenderKit answered ${status}${fields.code}: ${error.message}${request}`, ...issues, ...(hint ? [hint] : [])].join("\n");
}

/** What to do about answers a workflow author is likely to meet. */
const HINTS: Record<string, string> = {
  idempotency_key_reused:
    "This step already sent a different message in this workflow run: a re-run whose inputs changed (a timestamp in vars?). " +
    "Nothing was sent twice. To send anyway, set `idempotency-key` to a new value.",
  invalid_api_key: "Check the api-key secret: it must be a SenderKit key of the mode you mean (sk_test_… or sk_live_…).",
  unknown_template: "Deploy the template first (for example with the Pulumi example), or check the slug.",
};

export function formatIssuePath(path: readonly (string | number)[]): string {
  if (path.length === 0) return "(body)";
  return path.map((part, i) => (typeof part === "number" ? `[${part}]` : i === 0 ? part : `.${part}`)).join("");
}

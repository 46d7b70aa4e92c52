// Where the step runs, from @actions/github's `context` (loaded only by the modes that send:
// it brings octokit along), and the metadata that makes every message traceable to its run.
import { LIMITS, codePointLength } from "../src/internal/rules.ts";

export interface GitHubContext {
  /** `owner/name`; "" outside Actions. */
  repository: string;
  /** The same on every re-run attempt of a workflow run; "" outside Actions. */
  runId: string;
  runAttempt: string;
  /** The job's id in the workflow (shared by every leg of a matrix). */
  job: string;
  /** The step's id (or `__owner_repo` for a `uses:` step without one). */
  action: string;
  sha: string;
  ref: string;
  workflow: string;
  eventName: string;
  serverUrl: string;
  /** The checkout directory; file paths in annotations are relative to it. */
  workspace: string;
  /** Emptied after the job: files kept there must be uploaded to outlive it. */
  runnerTemp: string;
}

export async function readGitHubContext(): Promise<GitHubContext> {
  const { context } = await import("@actions/github");
  const text = (value: string | number | undefined) =>
    value === undefined || Number.isNaN(value) ? "" : String(value);
  return {
    // `context.repo` throws without GITHUB_REPOSITORY (outside Actions); "" then.
    repository: process.env.GITHUB_REPOSITORY ? `${context.repo.owner}/${context.repo.repo}` : "",
    runId: text(context.runId),
    runAttempt: text(context.runAttempt),
    job: text(context.job),
    action: text(context.action),
    sha: text(context.sha),
    ref: text(context.ref),
    workflow: text(context.workflow),
    eventName: text(context.eventName),
    serverUrl: context.serverUrl,
    ...workspaceOf(),
  };
}

/** What lint mode needs of the run: where the checkout is (no octokit loaded for it). */
export function workspaceOf(env: NodeJS.ProcessEnv = process.env): Pick<GitHubContext, "workspace" | "runnerTemp"> {
  return { workspace: env.GITHUB_WORKSPACE ?? "", runnerTemp: env.RUNNER_TEMP ?? "" };
}

/** The link to the workflow run (without the attempt, so it is the same on every re-run). */
export function runUrl(context: GitHubContext): string | undefined {
  if (!context.repository || !context.runId) return undefined;
  return `${context.serverUrl}/${context.repository}/actions/runs/${context.runId}`;
}

/**
 * Metadata naming where a message came from, most important first. Every value stays the same
 * across re-run attempts: the send body must be byte-identical for the idempotency key to
 * replay instead of failing with `idempotency_key_reused`, so the attempt number is left out.
 */
export function traceMetadata(context: GitHubContext): Record<string, string> {
  const entries: [string, string | undefined][] = [
    ["github_repository", context.repository],
    ["github_run_id", context.runId],
    ["github_sha", context.sha],
    ["github_workflow", context.workflow],
    ["github_run_url", runUrl(context)],
  ];
  const metadata: Record<string, string> = {};
  for (const [key, value] of entries) {
    if (value) metadata[key] = truncateCodePoints(value, LIMITS.metadataValueLength);
  }
  return metadata;
}

/**
 * The caller's metadata with the trace keys it does not set itself, within the contract's limit
 * of keys: trace keys that do not fit are left out (most important kept) and named in `dropped`.
 */
export function withTraceMetadata(
  metadata: Record<string, string> | undefined,
  trace: Record<string, string>,
): { metadata: Record<string, string>; dropped: string[] } {
  const result: Record<string, string> = { ...metadata };
  const dropped: string[] = [];
  let count = Object.keys(result).length;
  for (const [key, value] of Object.entries(trace)) {
    if (Object.hasOwn(result, key)) continue;
    if (count >= LIMITS.metadataKeys) {
      dropped.push(key);
      continue;
    }
    result[key] = value;
    count++;
  }
  return { metadata: result, dropped };
}

function truncateCodePoints(value: string, max: number): string {
  return codePointLength(value) <= max ? value : Array.from(value).slice(0, max).join("");
}

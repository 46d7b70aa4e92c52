// Lint mode's pull-request comment: ONE comment per pull request, found again by a hidden marker
// and edited on every re-run (never a second one), listing the findings and previews of only the
// templates the pull request changes. Posted through @actions/github's octokit, which talks to
// GITHUB_API_URL. Without a token, or on any event but pull_request, nothing is posted; a failure
// to post is a warning for the caller to show, never a failed lint.
//
// Permissions the workflow's token needs: `pull-requests: write` (list the files, write the
// comment; issues.* comment calls on a pull request are allowed by it) and `contents: read`.
import { relative, resolve, sep } from "node:path";
import { getOctokit } from "@actions/github";
import type { templateFiles } from "../src/index.ts";
import { countFindings } from "../src/template-files/index.ts";
import { lintReportMarkdown } from "./lint-report.ts";

type LintReport = templateFiles.LintReport;
type Preview = templateFiles.Preview;
type Octokit = ReturnType<typeof getOctokit>;

/** The hidden line that identifies our comment among a pull request's comments. */
export const COMMENT_MARKER = "<!-- senderkit-template-lint -->";
/** GitHub refuses comment bodies over 65,536 characters. */
const COMMENT_LIMIT = 65_000;

export interface PullRequestContext {
  eventName: string;
  repo: { owner: string; repo: string };
  payload: { pull_request?: { number: number } | undefined };
}

export interface PostCommentOptions {
  token: string | undefined;
  context: PullRequestContext;
  report: LintReport;
  previews: readonly Preview[];
  /** Where the report's file names are relative to (default: the current directory). */
  cwd?: string | undefined;
  /** The repository's root on disk (default: GITHUB_WORKSPACE, else cwd): PR file names are relative to it. */
  workspace?: string | undefined;
  warning: (message: string) => void;
}

export type CommentOutcome =
  | { posted: false; reason: "no-token" | "not-a-pull-request" | "no-changed-templates" | "failed" }
  | { posted: true; action: "created" | "updated"; id: number; templates: number };

export async function postPullRequestComment(options: PostCommentOptions): Promise<CommentOutcome> {
  const { token, context } = options;
  if (!token) return { posted: false, reason: "no-token" };
  const number = context.payload.pull_request?.number;
  if (context.eventName !== "pull_request" || typeof number !== "number")
    return { posted: false, reason: "not-a-pull-request" };
  try {
    // Given explicitly so the URL is read now, not when @actions/github was first imported.
    const octokit = getOctokit(token, { baseUrl: process.env.GITHUB_API_URL || "https://api.github.com" });
    const target = { ...context.repo, pull_number: number };
    const changed = new Set(await changedFiles(octokit, target));
    const cwd = options.cwd ?? process.cwd();
    const workspace = options.workspace ?? process.env.GITHUB_WORKSPACE ?? cwd;
    const inRepo = (file: string) => relative(workspace, resolve(cwd, file)).split(sep).join("/");
    const files = options.report.files.filter((file) => changed.has(inRepo(file.file)));
    const existing = await findComment(octokit, { ...context.repo, issue_number: number });
    if (files.length === 0 && existing === undefined) return { posted: false, reason: "no-changed-templates" };

    const changedReport = countFindings(files);
    const names = new Set(files.map((file) => file.file));
    const body = [
      COMMENT_MARKER,
      files.length === 0
        ? "### SenderKit template lint\n\nThis pull request no longer changes any template file."
        : lintReportMarkdown(changedReport, {
            title: "SenderKit template lint: the templates this pull request changes",
            previews: options.previews.filter((preview) => names.has(preview.file)),
            maxLength: COMMENT_LIMIT,
          }),
    ].join("\n");
    if (existing !== undefined) {
      await octokit.rest.issues.updateComment({ ...context.repo, comment_id: existing, body });
      return { posted: true, action: "updated", id: existing, templates: files.length };
    }
    const created = await octokit.rest.issues.createComment({ ...context.repo, issue_number: number, body });
    return { posted: true, action: "created", id: created.data.id, templates: files.length };
  } catch (error) {
    const { status, message } = error as { status?: number; message?: string };
    // Octokit's messages carry no credentials; the token is scrubbed anyway in case one echoes it.
    const reason = `${status ? `HTTP ${status}: ` : ""}${String(message ?? error)
      .split(token)
      .join("***")}`;
    options.warning(
      `Could not post the pull-request comment (${reason}). The lint result stands; check the token's pull-requests: write permission.`,
    );
    return { posted: false, reason: "failed" };
  }
}

/** Every file the pull request adds or modifies (removed ones have nothing to lint), all pages. */
export async function changedFiles(
  octokit: Octokit,
  target: { owner: string; repo: string; pull_number: number },
): Promise<string[]> {
  const files = await octokit.paginate(octokit.rest.pulls.listFiles, { ...target, per_page: 100 });
  return files.filter((file) => file.status !== "removed").map((file) => file.filename);
}

/**
 * Our comment's id: the marker at the start of a body. Anyone can paste the marker into a
 * comment, so one written by a bot (as GITHUB_TOKEN's comments are) wins over others.
 */
async function findComment(
  octokit: Octokit,
  target: { owner: string; repo: string; issue_number: number },
): Promise<number | undefined> {
  const comments = await octokit.paginate(octokit.rest.issues.listComments, { ...target, per_page: 100 });
  const ours = comments.filter((comment) => comment.body?.startsWith(COMMENT_MARKER));
  return (ours.find((comment) => comment.user?.type === "Bot") ?? ours[0])?.id;
}

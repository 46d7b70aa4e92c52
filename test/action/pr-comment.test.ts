// action/pr-comment.ts against a fake GitHub REST API on 127.0.0.1 (test/helpers/fake-github.ts).
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { COMMENT_MARKER, postPullRequestComment } from "../../action/pr-comment.ts";
import type { PullRequestContext } from "../../action/pr-comment.ts";
import { templateFiles } from "../../src/index.ts";
import { startFakeGitHub } from "../helpers/fake-github.ts";
import type { FakeGitHub } from "../helpers/fake-github.ts";

const TOKEN = "ghs_faketoken0123456789";
const PR = 7;
const context: PullRequestContext = {
  eventName: "pull_request",
  repo: { owner: "acme", repo: "notify" },
  payload: { pull_request: { number: PR } },
};

let github: FakeGitHub;
let workspace: string;
let report: templateFiles.LintReport;
let previews: templateFiles.Preview[];
const savedApiUrl = process.env.GITHUB_API_URL;

beforeAll(async () => {
  github = await startFakeGitHub();
  process.env.GITHUB_API_URL = github.url;
  workspace = await mkdtemp(join(tmpdir(), "senderkit-pr-"));
  await mkdir(join(workspace, "templates"));
  const sms = (slug: string, body: string) =>
    `slug: ${slug}\nname: ${slug}\nchannel: sms\ncontent:\n  body: "${body}"\nfixtures:\n  f:\n    x: "1"\n`;
  await writeFile(join(workspace, "templates", "changed-a.yml"), sms("changed-a", "A {{ x }}"));
  await writeFile(join(workspace, "templates", "changed-b.yml"), sms("changed-b", "B’s {{ x }}"));
  await writeFile(join(workspace, "templates", "untouched.yml"), sms("untouched", "U {{ missing }}"));
  const files = await templateFiles.findTemplateFiles(["templates"], { cwd: workspace });
  report = await templateFiles.lintFiles(files, workspace);
  previews = templateFiles.renderPreviews(report);
});

afterAll(async () => {
  await github.close();
  await rm(workspace, { recursive: true, force: true });
  if (savedApiUrl === undefined) delete process.env.GITHUB_API_URL;
  else process.env.GITHUB_API_URL = savedApiUrl;
});

beforeEach(() => {
  github.requests.length = 0;
  github.comments.clear();
  github.failWrites = undefined;
  // 150 changed files: two pages of 100, the second changed template on page 2.
  const filler = Array.from({ length: 148 }, (_, i) => ({ filename: `src/file-${i}.ts`, status: "modified" }));
  github.pullFiles.set(PR, [
    { filename: "templates/changed-a.yml", status: "added" },
    ...filler,
    { filename: "templates/changed-b.yml", status: "modified" },
    { filename: "templates/untouched.yml", status: "removed" },
  ]);
});

const post = (overrides: Partial<Parameters<typeof postPullRequestComment>[0]> = {}) => {
  const warnings: string[] = [];
  const outcome = postPullRequestComment({
    token: TOKEN,
    context,
    report,
    previews,
    cwd: workspace,
    workspace,
    warning: (message) => warnings.push(message),
    ...overrides,
  });
  return outcome.then((result) => ({ result, warnings }));
};

describe("postPullRequestComment", () => {
  it("creates one comment with the marker, listing only the templates the pull request changes (all pages of files)", async () => {
    const { result, warnings } = await post();
    expect(warnings).toEqual([]);
    expect(result).toMatchObject({ posted: true, action: "created", templates: 2 });
    const comments = github.comments.get(PR)!;
    expect(comments).toHaveLength(1);
    const body = comments[0]!.body;
    expect(body.startsWith(COMMENT_MARKER)).toBe(true);
    expect(body).toContain("changed-a");
    expect(body).toContain("changed-b");
    expect(body).toContain("sms-encoding");
    expect(body).not.toContain("untouched");
    const listCalls = github.requests.filter((request) =>
      request.path.startsWith(`/repos/acme/notify/pulls/${PR}/files`),
    );
    expect(listCalls.map((request) => request.path)).toEqual([
      `/repos/acme/notify/pulls/${PR}/files?per_page=100`,
      `/repos/acme/notify/pulls/${PR}/files?per_page=100&page=2`,
    ]);
    expect(github.requests.every((request) => request.authorization === `token ${TOKEN}`)).toBe(true);
  });

  it("edits the same comment on a re-run instead of adding one", async () => {
    const first = await post();
    const second = await post();
    expect(second.result).toMatchObject({ posted: true, action: "updated" });
    expect(second.result.posted && first.result.posted && second.result.id === first.result.id).toBe(true);
    expect(github.comments.get(PR)).toHaveLength(1);
    expect(github.requests.filter((request) => request.method === "PATCH")).toHaveLength(1);
  });

  it("prefers its own (bot) comment over a user's comment that pastes the marker", async () => {
    github.comments.set(PR, [
      { id: 1, body: `${COMMENT_MARKER}\nfake`, user: { login: "mallory", type: "User" } },
      { id: 2, body: `${COMMENT_MARKER}\nours`, user: { login: "github-actions[bot]", type: "Bot" } },
    ]);
    const { result } = await post();
    expect(result).toMatchObject({ posted: true, action: "updated", id: 2 });
    expect(github.comments.get(PR)![0]!.body).toBe(`${COMMENT_MARKER}\nfake`);
  });

  it("posts nothing without a token", async () => {
    expect((await post({ token: undefined })).result).toEqual({ posted: false, reason: "no-token" });
    expect((await post({ token: "" })).result).toEqual({ posted: false, reason: "no-token" });
    expect(github.requests).toEqual([]);
  });

  it("posts nothing outside a pull_request event", async () => {
    const push = { ...context, eventName: "push", payload: {} };
    expect((await post({ context: push })).result).toEqual({ posted: false, reason: "not-a-pull-request" });
    const target = { ...context, eventName: "pull_request_target" };
    expect((await post({ context: target })).result).toEqual({ posted: false, reason: "not-a-pull-request" });
    expect(github.requests).toEqual([]);
  });

  it("posts nothing when the pull request changes no template, and says so in an existing comment", async () => {
    github.pullFiles.set(PR, [{ filename: "README.md", status: "modified" }]);
    expect((await post()).result).toEqual({ posted: false, reason: "no-changed-templates" });
    expect(github.comments.get(PR) ?? []).toEqual([]);
    github.comments.set(PR, [
      { id: 5, body: `${COMMENT_MARKER}\nold`, user: { login: "github-actions[bot]", type: "Bot" } },
    ]);
    expect((await post()).result).toMatchObject({ posted: true, action: "updated", id: 5, templates: 0 });
    expect(github.comments.get(PR)![0]!.body).toContain("no longer changes any template file");
  });

  it("turns a failure to post into a warning without the token", async () => {
    github.failWrites = 403;
    const { result, warnings } = await post();
    expect(result).toEqual({ posted: false, reason: "failed" });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /^Could not post the pull-request comment \(HTTP 403: Resource not accessible by integration/,
    );
    expect(warnings[0]).not.toContain(TOKEN);
  });
});

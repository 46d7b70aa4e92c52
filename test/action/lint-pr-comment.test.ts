// Lint mode's pull-request comment through the built Action (`node dist/index.js`) against the
// fake GitHub REST API: octokit finds it through GITHUB_API_URL, the pull request through
// GITHUB_EVENT_NAME and GITHUB_EVENT_PATH. One comment, created once and edited on re-runs, listing
// only the templates the pull request changes; nothing without a token or on a push.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { COMMENT_MARKER } from "../../action/pr-comment.ts";
import { startFakeGitHub } from "../helpers/fake-github.ts";
import type { FakeGitHub } from "../helpers/fake-github.ts";
import { runAction } from "./helpers.ts";

const TOKEN = "ghs_prCommentToken0123456789abcdef";
const PR = 12;

let github: FakeGitHub;
let workspace: string;
let events: string;

const sms = (slug: string, body: string) =>
  `slug: ${slug}\nname: ${slug}\nchannel: sms\ncontent:\n  body: "${body}"\nfixtures:\n  f:\n    x: "1"\n`;

beforeAll(async () => {
  github = await startFakeGitHub();
  workspace = await mkdtemp(join(tmpdir(), "senderkit-lint-pr-"));
  await mkdir(join(workspace, "templates"));
  await writeFile(join(workspace, "templates", "changed.yml"), sms("changed", "Changed {{ x }}"));
  await writeFile(join(workspace, "templates", "untouched.yml"), sms("untouched", "Untouched {{ x }}"));
  events = join(workspace, "..", `${workspace.split("/").at(-1)}-events`);
  await mkdir(events, { recursive: true });
  await writeFile(join(events, "pull_request.json"), JSON.stringify({ pull_request: { number: PR }, number: PR }));
  await writeFile(join(events, "push.json"), JSON.stringify({ ref: "refs/heads/main" }));
});
afterAll(async () => {
  await github?.close();
  if (workspace) await rm(workspace, { recursive: true, force: true });
  if (events) await rm(events, { recursive: true, force: true });
});
beforeEach(() => {
  github.requests.length = 0;
  github.comments.clear();
  github.failWrites = undefined;
  github.pullFiles.set(PR, [
    { filename: "templates/changed.yml", status: "modified" },
    { filename: "README.md", status: "modified" },
  ]);
});

function lint(options: { token?: string; event?: "pull_request" | "push" } = {}) {
  const event = options.event ?? "pull_request";
  return runAction({
    inputs: { mode: "lint", templates: "templates/*.yml", ...(options.token ? { "github-token": options.token } : {}) },
    workspace,
    github: {
      GITHUB_API_URL: github.url,
      GITHUB_EVENT_NAME: event,
      GITHUB_EVENT_PATH: join(events, `${event}.json`),
    },
  });
}

describe("lint mode's pull-request comment, through dist", () => {
  it("is created once and edited on the re-run, listing only the changed templates, the token nowhere", async () => {
    const first = await lint({ token: TOKEN });
    expect(first.code, first.stdout).toBe(0);
    const comments = github.comments.get(PR)!;
    expect(comments).toHaveLength(1);
    const body = comments[0]!.body;
    expect(body.startsWith(COMMENT_MARKER)).toBe(true);
    expect(body).toContain("<b>changed</b>");
    expect(body).toContain("Changed 1");
    expect(body).not.toContain("untouched");
    expect(first.stdout).toContain("Pull-request comment created (1 changed template)");
    expect(github.requests.every((request) => request.authorization === `token ${TOKEN}`)).toBe(true);

    // The re-run after the template changed: the same comment, edited.
    await writeFile(join(workspace, "templates", "changed.yml"), sms("changed", "Edited {{ x }}"));
    const second = await lint({ token: TOKEN });
    expect(second.code).toBe(0);
    expect(github.comments.get(PR)).toHaveLength(1);
    expect(github.comments.get(PR)![0]!.body).toContain("Edited 1");
    expect(github.requests.filter((request) => request.method === "POST")).toHaveLength(1);
    expect(github.requests.filter((request) => request.method === "PATCH")).toHaveLength(1);
    expect(second.stdout).toContain("Pull-request comment updated (1 changed template)");

    for (const run of [first, second]) {
      const seen = [
        run.stdout,
        run.stderr,
        run.summary,
        JSON.stringify(run.outputs),
        github.comments.get(PR)![0]!.body,
      ];
      // The runner's own mask command is the one place the token may appear.
      expect(seen.join("\n").replace(`::add-mask::${TOKEN}`, "")).not.toContain(TOKEN);
    }
  }, 60_000);

  it("posts nothing without a token, or on a push", async () => {
    const withoutToken = await lint();
    expect(withoutToken.code).toBe(0);
    const onPush = await lint({ token: TOKEN, event: "push" });
    expect(onPush.code).toBe(0);
    expect(github.requests).toEqual([]);
    expect(github.comments.get(PR)).toBeUndefined();
  }, 60_000);

  it("warns, without failing the lint or showing the token, when GitHub refuses the comment", async () => {
    github.failWrites = 403;
    const run = await lint({ token: TOKEN });
    expect(run.code).toBe(0);
    const warning = run.commands.find((command) => command.command === "warning");
    expect(warning?.message).toMatch(/^Could not post the pull-request comment \(HTTP 403: /);
    expect(run.stdout.replace(`::add-mask::${TOKEN}`, "")).not.toContain(TOKEN);
  }, 60_000);
});

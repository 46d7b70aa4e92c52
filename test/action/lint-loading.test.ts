// Lint mode's cold start: through dist, each mode loads only the chunks it needs. Plain lint loads
// neither octokit nor the HTTP client; a token on a pull_request event brings octokit, and only
// then. Which chunks a run loaded is read from a module hook that logs every file Node loads.
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeGitHub } from "../helpers/fake-github.ts";
import type { FakeGitHub } from "../helpers/fake-github.ts";
import { runAction } from "./helpers.ts";

let workspace: string;
let hook: string;
let github: FakeGitHub;
beforeAll(async () => {
  github = await startFakeGitHub();
  workspace = await mkdtemp(join(tmpdir(), "senderkit-lint-loading-"));
  await mkdir(join(workspace, "templates"));
  await writeFile(
    join(workspace, "templates", "t.yml"),
    'slug: t\nname: T\nchannel: sms\ncontent:\n  body: "Hi {{ x }}"\nfixtures:\n  f: { x: 1 }\n',
  );
  await writeFile(join(workspace, "event.json"), JSON.stringify({ pull_request: { number: 1 } }));
  hook = join(workspace, "hook.mjs");
  await writeFile(
    hook,
    'import { registerHooks } from "node:module";\n' +
      "registerHooks({ load(url, context, next) {\n" +
      "  process.stderr.write(`LOADED ${url}\\n`);\n" +
      "  return next(url, context);\n" +
      "} });\n",
  );
});
afterAll(async () => {
  await github?.close();
  if (workspace) await rm(workspace, { recursive: true, force: true });
});

/** The text of every dist file the run loaded. */
async function loadedChunks(github: Record<string, string>, inputs: Record<string, string> = {}): Promise<string[]> {
  const run = await runAction({
    inputs: { mode: "lint", templates: "templates/*.yml", ...inputs },
    workspace,
    github,
    nodeArgs: ["--import", hook],
  });
  expect(run.code, run.stderr).toBe(0);
  const urls = [...run.stderr.matchAll(/^LOADED (file:\S+\/dist\/\S+\.js)$/gm)].map((match) => match[1]!);
  expect(urls.length).toBeGreaterThan(1);
  return Promise.all(urls.map((url) => readFile(fileURLToPath(url), "utf8")));
}

describe("lint mode's cold start", () => {
  it("loads neither octokit nor the HTTP client without a token, or with one on a push", async () => {
    for (const [env, inputs] of [
      [{ GITHUB_EVENT_NAME: "pull_request", GITHUB_EVENT_PATH: join(workspace, "event.json") }, {}],
      [{ GITHUB_EVENT_NAME: "push" }, { "github-token": "ghs_loadingToken0123456789" }],
    ] as const) {
      const chunks = await loadedChunks(env, inputs);
      for (const absent of ["Octokit", "sendBatch", "idempotent-replayed"])
        expect(
          chunks.some((text) => text.includes(absent)),
          absent,
        ).toBe(false);
    }
  }, 60_000);

  it("loads octokit with a token on a pull_request event", async () => {
    github.pullFiles.set(1, []);
    const chunks = await loadedChunks(
      {
        GITHUB_EVENT_NAME: "pull_request",
        GITHUB_EVENT_PATH: join(workspace, "event.json"),
        GITHUB_API_URL: github.url,
      },
      { "github-token": "ghs_loadingToken0123456789" },
    );
    expect(chunks.some((text) => text.includes("Octokit"))).toBe(true);
    expect(chunks.some((text) => text.includes("sendBatch"))).toBe(false);
  }, 60_000);
});

import { describe, expect, it, vi } from "vitest";
import { readGitHubContext, runUrl, traceMetadata, withTraceMetadata } from "../../action/context.ts";
import { givenRowIdempotencyKey, rowIdempotencyKey, stepIdempotencyKey } from "../../action/idempotency.ts";
import { idempotencyKeyProblem } from "../../src/internal/rules.ts";
import { DEFAULT_GITHUB, githubContext } from "./helpers.ts";

/** The context of a run whose variables are DEFAULT_GITHUB with `overrides` (runner variable names). */
const context = (overrides: Record<string, string> = {}) => {
  const env = { ...DEFAULT_GITHUB, ...overrides };
  return githubContext({
    repository: env.GITHUB_REPOSITORY,
    runId: env.GITHUB_RUN_ID,
    runAttempt: env.GITHUB_RUN_ATTEMPT,
    job: env.GITHUB_JOB,
    action: env.GITHUB_ACTION,
    sha: env.GITHUB_SHA,
    workflow: env.GITHUB_WORKFLOW,
  });
};
const outside = githubContext({
  repository: "",
  runId: "",
  runAttempt: "",
  job: "",
  action: "",
  sha: "",
  ref: "",
  workflow: "",
  eventName: "",
});

describe("GitHub context", () => {
  it("reads the runner's variables through @actions/github's context", async () => {
    for (const [name, value] of Object.entries({ ...DEFAULT_GITHUB, GITHUB_WORKSPACE: "/w", RUNNER_TEMP: "/t" }))
      vi.stubEnv(name, value);
    try {
      const read = await readGitHubContext();
      expect(read).toEqual(githubContext({ workspace: "/w", runnerTemp: "/t" }));
      expect(runUrl(read)).toBe("https://github.com/acme/shop/actions/runs/1000001");
    } finally {
      vi.unstubAllEnvs();
    }
    expect(runUrl(outside)).toBeUndefined();
  });
});

describe("trace metadata", () => {
  it("names the repository, run and commit, the same on every re-run attempt", () => {
    const first = traceMetadata(context({ GITHUB_RUN_ATTEMPT: "1" }));
    expect(first).toEqual({
      github_repository: "acme/shop",
      github_run_id: "1000001",
      github_sha: DEFAULT_GITHUB.GITHUB_SHA,
      github_workflow: "Deploy",
      github_run_url: "https://github.com/acme/shop/actions/runs/1000001",
    });
    // A re-run must send a byte-identical body, or its key would be "reused" instead of replayed.
    expect(traceMetadata(context({ GITHUB_RUN_ATTEMPT: "3" }))).toEqual(first);
  });

  it("leaves out what is not known (outside Actions)", () => {
    expect(traceMetadata(outside)).toEqual({});
  });

  it("keeps values within the contract's 500 characters", () => {
    const metadata = traceMetadata(context({ GITHUB_WORKFLOW: "é".repeat(600) }));
    expect([...metadata.github_workflow!]).toHaveLength(500);
    for (const key of Object.keys(metadata)) expect(key.length).toBeLessThanOrEqual(40);
  });

  it("lets the workflow's own metadata win, and fits within 50 keys", () => {
    const trace = traceMetadata(context());
    expect(withTraceMetadata({ github_sha: "mine", team: "ops" }, trace).metadata).toMatchObject({
      github_sha: "mine",
      team: "ops",
      github_repository: "acme/shop",
    });

    const full = Object.fromEntries(Array.from({ length: 48 }, (_, i) => [`k${i}`, "v"]));
    const { metadata, dropped } = withTraceMetadata(full, trace);
    expect(Object.keys(metadata)).toHaveLength(50);
    expect(metadata.github_repository).toBe("acme/shop");
    expect(metadata.github_run_id).toBe("1000001");
    expect(dropped).toEqual(["github_sha", "github_workflow", "github_run_url"]);
  });
});

describe("idempotency keys", () => {
  it("are the same on a re-run attempt, and differ by repository, run, job, step and what is sent", () => {
    const key = stepIdempotencyKey(context(), ["send", "welcome", "a@x.com"]);
    expect(key).toBeDefined();
    expect(stepIdempotencyKey(context({ GITHUB_RUN_ATTEMPT: "2" }), ["send", "welcome", "a@x.com"])).toBe(key);
    const others = [
      stepIdempotencyKey(context({ GITHUB_REPOSITORY: "acme/other" }), ["send", "welcome", "a@x.com"]),
      stepIdempotencyKey(context({ GITHUB_RUN_ID: "1000002" }), ["send", "welcome", "a@x.com"]),
      stepIdempotencyKey(context({ GITHUB_JOB: "deploy" }), ["send", "welcome", "a@x.com"]),
      stepIdempotencyKey(context({ GITHUB_ACTION: "notify-2" }), ["send", "welcome", "a@x.com"]),
      // Legs of a matrix share all of the above; what they send tells them apart.
      stepIdempotencyKey(context(), ["send", "welcome", "b@x.com"]),
    ];
    expect(new Set([key, ...others]).size).toBe(6);
  });

  it("are readable when short", () => {
    expect(stepIdempotencyKey(context(), ["x"])).toMatch(/^gha:acme\/shop:1000001:notify:senderkit:[0-9a-f]{12}$/);
  });

  it("are undefined outside a workflow run (the client then makes a fresh key per send)", () => {
    expect(stepIdempotencyKey(outside, ["send"])).toBeUndefined();
  });

  it("stay within 255 printable ASCII characters, hashing what would not fit", () => {
    const long = stepIdempotencyKey(context({ GITHUB_REPOSITORY: `acme/${"r".repeat(300)}` }), ["x"])!;
    const unicode = stepIdempotencyKey(context({ GITHUB_JOB: "déploiement" }), ["x"])!;
    const rowKeys = [
      rowIdempotencyKey(long, "0123456789abcdef", 999_999),
      givenRowIdempotencyKey("k".repeat(255), "0123456789abcdef", 123456),
    ];
    for (const key of [long, unicode, ...rowKeys]) {
      expect(idempotencyKeyProblem(key)).toBeUndefined();
    }
    expect(long).toMatch(/^gha:[0-9a-f]{40}$/);
    expect(
      stepIdempotencyKey(context({ GITHUB_REPOSITORY: `acme/${"r".repeat(300)}`, GITHUB_RUN_ID: "2" }), ["x"]),
    ).not.toBe(long);
  });

  it("key rows by their fingerprint, and identical rows by how many came before", () => {
    expect(rowIdempotencyKey("gha:a", "00ff", 0)).toBe("gha:a:00ff");
    expect(rowIdempotencyKey("gha:a", "00ff", 2)).toBe("gha:a:00ff-2");
    expect(givenRowIdempotencyKey("campaign-1", "00ff", 0)).toBe("campaign-1:00ff");
    expect(givenRowIdempotencyKey("k".repeat(255), "00ff", 1)).toMatch(/^gha:[0-9a-f]{40}:00ff-1$/);
  });
});

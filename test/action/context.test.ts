import { describe, expect, it } from "vitest";
import { readGitHubContext, runUrl, traceMetadata, withTraceMetadata } from "../../action/context.ts";
import { givenRowIdempotencyKey, rowIdempotencyKey, stepIdempotencyKey } from "../../action/idempotency.ts";
import { idempotencyKeyProblem } from "../../src/rules.ts";
import { DEFAULT_GITHUB } from "./helpers.ts";

const context = (overrides: Record<string, string> = {}) => readGitHubContext({ ...DEFAULT_GITHUB, ...overrides });

describe("GitHub context", () => {
  it("reads the runner's variables, as @actions/github's context does", () => {
    const read = context({ GITHUB_WORKSPACE: "/w", RUNNER_TEMP: "/t" });
    expect(read).toMatchObject({ repository: "acme/shop", runId: "1000001", job: "notify", action: "senderkit", sha: DEFAULT_GITHUB.GITHUB_SHA, workspace: "/w", runnerTemp: "/t" });
    expect(readGitHubContext({}).serverUrl).toBe("https://github.com");
    expect(runUrl(read)).toBe("https://github.com/acme/shop/actions/runs/1000001");
    expect(runUrl(readGitHubContext({}))).toBeUndefined();
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
    expect(traceMetadata(readGitHubContext({}))).toEqual({});
  });

  it("keeps values within the contract's 500 characters", () => {
    const metadata = traceMetadata(context({ GITHUB_WORKFLOW: "é".repeat(600) }));
    expect([...metadata.github_workflow!]).toHaveLength(500);
    for (const key of Object.keys(metadata)) expect(key.length).toBeLessThanOrEqual(40);
  });

  it("lets the workflow's own metadata win, and fits within 50 keys", () => {
    const trace = traceMetadata(context());
    expect(withTraceMetadata({ github_sha: "mine", team: "ops" }, trace).metadata).toMatchObject({ github_sha: "mine", team: "ops", github_repository: "acme/shop" });

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
    expect(stepIdempotencyKey(readGitHubContext({}), ["send"])).toBeUndefined();
  });

  it("stay within 255 printable ASCII characters, hashing what would not fit", () => {
    const long = stepIdempotencyKey(context({ GITHUB_REPOSITORY: `acme/${"r".repeat(300)}` }), ["x"])!;
    const unicode = stepIdempotencyKey(context({ GITHUB_JOB: "déploiement" }), ["x"])!;
    for (const key of [long, unicode, rowIdempotencyKey(long, 9_999_999_999), givenRowIdempotencyKey("k".repeat(255), 123456)]) {
      expect(idempotencyKeyProblem(key)).toBeUndefined();
    }
    expect(long).toMatch(/^gha:[0-9a-f]{40}$/);
    expect(stepIdempotencyKey(context({ GITHUB_REPOSITORY: `acme/${"r".repeat(300)}`, GITHUB_RUN_ID: "2" }), ["x"])).not.toBe(long);
  });

  it("key rows by their number in the file", () => {
    expect(rowIdempotencyKey("gha:a", 7)).toBe("gha:a:row-7");
    // Row 7 is index 6: the client's sendBatch and the contract (section 10) count items from 0.
    expect(givenRowIdempotencyKey("campaign-1", 7)).toBe("campaign-1-6");
    expect(givenRowIdempotencyKey("campaign-1", 1)).toBe("campaign-1-0");
  });
});

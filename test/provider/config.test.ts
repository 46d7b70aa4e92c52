// Where the provider's credentials come from, and how bad ones fail.
import { afterEach, describe, expect, it } from "vitest";
import type * as pulumi from "@pulumi/pulumi";
import { DEFAULT_RETRY_BUDGET_SECONDS, readSettings } from "../../provider/config.ts";
import { RateLimiter } from "../../provider/rate-limiter.ts";
import { templateProvider } from "../../provider/template.ts";
import type { TemplateInputs, TemplateOutputs } from "../../provider/template.ts";
import { TEST_KEY, stackConfig } from "./helpers.ts";

const provider = templateProvider as Required<pulumi.dynamic.ResourceProvider<TemplateInputs, TemplateOutputs>>;
const SMS: TemplateInputs = {
  slug: "config-test",
  name: "x",
  channel: "sms",
  description: "",
  content: { body: "hi" },
  adopt: false,
};

describe("readSettings", () => {
  const env = { SENDERKIT_API_KEY: "sk_test_FromTheEnvironment0001", SENDERKIT_BASE_URL: "http://127.0.0.1:1" };

  it("prefers the stack config", () => {
    const config = stackConfig({
      "senderkit:apiKey": TEST_KEY,
      "senderkit:baseUrl": "http://127.0.0.1:2",
      "senderkit:retryBudgetSeconds": "42.5",
    });
    expect(readSettings(config, env)).toEqual({
      apiKey: TEST_KEY,
      baseUrl: "http://127.0.0.1:2",
      retryBudgetSeconds: 42.5,
    });
  });

  it("falls back to SENDERKIT_API_KEY and SENDERKIT_BASE_URL", () => {
    expect(readSettings(stackConfig({}), env)).toEqual({
      apiKey: env.SENDERKIT_API_KEY,
      baseUrl: env.SENDERKIT_BASE_URL,
      retryBudgetSeconds: DEFAULT_RETRY_BUDGET_SECONDS,
    });
  });

  it("treats empty values as unset", () => {
    expect(
      readSettings(stackConfig({ "senderkit:apiKey": "", "senderkit:retryBudgetSeconds": "" }), {
        SENDERKIT_API_KEY: "",
      }),
    ).toEqual({
      apiKey: undefined,
      baseUrl: undefined,
      retryBudgetSeconds: DEFAULT_RETRY_BUDGET_SECONDS,
    });
  });

  it("rejects a retryBudgetSeconds that is not a number of seconds of 0 or more", () => {
    for (const bad of ["-1", "1e3", "many", "Infinity"]) {
      expect(() => readSettings(stackConfig({ "senderkit:retryBudgetSeconds": bad }), {})).toThrow(
        /senderkit:retryBudgetSeconds must be a number of seconds, 0 or more/,
      );
    }
  });

  it("refuses the retired maxRetries and says what replaced it", () => {
    expect(() => readSettings(stackConfig({ "senderkit:maxRetries": "10" }), {})).toThrow(
      /senderkit:maxRetries is no longer read.*pulumi config rm senderkit:maxRetries.*senderkit:retryBudgetSeconds/,
    );
  });
});

describe("configure", () => {
  afterEach(async () => {
    await provider.configure({ config: stackConfig({}) });
  });

  it("fails on a bad retryBudgetSeconds, and keeps failing rather than falling back to the environment", async () => {
    const saved = process.env.SENDERKIT_API_KEY;
    process.env.SENDERKIT_API_KEY = "sk_live_FromTheEnvironment0001";
    try {
      const config = stackConfig({ "senderkit:apiKey": TEST_KEY, "senderkit:retryBudgetSeconds": "-3" });
      await expect(provider.configure({ config })).rejects.toThrow(/retryBudgetSeconds/);
      // The engine's plugin caches the provider before configure settles, then calls it again.
      await expect(provider.create(SMS)).rejects.toThrow(/retryBudgetSeconds/);
    } finally {
      if (saved === undefined) delete process.env.SENDERKIT_API_KEY;
      else process.env.SENDERKIT_API_KEY = saved;
    }
  });

  it("reports a malformed key without echoing it", async () => {
    const malformed = "sk_test_tooShort";
    await provider.configure({
      config: stackConfig({ "senderkit:apiKey": malformed, "senderkit:baseUrl": "http://127.0.0.1:9" }),
    });
    const failure = await provider.create(SMS).then(
      () => undefined,
      (error: Error) => error,
    );
    expect(failure?.message).toMatch(/apiKey: malformed/);
    expect(failure?.message).not.toContain(malformed);
  });
});

describe("RateLimiter", () => {
  it("runs at most maxInFlight calls at once, queues the rest, and releases a slot on failure", async () => {
    const limiter = new RateLimiter({ maxInFlight: 3, retryBudgetMs: 0 });
    let running = 0;
    let peak = 0;
    const call = (fail: boolean) => async () => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setTimeout(resolve, 5));
      running--;
      if (fail) throw new Error("boom");
      return "ok";
    };
    const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => limiter.run(call(i % 4 === 0))));
    expect(peak).toBe(3);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(15);
    // A failure that is not transient is not retried.
    expect(results.filter((r) => r.status === "rejected")).toHaveLength(5);
  });
});

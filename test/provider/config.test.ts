// Where the provider's credentials come from, and how bad ones fail.
import { afterEach, describe, expect, it } from "vitest";
import type * as pulumi from "@pulumi/pulumi";
import { DEFAULT_MAX_RETRIES, limited, readSettings } from "../../provider/config.ts";
import { templateProvider } from "../../provider/template.ts";
import type { TemplateInputs, TemplateOutputs } from "../../provider/template.ts";
import { TEST_KEY, stackConfig } from "./helpers.ts";

const provider = templateProvider as Required<pulumi.dynamic.ResourceProvider<TemplateInputs, TemplateOutputs>>;
const SMS: TemplateInputs = { slug: "config-test", name: "x", channel: "sms", description: "", content: { body: "hi" }, adopt: false };

describe("readSettings", () => {
  const env = { SENDERKIT_API_KEY: "sk_test_FromTheEnvironment0001", SENDERKIT_BASE_URL: "http://127.0.0.1:1" };

  it("prefers the stack config", () => {
    const config = stackConfig({ "senderkit:apiKey": TEST_KEY, "senderkit:baseUrl": "http://127.0.0.1:2", "senderkit:maxRetries": "4" });
    expect(readSettings(config, env)).toEqual({ apiKey: TEST_KEY, baseUrl: "http://127.0.0.1:2", maxRetries: 4 });
  });

  it("falls back to SENDERKIT_API_KEY and SENDERKIT_BASE_URL", () => {
    expect(readSettings(stackConfig({}), env)).toEqual({ apiKey: env.SENDERKIT_API_KEY, baseUrl: env.SENDERKIT_BASE_URL, maxRetries: DEFAULT_MAX_RETRIES });
  });

  it("treats empty values as unset", () => {
    expect(readSettings(stackConfig({ "senderkit:apiKey": "", "senderkit:maxRetries": "" }), { SENDERKIT_API_KEY: "" })).toEqual({
      apiKey: undefined,
      baseUrl: undefined,
      maxRetries: DEFAULT_MAX_RETRIES,
    });
  });

  it("rejects a maxRetries that is not a whole number of 0 or more", () => {
    for (const bad of ["-1", "2.5", "many"]) {
      expect(() => readSettings(stackConfig({ "senderkit:maxRetries": bad }), {})).toThrow(/senderkit:maxRetries must be an integer of 0 or more/);
    }
  });
});

describe("configure", () => {
  afterEach(async () => {
    await provider.configure({ config: stackConfig({}) });
  });

  it("fails on a bad maxRetries, and keeps failing rather than falling back to the environment", async () => {
    const saved = process.env.SENDERKIT_API_KEY;
    process.env.SENDERKIT_API_KEY = "sk_live_FromTheEnvironment0001";
    try {
      const config = stackConfig({ "senderkit:apiKey": TEST_KEY, "senderkit:maxRetries": "-3" });
      await expect(provider.configure({ config })).rejects.toThrow(/maxRetries/);
      // The engine's plugin caches the provider before configure settles, then calls it again.
      await expect(provider.create(SMS)).rejects.toThrow(/maxRetries/);
    } finally {
      if (saved === undefined) delete process.env.SENDERKIT_API_KEY;
      else process.env.SENDERKIT_API_KEY = saved;
    }
  });

  it("reports a malformed key without echoing it", async () => {
    const malformed = "sk_test_tooShort";
    await provider.configure({ config: stackConfig({ "senderkit:apiKey": malformed, "senderkit:baseUrl": "http://127.0.0.1:9" }) });
    const failure = await provider.create(SMS).then(
      () => undefined,
      (error: Error) => error,
    );
    expect(failure?.message).toMatch(/apiKey: malformed/);
    expect(failure?.message).not.toContain(malformed);
  });
});

describe("limited", () => {
  it("runs at most `limit` calls at once, queues the rest, and releases a slot on failure", async () => {
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
    const results = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => limited(call(i % 4 === 0), 3)));
    expect(peak).toBe(3);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(15);
    expect(results.filter((r) => r.status === "rejected")).toHaveLength(5);
  });
});

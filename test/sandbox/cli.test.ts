// The `senderkit-sandbox` command: prints its URL and a hint, serves the API, stops cleanly.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseCommandLine } from "../../sandbox/cli-options.ts";
import { TEST_KEY } from "./helpers.ts";

const CLI = fileURLToPath(new URL("../../sandbox/cli.ts", import.meta.url));

function run(args: string[]) {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk) => (stdout += chunk));
  child.stderr.on("data", (chunk) => (stderr += chunk));
  return { child, output: () => stdout, errors: () => stderr };
}

describe("senderkit-sandbox", () => {
  it("prints its URL and a hint, serves the API, and exits 0 on SIGTERM", async () => {
    const { child, output } = run(["--port", "0", "--step-ms", "10", "--rate-limit", "100"]);
    try {
      const deadline = Date.now() + 10_000;
      while (!/listening on http:\/\/127\.0\.0\.1:\d+/.test(output()) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output())![1]!;
      expect(output()).toContain(`SENDERKIT_BASE_URL=${url} SENDERKIT_API_KEY=sk_test_`);
      const response = await fetch(`${url}/v1/messages`, {
        method: "POST",
        headers: { authorization: `Bearer ${TEST_KEY}`, "content-type": "application/json" },
        body: JSON.stringify({ to: "+15555550123", content: { type: "sms", body: "hi" } }),
      });
      expect(response.status).toBe(202);
      expect(response.headers.get("x-ratelimit-limit")).toBe("100");
    } finally {
      child.kill("SIGTERM");
    }
    const [code] = await once(child, "exit");
    expect(code).toBe(0);
  });

  it("exits 2 with the usage on a bad flag", async () => {
    const { child, errors } = run(["--fault-rate", "2"]);
    const [code] = await once(child, "exit");
    expect(code).toBe(2);
    expect(errors()).toContain("--fault-rate");
    expect(errors()).toContain("usage: senderkit-sandbox");
  });

  it("maps flags to options", () => {
    expect(
      parseCommandLine(["--port", "8080", "--step-ms", "50", "--fault-rate", "0.25", "--fault-seed", "9", "--fault-kinds", "500,reset_after_commit", "--fault-late-ms", "30", "--rate-limit", "10", "--revoked-key", "sk_test_aaaaaaaaaaaaaaaaaaaa"]),
    ).toEqual({
      port: 8080,
      stepDelayMs: 50,
      faults: { rate: 0.25, seed: 9, kinds: ["500", "reset_after_commit"], lateMs: 30 },
      rateLimit: { limit: 10, windowSeconds: 1 },
      revokedKeys: ["sk_test_aaaaaaaaaaaaaaaaaaaa"],
      outOfPlanKeys: [],
      isolateKeys: false,
    });
    expect(parseCommandLine(["--help"])).toBe("help");
    expect(() => parseCommandLine(["--fault-rate", "0.5", "--fault-kinds", "teapot"])).toThrow(/teapot/);
    expect(() => parseCommandLine(["--port", "-1"])).toThrow(/--port/);
    expect(() => parseCommandLine(["--nope"])).toThrow();
  });
});

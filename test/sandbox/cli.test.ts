// The `senderkit-sandbox` command: prints its URL and a hint, serves the API, stops cleanly.
import { spawn } from "node:child_process";
import { once } from "node:events";
import net from "node:net";
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
      while (!/listening on http:\/\/127\.0\.0\.1:\d+/.test(output()) && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 20));
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

  it("exits 2 with one clear line, no stack, when the port is taken", async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const { child, output, errors } = run(["--port", String(port)]);
      const [code] = await once(child, "exit");
      expect(code).toBe(2);
      expect(output()).toBe("");
      expect(errors()).toBe(
        `senderkit-sandbox: cannot start: port ${port} is already in use (choose another with --port, or 0 for a free one)\n`,
      );
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it("rejects flags that refine a flag not given, with the usage", async () => {
    for (const args of [
      ["--rate-window", "2"],
      ["--fault-seed", "3"],
      ["--fault-kinds", "500"],
      ["--fault-late-ms", "10"],
    ]) {
      const needs = args[0] === "--rate-window" ? "--rate-limit" : "--fault-rate";
      expect(() => parseCommandLine(args)).toThrow(`${args[0]} needs ${needs}`);
      expect(() =>
        parseCommandLine([
          ...args,
          needs === "--rate-limit" ? "--rate-limit" : "--fault-rate",
          needs === "--rate-limit" ? "5" : "0.1",
        ]),
      ).not.toThrow();
    }
    const { child, errors } = run(["--rate-window", "2"]);
    const [code] = await once(child, "exit");
    expect(code).toBe(2);
    expect(errors()).toContain("--rate-window needs --rate-limit");
    expect(errors()).toContain("usage: senderkit-sandbox");
  });

  it("maps flags to options", () => {
    expect(
      parseCommandLine([
        "--port",
        "8080",
        "--step-ms",
        "50",
        "--fault-rate",
        "0.25",
        "--fault-seed",
        "9",
        "--fault-kinds",
        "500,reset_after_commit",
        "--fault-late-ms",
        "30",
        "--rate-limit",
        "10",
        "--revoked-key",
        "sk_test_aaaaaaaaaaaaaaaaaaaa",
      ]),
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

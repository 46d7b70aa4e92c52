import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SUMMARY_LIMIT_BYTES, createRunner, escapeData, escapeProperty, fileCommandEntry, formatCommand, inputVariable } from "../../action/runner.ts";
import { parseCommands, parseOutputFile } from "./helpers.ts";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "senderkit-runner-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function runnerWith(env: NodeJS.ProcessEnv) {
  let stdout = "";
  const runner = createRunner({ env, write: (text) => (stdout += text) });
  return { runner, stdout: () => stdout };
}

describe("workflow commands", () => {
  it("escapes messages and properties the way the runner reads them", () => {
    expect(escapeData("50% done\r\nnext")).toBe("50%25 done%0D%0Anext");
    expect(escapeProperty("a:b,c%")).toBe("a%3Ab%2Cc%25");
    expect(formatCommand("error", { file: "t/a,b.yml", line: 3, col: 7 }, "bad: x\ny")).toBe("::error file=t/a%2Cb.yml,line=3,col=7::bad: x%0Ay");
    expect(formatCommand("endgroup", {}, "")).toBe("::endgroup::");
  });

  it("names input variables as the runner sets them (upper case, dashes kept)", () => {
    expect(inputVariable("api-key")).toBe("INPUT_API-KEY");
    expect(inputVariable("fail on error")).toBe("INPUT_FAIL_ON_ERROR");
  });

  it("reads inputs trimmed, and empty when unset", () => {
    const { runner } = runnerWith({ "INPUT_TEMPLATE": "  welcome \n" });
    expect(runner.getInput("template")).toBe("welcome");
    expect(runner.getInput("to")).toBe("");
  });

  it("prints annotations with file, line and column", () => {
    const { runner, stdout } = runnerWith({});
    runner.warning("unused", { file: "templates/a.yml", line: 4, column: 9, title: "Template a" });
    runner.error("missing");
    expect(parseCommands(stdout())).toEqual([
      { command: "warning", properties: { title: "Template a", file: "templates/a.yml", line: "4", col: "9" }, message: "unused" },
      { command: "error", properties: {}, message: "missing" },
    ]);
  });

  it("folds a group and closes it even when the work fails", async () => {
    const { runner, stdout } = runnerWith({});
    await expect(runner.group("Sending", async () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(stdout()).toBe("::group::Sending\n::endgroup::\n");
  });

  it("marks the step failed with an error annotation", () => {
    const { runner, stdout } = runnerWith({});
    expect(runner.failed).toBe(false);
    runner.setFailed("3 rows failed");
    expect(runner.failed).toBe(true);
    expect(stdout()).toBe("::error::3 rows failed\n");
  });
});

describe("outputs", () => {
  it("appends name<<delimiter entries to GITHUB_OUTPUT, multi-line values included", async () => {
    const file = join(dir, "output");
    await writeFile(file, "");
    const { runner } = runnerWith({ GITHUB_OUTPUT: file });
    runner.setOutput("message-id", "msg_1");
    runner.setOutput("errors", 2);
    runner.setOutput("note", "line 1\nline 2");
    expect(parseOutputFile(await readFile(file, "utf8"))).toEqual({ "message-id": "msg_1", errors: "2", note: "line 1\nline 2" });
  });

  it("picks a delimiter that does not occur in the value", () => {
    const entry = fileCommandEntry("x", "ghadelimiter_ is not a delimiter");
    const delimiter = /^x<<(.+)$/m.exec(entry)![1]!;
    expect("ghadelimiter_ is not a delimiter").not.toContain(delimiter);
    expect(entry.endsWith(`${delimiter}\n`)).toBe(true);
  });

  it("falls back to ::set-output:: outside the runner", () => {
    const { runner, stdout } = runnerWith({});
    runner.setOutput("sent", 3);
    expect(stdout()).toBe("::set-output name=sent::3\n");
  });
});

describe("secrets", () => {
  const KEY = "sk_test_abcdefghijklmnop1234";

  it("masks the key with add-mask, then redacts it from every line, output and summary", async () => {
    const output = join(dir, "output");
    const summary = join(dir, "summary.md");
    await writeFile(output, "");
    await writeFile(summary, "");
    const { runner, stdout } = runnerWith({ GITHUB_OUTPUT: output, GITHUB_STEP_SUMMARY: summary });
    runner.setSecret(KEY);
    runner.info(`using ${KEY}`);
    runner.error(`bad key ${KEY}`, { title: KEY });
    runner.setOutput("echo", KEY);
    runner.appendSummary(`key: ${KEY}`);
    expect(runner.redact(`a ${KEY} b`)).toBe("a *** b");

    const lines = stdout().split("\n");
    expect(lines[0]).toBe(`::add-mask::${KEY}`);
    expect(lines.slice(1).join("\n")).not.toContain(KEY);
    expect(await readFile(output, "utf8")).not.toContain(KEY);
    expect(await readFile(summary, "utf8")).toBe("key: ***");
  });

  it("ignores an empty secret", () => {
    const { runner, stdout } = runnerWith({});
    runner.setSecret("");
    runner.info("x");
    expect(stdout()).toBe("x\n");
  });
});

describe("job summary", () => {
  it("appends Markdown to GITHUB_STEP_SUMMARY, and nothing without one", async () => {
    const summary = join(dir, "summary.md");
    await writeFile(summary, "");
    runnerWith({ GITHUB_STEP_SUMMARY: summary }).runner.appendSummary("### a\n");
    expect(await readFile(summary, "utf8")).toBe("### a\n");
    expect(() => runnerWith({}).runner.appendSummary("### b\n")).not.toThrow();
  });

  it("stops at its size limit with a note, well below the runner's 1 MiB", async () => {
    const summary = join(dir, "summary.md");
    await writeFile(summary, "");
    const { runner } = runnerWith({ GITHUB_STEP_SUMMARY: summary });
    const chunk = "x".repeat(100 * 1024);
    for (let i = 0; i < 8; i++) runner.appendSummary(chunk);
    const text = await readFile(summary, "utf8");
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(SUMMARY_LIMIT_BYTES + 200);
    expect(text).toContain("The summary was cut here");
    expect(SUMMARY_LIMIT_BYTES).toBeLessThan(1024 * 1024);
  });
});

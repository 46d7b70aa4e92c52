// The `senderkit` command run as a process, as a user or a pre-commit hook runs it.
import { execFile, spawn } from "node:child_process";
import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { VERSION } from "../../src/internal/version.ts";

const REPO = process.cwd();
const BIN = join(REPO, "bin", "senderkit.js");

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs bin/senderkit.js with this Node (vitest runs on the project's Node 24, as `npx node` does). */
async function senderkit(args: string[], cwd = REPO): Promise<Run> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [BIN, ...args], {
      cwd,
      env: { ...process.env, NO_COLOR: "1" },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "senderkit-cli-"));
  await writeFile(
    join(dir, "broken.yml"),
    'slug: broken\nname: Broken\nchannel: sms\ncontent:\n  body: "Hi {{ nmae }}, it’s here"\nfixtures:\n  "evil\\e[31mred":\n    name: Ada\n',
  );
  await writeFile(join(dir, "bad.json"), '{ "slug": "x", }');
  await writeFile(join(dir, "vars.txt"), "name: Shared\n");
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("senderkit lint", () => {
  it("checks examples/templates: exit 0, each finding with its source line and caret, a summary line", async () => {
    const run = await senderkit(["lint", "examples/templates"]);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe("");
    expect(run.stdout).toBe(
      "examples/templates/order-shipped.yml:5:1 - warning email-text-missing: email has no `text` part: clients that show plain text get nothing, " +
        "and spam filters score HTML-only mail (SpamAssassin MIME_HTML_ONLY)\n\n5 content:\n  ^\n\nFound 0 errors and 1 warning in 1 of 5 files.\n",
    );
  });

  it("reports no problems once a rule is turned off", async () => {
    const run = await senderkit(["lint", "examples/templates", "--disable", "email-text-missing"]);
    expect(run).toMatchObject({ code: 0, stdout: "5 template files checked: no problems.\n" });
  });

  it("exits 1 on errors, the caret under the column, control characters from the file escaped", async () => {
    const run = await senderkit(["lint", "."], dir);
    expect(run.code).toBe(1);
    const lines = run.stdout.split("\n");
    expect(lines[0]).toBe("bad.json:1:16 - error syntax: not valid JSON: Expected double-quoted property name");
    expect(run.stdout).toContain(
      'broken.yml:5:13 - error missing-variable: missing variable "nmae" in content.body: fixture "evil\\u001b[31mred" does not give it; did you mean "name"?\n\n5   body: "Hi {{ nmae }}, it’s here"\n              ^\n',
    );
    expect(run.stdout).toContain("broken.yml:5:27 - warning sms-encoding: SMS body is sent as UCS-2");
    expect(run.stdout).not.toContain("\u001b");
    expect(lines.at(-2)).toBe("Found 2 errors and 2 warnings in 2 of 2 files.");
  });

  it("writes JSON for tools with --format json, with rule ids", async () => {
    const run = await senderkit(["lint", ".", "--format", "json", "--disable", "sms-encoding"], dir);
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as {
      errors: number;
      warnings: number;
      files: { file: string; findings: Record<string, unknown>[] }[];
    };
    expect(report).toMatchObject({ errors: 2, warnings: 1 });
    expect(report.files[1]!.findings[0]).toEqual({
      rule: "missing-variable",
      severity: "error",
      file: "broken.yml",
      line: 5,
      column: 13,
      message:
        'missing variable "nmae" in content.body: fixture "evil\\u001b[31mred" does not give it; did you mean "name"?',
    });
    expect(report.files.map((file) => file.file)).toEqual(["bad.json", "broken.yml"]);
    expect(report.files[1]!.findings.map((finding) => finding.rule)).toEqual(["missing-variable", "unused-variable"]);
  });

  it("gives every fixture shared vars with --vars-file", async () => {
    const run = await senderkit(["lint", "broken.yml", "--vars-file", "vars.txt", "--format", "json"], dir);
    const report = JSON.parse(run.stdout) as { files: { findings: { rule: string }[] }[] };
    expect(report.files[0]!.findings.map((finding) => finding.rule)).toEqual([
      "missing-variable",
      "sms-encoding",
      "unused-variable",
    ]);
  });

  it("exits 2 with a clear message for bad usage", async () => {
    expect(await senderkit(["lint"])).toMatchObject({
      code: 2,
      stderr: "senderkit lint: expected at least one file, directory or glob (senderkit lint --help)\n",
    });
    expect(await senderkit(["lint", "nothing/**/*.yml"])).toMatchObject({
      code: 2,
      stderr: 'senderkit lint: no files match "nothing/**/*.yml"\n',
    });
    const unknownRule = await senderkit(["lint", "examples/templates", "--disable", "sms-encodng"]);
    expect(unknownRule.code).toBe(2);
    expect(unknownRule.stderr).toMatch(
      /^senderkit lint: --disable: unknown rule "sms-encodng"; did you mean "sms-encoding"\?/,
    );
    expect((await senderkit(["lint", "x", "--format", "xml"])).stderr).toMatch(
      /^senderkit lint: --format: expected stylish or json, got "xml"/,
    );
    expect((await senderkit(["lint", "x", "--max-sms-segments", "0"])).stderr).toMatch(
      /--max-sms-segments: expected a whole number from 1 to 9999, got "0"/,
    );
    expect((await senderkit(["lint", "x", "--bogus"])).stderr).toMatch(/^senderkit lint: Unknown option '--bogus'/);
    expect(await senderkit(["deploy"])).toMatchObject({ code: 2 });
    expect((await senderkit(["deploy"])).stderr).toMatch(/^senderkit: unknown command "deploy"/);
  });

  it("lists the rules with --rules", async () => {
    const run = await senderkit(["lint", "--rules"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^max-sms-segments\s+error\s+an SMS body longer than maxSmsSegments segments/m);
    expect(run.stdout.trim().split("\n")).toHaveLength(19);
  });
});

describe("senderkit preview", () => {
  it("writes a page per template × fixture and index.html", async () => {
    const out = join(dir, "previews");
    const run = await senderkit(["preview", "examples/templates", "--out", out]);
    expect(run).toMatchObject({
      code: 0,
      stdout: `Wrote 8 previews of 5 template files: ${join(out, "index.html")}\n`,
    });
    expect(await readdir(out)).toHaveLength(9);
  });

  it("needs --out", async () => {
    expect(await senderkit(["preview", "examples/templates"])).toMatchObject({
      code: 2,
      stderr: "senderkit preview: --out DIR is required: where to write the previews\n",
    });
  });

  it("fails with one line when the output directory cannot be made", async () => {
    const run = await senderkit(["preview", "examples/templates", "--out", join(REPO, "package.json", "x")]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^senderkit: (ENOTDIR|EEXIST): /);
  });
});

describe("help and version everywhere", () => {
  it.each([["--version"], ["-v"], ["lint", "--version"], ["preview", "--version"], ["sandbox", "--version"]])(
    "%s %s prints the version",
    async (...args) => {
      expect(await senderkit(args)).toMatchObject({ code: 0, stdout: `senderkit ${VERSION}\n` });
    },
  );

  it("prints help for the command and each subcommand", async () => {
    expect((await senderkit(["--help"])).stdout).toMatch(/^usage: senderkit <command>/);
    expect((await senderkit(["lint", "--help"])).stdout).toMatch(/^usage: senderkit lint/);
    expect((await senderkit(["preview", "-h"])).stdout).toMatch(/^usage: senderkit preview/);
    expect((await senderkit(["sandbox", "--help"])).stdout).toMatch(/^usage: senderkit-sandbox/);
    expect(await senderkit([])).toMatchObject({ code: 2 });
  });
});

describe("senderkit sandbox", () => {
  it("runs the sandbox CLI and stops on SIGTERM", async () => {
    const child = spawn(process.execPath, [BIN, "sandbox", "--port", "0"], { cwd: REPO });
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on("data", () => output.includes("listening on") && resolve());
      child.once("exit", (code) => reject(new Error(`exited ${code}: ${output}`)));
    });
    const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)![1]!;
    const response = await fetch(`${url}/v1/templates`, {
      headers: { authorization: "Bearer sk_test_sandbox0000000000000000" },
    });
    expect(response.status).toBe(200);
    child.kill("SIGTERM");
    const code = await new Promise((resolve) => child.once("exit", resolve));
    expect(code).toBe(0);
  });

  it("works through npx like a user runs it", async () => {
    const { stdout } = await promisify(execFile)("npx", ["node", BIN, "--version"], { cwd: REPO });
    expect(stdout).toBe(`senderkit ${VERSION}\n`);
  });
});

describe("source excerpts", () => {
  it("shows a window of a very long line, the caret still under the column", async () => {
    const { sourceExcerpt } = await import("../../cli/terminal.ts");
    const line = `${"a".repeat(500)}X${"b".repeat(500)}`;
    const [text, caret] = sourceExcerpt(line, 1, 501);
    expect(text!.length).toBeLessThan(200);
    expect(text![caret!.length - 1]).toBe("X");
    expect(sourceExcerpt("\tx\u001by", 1, 4)).toEqual(["1 \tx\\u001by", "  \t       ^"]);
  });
});

// The Action's lint and the `senderkit lint` command are one walk: on the same files (the
// examples and one broken file of each kind, including the ones lint must not read), the built
// Action (`node dist/index.js`, as the runner runs it) and `senderkit lint --format json` report
// the same findings. The file rules of issue 10 are checked through dist too: unreadable files are
// named with the reason, nothing outside the workspace is read, a FIFO does not hang the run, and
// /dev/zero does not fill the memory.
import { execFile, execFileSync } from "node:child_process";
import { cp, mkdir, mkdtemp, readFile, readdir, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { REPO, runAction } from "./helpers.ts";
import type { ActionRun } from "./helpers.ts";

interface Found {
  rule: string;
  file: string;
  line: number;
  column: number;
  message: string;
}

const SECRET = "outside-the-workspace-SECRET";
const PATTERN = "templates/**/*.{yml,yaml,json}";

const BROKEN: Record<string, string | Buffer> = {
  "syntax.yml": "slug: s\nname: [unclosed\n",
  "missing.yml":
    'slug: missing\nname: M\nchannel: sms\ncontent:\n  body: "Hi {{ nmae }}"\nfixtures:\n  ada: { name: Ada }\n',
  "ucs2.yml": 'slug: ucs2\nname: U\nchannel: sms\ncontent:\n  body: "It’s here"\n',
  "push.yml": `slug: big-push\nname: P\nchannel: push\ncontent:\n  title: T\n  body: "${"x".repeat(4200)}"\n`,
  "html-only.yml": "slug: html-only\nname: H\nchannel: email\ncontent:\n  subject: S\n  html: <p>hi</p>\n",
  // Two segments: fine by default (3), an error with max-sms-segments 1.
  "two-segments.yml": `slug: two\nname: T\nchannel: sms\ncontent:\n  body: "${"z".repeat(200)}"\n`,
  "big.yml": `slug: big\nname: B\nchannel: sms\ncontent:\n  body: "${"y".repeat(1_100_000)}"\n`,
  "latin1.yml": Buffer.from("slug: cafe\nname: Caf\xe9\nchannel: sms\ncontent:\n  body: hi\n", "latin1"),
};

let root: string;
let workspace: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "senderkit-lint-parity-"));
  workspace = join(root, "workspace");
  await mkdir(join(root, "outside"), { recursive: true });
  await writeFile(
    join(root, "outside", "secret.yml"),
    `slug: secret\nname: ${SECRET}\nchannel: sms\ncontent:\n  body: x\n`,
  );
  await mkdir(join(workspace, "templates", "broken"), { recursive: true });
  await cp(join(REPO, "examples", "templates"), join(workspace, "templates", "examples"), { recursive: true });
  for (const [name, text] of Object.entries(BROKEN))
    await writeFile(join(workspace, "templates", "broken", name), text);
  await symlink(join(root, "outside", "secret.yml"), join(workspace, "templates", "broken", "outside.yml"));
  await symlink("/dev/zero", join(workspace, "templates", "broken", "zero.yml"));
  execFileSync("mkfifo", [join(workspace, "templates", "broken", "fifo.yml")]);
});
afterAll(async () => {
  if (root) await rm(root, { recursive: true, force: true });
});

/** `file:line:column: severity rule: message`, the Action's log line per finding. */
function actionFindings(run: ActionRun): Found[] {
  const found: Found[] = [];
  for (const line of run.stdout.split("\n")) {
    const match = /^(.+):(\d+):(\d+): (?:error|warning) ([a-z0-9-]+): (.*)$/.exec(line);
    if (match)
      found.push({
        file: match[1]!,
        line: Number(match[2]),
        column: Number(match[3]),
        rule: match[4]!,
        message: match[5]!,
      });
  }
  return found;
}

async function cliFindings(args: string[]): Promise<{ code: number; findings: Found[] }> {
  const run = await promisify(execFile)(process.execPath, [join(REPO, "bin", "senderkit.js"), "lint", ...args], {
    cwd: workspace,
    maxBuffer: 64 * 1024 * 1024,
  }).catch((error: { code: number; stdout: string }) => error);
  const report = JSON.parse(run.stdout) as { files: { findings: (Found & { severity: string })[] }[] };
  return {
    code: "code" in run && typeof run.code === "number" ? run.code : 0,
    findings: report.files.flatMap((file) =>
      file.findings.map(({ rule, file: name, line, column, message }) => ({ rule, file: name, line, column, message })),
    ),
  };
}

describe("lint: the Action and the senderkit command", () => {
  it("report identical findings on the same files, and the Action reads nothing it must not", async () => {
    const cli = await cliFindings(["--format", "json", PATTERN]);
    // A small heap: /dev/zero or the over-size file read whole would not fit.
    const action = await runAction({
      inputs: { mode: "lint", templates: PATTERN, "preview-dir": "previews" },
      workspace,
      nodeArgs: ["--max-old-space-size=64"],
    });
    expect(action.code, action.stderr).toBe(1);
    expect(cli.code).toBe(1);
    expect(actionFindings(action)).toEqual(cli.findings);

    const rules = (file: string) => cli.findings.filter((finding) => finding.file === file).map((f) => f.rule);
    expect(rules("templates/broken/syntax.yml")).toEqual(["syntax"]);
    expect(rules("templates/broken/missing.yml")).toEqual(["missing-variable", "unused-variable"]);
    expect(rules("templates/broken/ucs2.yml")).toEqual(["sms-encoding"]);
    expect(rules("templates/broken/push.yml")).toEqual(["push-payload-size"]);
    expect(rules("templates/broken/html-only.yml")).toEqual(["email-text-missing"]);
    expect(rules("templates/broken/latin1.yml")).toEqual(["file-encoding"]);
    for (const file of ["outside", "zero", "fifo", "big"])
      expect(rules(`templates/broken/${file}.yml`)).toEqual(["file-unreadable"]);
    expect(rules("templates/broken/two-segments.yml")).toEqual([]);
    expect(cli.findings.length).toBeGreaterThan(10);

    // Skipped files are said, and why; the file outside the workspace is never read.
    const skipped = actionFindings(action).filter((finding) => finding.rule === "file-unreadable");
    expect(skipped.map((finding) => finding.message).join("\n")).toMatch(/outside/);
    const everything = [action.stdout, action.stderr, action.summary, JSON.stringify(action.outputs)].join("\n");
    const previews = join(workspace, "previews");
    for (const name of await readdir(previews))
      expect(await readFile(join(previews, name), "utf8")).not.toContain(SECRET);
    expect(everything).not.toContain(SECRET);
    expect(action.outputs).toMatchObject({
      errors: String(
        cli.findings.filter((f) => !["sms-encoding", "email-text-missing", "unused-variable"].includes(f.rule)).length,
      ),
      "preview-dir": previews,
    });
  }, 60_000);

  it("agree with rules turned off and a segment limit", async () => {
    const options = { disable: "sms-encoding,email-text-missing", "max-sms-segments": "1" };
    const cli = await cliFindings([
      "--format",
      "json",
      "--disable",
      options.disable,
      "--max-sms-segments",
      options["max-sms-segments"],
      PATTERN,
    ]);
    const action = await runAction({ inputs: { mode: "lint", templates: PATTERN, ...options }, workspace });
    expect(actionFindings(action)).toEqual(cli.findings);
    const rules = new Set(cli.findings.map((finding) => finding.rule));
    expect(rules.has("sms-encoding") || rules.has("email-text-missing")).toBe(false);
    expect(cli.findings.filter((finding) => finding.rule === "max-sms-segments").map((f) => f.file)).toEqual([
      "templates/broken/two-segments.yml",
    ]);
  }, 60_000);
});

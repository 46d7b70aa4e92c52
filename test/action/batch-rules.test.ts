// The batch mode's rules for edited files, through dist/index.js against the sandbox: re-runs
// after the file was re-sorted, grew, shrank or changed send each unchanged row zero more times
// and each new row once (messages counted per recipient on the sandbox); the results file may
// not be the batch file, however reached; a file that is not UTF-8 fails before anything is sent.
import { mkdtemp, readFile, rm, symlink, writeFile, link } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox } from "../../sandbox/index.ts";
import type { Sandbox } from "../../sandbox/index.ts";
import { SenderKit } from "../../src/index.ts";
import { runAction } from "./helpers.ts";

const API_KEY = "sk_test_batchRULESbatchRULES0123";

let sandbox: Sandbox;
let workspace: string;
beforeAll(async () => {
  sandbox = await startSandbox({ stepDelayMs: 600_000 });
  workspace = await mkdtemp(join(tmpdir(), "senderkit-batch-rules-"));
  const client = new SenderKit({ apiKey: API_KEY, baseUrl: sandbox.url });
  await client.templates.create({
    slug: "hello",
    name: "Hello",
    channel: "email",
    content: { subject: "Hi {{ name }}", html: "<p>Hello {{ name }}</p>" },
  });
  await client.close();
});
afterAll(async () => {
  await sandbox?.close();
  if (workspace) await rm(workspace, { recursive: true, force: true });
});

/** One attempt of the same step of run `runId` on `rows` (`to,name` lines). */
async function attempt(runId: string, attemptNumber: number, rows: string[]) {
  await writeFile(join(workspace, "people.csv"), `to,name\n${rows.join("\n")}\n`);
  return runAction({
    inputs: {
      mode: "batch",
      file: "people.csv",
      template: "hello",
      "api-key": API_KEY,
      "base-url": sandbox.url,
      "results-file": "out.jsonl",
    },
    workspace,
    github: { GITHUB_RUN_ID: runId, GITHUB_RUN_ATTEMPT: String(attemptNumber) },
  });
}

/** Messages on the sandbox per recipient, for one run. */
function perRecipient(runId: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const stored of sandbox.messages()) {
    if ((stored.message.metadata as Record<string, string>).github_run_id !== runId) continue;
    const to = String(stored.message.to);
    counts[to] = (counts[to] ?? 0) + 1;
  }
  return counts;
}

const ADA = "ada@x.com,Ada";
const BOB = "bob@x.com,Bob";
const GRACE = "grace@x.com,Grace";
const ZED = "zed@x.com,Zed";

describe("re-runs after the file was edited", () => {
  it("(a) re-sorted: nothing is sent again", async () => {
    expect((await attempt("9001", 1, [ADA, BOB, GRACE])).outputs).toMatchObject({ sent: "3", replayed: "0" });
    const rerun = await attempt("9001", 2, [GRACE, ADA, BOB]);
    expect(rerun.code, rerun.stdout).toBe(0);
    expect(rerun.outputs).toMatchObject({ sent: "0", replayed: "3", failed: "0" });
    expect(perRecipient("9001")).toEqual({ "ada@x.com": 1, "bob@x.com": 1, "grace@x.com": 1 });
  });

  it("(b) a row inserted at the top: only the new row is sent", async () => {
    await attempt("9002", 1, [ADA, BOB, GRACE]);
    const rerun = await attempt("9002", 2, [ZED, ADA, BOB, GRACE]);
    expect(rerun.code, rerun.stdout).toBe(0);
    expect(rerun.outputs).toMatchObject({ sent: "1", replayed: "3", failed: "0" });
    expect(perRecipient("9002")).toEqual({ "ada@x.com": 1, "bob@x.com": 1, "grace@x.com": 1, "zed@x.com": 1 });
  });

  it("(c) a row removed: the others are not sent again", async () => {
    await attempt("9003", 1, [ADA, BOB, GRACE]);
    const rerun = await attempt("9003", 2, [ADA, GRACE]);
    expect(rerun.outputs).toMatchObject({ sent: "0", replayed: "2", failed: "0" });
    expect(perRecipient("9003")).toEqual({ "ada@x.com": 1, "bob@x.com": 1, "grace@x.com": 1 });
  });

  it("(d) one row's vars changed: that row is a new message, the others replay", async () => {
    await attempt("9004", 1, [ADA, BOB, GRACE]);
    const rerun = await attempt("9004", 2, [ADA, "bob@x.com,Robert", GRACE]);
    expect(rerun.outputs).toMatchObject({ sent: "1", replayed: "2", failed: "0" });
    expect(perRecipient("9004")).toEqual({ "ada@x.com": 1, "bob@x.com": 2, "grace@x.com": 1 });
    const subjects = sandbox
      .messages()
      .filter(
        (m) => (m.message.metadata as Record<string, string>).github_run_id === "9004" && m.message.to === "bob@x.com",
      )
      .map((m) => m.rendered.subject);
    expect(subjects.sort()).toEqual(["Hi Bob", "Hi Robert"]);
  });

  it("identical rows are separate messages, and stay so when the file is re-sorted", async () => {
    await attempt("9005", 1, [ADA, ADA, BOB]);
    const rerun = await attempt("9005", 2, [BOB, ADA, ADA]);
    expect(rerun.outputs).toMatchObject({ sent: "0", replayed: "3" });
    expect(perRecipient("9005")).toEqual({ "ada@x.com": 2, "bob@x.com": 1 });
  });
});

describe("files", () => {
  const inputs = (file: string, resultsFile: string) => ({
    mode: "batch",
    file,
    template: "hello",
    "api-key": API_KEY,
    "base-url": sandbox.url,
    "results-file": resultsFile,
  });

  it.each([
    ["the batch file itself", async () => "rows.csv"],
    [
      "a symlink to it",
      async () => (await symlink(join(workspace, "rows.csv"), join(workspace, "link.jsonl")), "link.jsonl"),
    ],
    [
      "a hard link to it",
      async () => (await link(join(workspace, "rows.csv"), join(workspace, "hard.jsonl")), "hard.jsonl"),
    ],
    [
      "it, by a path through a symlinked directory",
      async () => (await symlink(workspace, join(workspace, "dir")), "dir/rows.csv"),
    ],
  ])(
    "refuses a results file that is %s, before anything is sent, and leaves the file as it was",
    async (_, resultsFile) => {
      const text = `to,name\n${ADA}\n`;
      await writeFile(join(workspace, "rows.csv"), text);
      const before = sandbox.messages().length;
      const result = await runAction({ inputs: inputs("rows.csv", await resultsFile()), workspace });
      expect(result.code).toBe(1);
      const failure = result.commands.find((command) => command.command === "error")!.message;
      expect(failure).toMatch(
        /^Invalid input: results-file: ".*" is the batch file itself \(after following links\): it would be emptied\nNothing was sent\.$/,
      );
      expect(sandbox.messages().length).toBe(before);
      expect(await readFile(join(workspace, "rows.csv"), "utf8")).toBe(text);
      await rm(join(workspace, "link.jsonl"), { force: true });
      await rm(join(workspace, "hard.jsonl"), { force: true });
      await rm(join(workspace, "dir"), { force: true });
    },
  );

  it("fails a Latin-1 CSV before sending anything, naming the line and saying the file must be UTF-8", async () => {
    const latin1 = Buffer.from(`to,name\n${ADA}\nmuller@x.com,Hi M\u00fcller\n`, "latin1");
    await writeFile(join(workspace, "latin1.csv"), latin1);
    const before = sandbox.messages().length;
    const result = await runAction({ inputs: inputs("latin1.csv", "out.jsonl"), workspace });
    expect(result.code).toBe(1);
    expect(result.commands.find((command) => command.command === "error")!.message).toBe(
      'Invalid input: file: line 3 is not valid UTF-8: the file must be UTF-8 (re-save it as "CSV UTF-8", or convert it with `iconv -f latin1 -t utf-8`)\nNothing was sent.',
    );
    expect(sandbox.messages().length).toBe(before);
    // The same file in UTF-8 goes out with the right name.
    await writeFile(join(workspace, "utf8.csv"), `to,name\nmuller@x.com,M\u00fcller\n`);
    const good = await runAction({
      inputs: inputs("utf8.csv", "out.jsonl"),
      workspace,
      github: { GITHUB_RUN_ID: "9100" },
    });
    expect(good.code, good.stdout).toBe(0);
    expect(sandbox.messages().at(-1)!.rendered.subject).toBe("Hi M\u00fcller");
  });

  it("tells the user how to keep the results file after the job", async () => {
    await writeFile(join(workspace, "one.csv"), `to,name\n${ADA}\n`);
    const result = await runAction({
      inputs: inputs("one.csv", "kept.jsonl"),
      workspace,
      github: { GITHUB_RUN_ID: "9101" },
    });
    expect(result.summary).toContain(
      "upload it with `actions/upload-artifact` (RUNNER_TEMP is emptied when the job ends)",
    );
  });
});

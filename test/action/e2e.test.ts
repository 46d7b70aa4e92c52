// The bundled action (dist/index.js) run as the Actions runner runs it — INPUT_* variables,
// GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files, GITHUB_* context — against the sandbox, in each
// mode. Build it first (`npm run build:action`); dist.test.ts checks it is up to date.
import { existsSync } from "node:fs";
import { cp, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { startSandbox } from "../../sandbox/index.ts";
import type { Sandbox } from "../../sandbox/index.ts";
import { SenderKit } from "../../src/index.ts";
import type { TemplateCreateParams } from "../../src/index.ts";
import { ACTION, REPO, runAction, runnerCommandLines } from "./helpers.ts";
import type { ActionRun } from "./helpers.ts";

const API_KEY = "sk_test_e2eACTIONe2eACTION0123456789";
const KEY_SECRET_PART = API_KEY.slice("sk_test_".length);

let sandbox: Sandbox;
let workspace: string;
let client: SenderKit;

beforeAll(async () => {
  expect(existsSync(ACTION), `${ACTION} is missing: build the action (npm run build:action)`).toBe(true);
  // Statuses stay "queued" for the whole test: no lifecycle step runs.
  sandbox = await startSandbox({ stepDelayMs: 600_000 });
  workspace = await mkdtemp(join(tmpdir(), "senderkit-action-e2e-"));
  await cp(join(REPO, "examples", "templates"), join(workspace, "templates"), { recursive: true });
  await cp(join(REPO, "examples", "batch"), join(workspace, "batch"), { recursive: true });
  client = new SenderKit({ apiKey: API_KEY, baseUrl: sandbox.url });
  for (const name of await readdir(join(workspace, "templates"))) {
    const {
      slug,
      name: title,
      channel,
      description,
      content,
    } = parse(await readFile(join(workspace, "templates", name), "utf8")) as TemplateCreateParams;
    await client.templates.create({ slug, name: title, channel, description, content });
  }
});

afterAll(async () => {
  await client?.close();
  await sandbox?.close();
  if (workspace) await rm(workspace, { recursive: true, force: true });
});

/** Runs the action with the sandbox's URL and the test key, unless the inputs say otherwise. */
function run(inputs: Record<string, string>, github: Record<string, string> = {}): Promise<ActionRun> {
  return runAction({ inputs: { "base-url": sandbox.url, "api-key": API_KEY, ...inputs }, workspace, github });
}

/** The key appears once, in the command that tells the runner to mask it, and nowhere else. */
function expectNoKey(result: ActionRun, ...files: string[]): void {
  const lines = result.stdout.split("\n").filter((line) => line !== `::add-mask::${API_KEY}`);
  for (const [where, text] of [
    ["stdout", lines.join("\n")],
    ["stderr", result.stderr],
    ["outputs", JSON.stringify(result.outputs)],
    ["summary", result.summary],
    ...files.map((file, i) => [`file ${i}`, file]),
  ] as const) {
    expect(text, where).not.toContain(KEY_SECRET_PART);
  }
}

const errorsOf = (result: ActionRun) => result.commands.filter((command) => command.command === "error");

describe("send mode", () => {
  const inputs = {
    template: "welcome",
    to: "ada@example.com",
    vars: "user:\n  first_name: Ada\nlinks:\n  dashboard: https://app.example.com\n",
  };

  it("sends one message: outputs, summary, traceable metadata, and the key nowhere", async () => {
    const before = sandbox.messages().length;
    const result = await run(inputs, { GITHUB_RUN_ID: "5001" });
    expect(result.code, result.stdout).toBe(0);
    expect(result.outputs).toEqual({
      "message-id": expect.stringMatching(/^msg_/),
      status: "queued",
      replayed: "false",
    });
    const stored = sandbox.messages().slice(before);
    expect(stored).toHaveLength(1);
    expect(stored[0]!.id).toBe(result.outputs["message-id"]);
    expect(stored[0]!.rendered.subject).toBe("Welcome to SenderKit, Ada");
    expect(stored[0]!.message.metadata).toEqual({
      github_repository: "acme/shop",
      github_run_id: "5001",
      github_sha: "3f0c8490a1b2c3d4e5f60718293a4b5c6d7e8f90",
      github_workflow: "Deploy",
      github_run_url: "https://github.com/acme/shop/actions/runs/5001",
    });
    expect(stored[0]!.idempotencyKey).toMatch(/^gha:acme\/shop:5001:notify:senderkit:/);
    expect(result.summary).toContain(`<code>${result.outputs["message-id"]!.replace(/_/g, "&#95;")}</code>`);
    expect(result.stdout).toContain("::group::Sending template welcome to ada@example.com");
    expectNoKey(result);
  });

  it("sends nothing new on a re-run with the same GITHUB_RUN_ID, and reports the same message", async () => {
    const first = await run(inputs, { GITHUB_RUN_ID: "5002", GITHUB_RUN_ATTEMPT: "1" });
    const count = sandbox.messages().length;
    const rerun = await run(inputs, { GITHUB_RUN_ID: "5002", GITHUB_RUN_ATTEMPT: "2" });
    expect(rerun.code).toBe(0);
    expect(sandbox.messages().length).toBe(count);
    expect(rerun.outputs["message-id"]).toBe(first.outputs["message-id"]);
    // The re-run says it sent nothing: SenderKit answered with Idempotent-Replayed.
    expect([first.outputs.replayed, rerun.outputs.replayed]).toEqual(["false", "true"]);
    expect(rerun.stdout).toContain("(replayed; nothing sent again: an earlier attempt sent it)");
    expect(rerun.summary).toContain("### SenderKit: message queued (replayed; nothing sent again)");
    expect(first.stdout).not.toContain("replayed");
    // A new run is a new send.
    await run(inputs, { GITHUB_RUN_ID: "5003" });
    expect(sandbox.messages().length).toBe(count + 1);
  });

  it("sends once per matrix leg when the legs' vars differ (same job and step), and replays a leg's re-run", async () => {
    const count = sandbox.messages().length;
    const leg = (name: string, attempt = "1") =>
      run(
        { ...inputs, vars: inputs.vars.replace("Ada", name) },
        { GITHUB_RUN_ID: "5004", GITHUB_RUN_ATTEMPT: attempt },
      );
    const [one, two] = [await leg("Ada"), await leg("Grace")];
    expect([one.code, two.code]).toEqual([0, 0]);
    expect(one.outputs["message-id"]).not.toBe(two.outputs["message-id"]);
    expect(sandbox.messages().length).toBe(count + 2);
    const rerun = await leg("Grace", "2");
    expect(rerun.code).toBe(0);
    expect(rerun.outputs["message-id"]).toBe(two.outputs["message-id"]);
    expect(sandbox.messages().length).toBe(count + 2);
  });

  it("refuses, loudly, a given idempotency-key reused for a different message, blaming a re-run only on a re-run", async () => {
    const keyed = { ...inputs, "idempotency-key": "deploy-5005" };
    await run(keyed, { GITHUB_RUN_ID: "5005" });
    const count = sandbox.messages().length;
    const changed = { ...keyed, vars: keyed.vars.replace("Ada", "Ada Lovelace") };
    const sameAttempt = await run(changed, { GITHUB_RUN_ID: "5005" });
    expect(sameAttempt.code).toBe(1);
    expect(errorsOf(sameAttempt)[0]!.message).toMatch(/^SenderKit answered 409 idempotency_key_reused: /);
    expect(errorsOf(sameAttempt)[0]!.message).not.toContain("re-run");
    const rerun = await run(changed, { GITHUB_RUN_ID: "5005", GITHUB_RUN_ATTEMPT: "2" });
    expect(rerun.code).toBe(1);
    expect(errorsOf(rerun)[0]!.message).toMatch(
      /a re-run whose inputs changed[\s\S]*To send anyway, set `idempotency-key` to a new value\.$/,
    );
    expect(sandbox.messages().length).toBe(count);
  });

  it("sends inline content, interpolated", async () => {
    const result = await run({
      content: "type: sms\nbody: Deploy {{ version }} is live",
      to: "+15555550123",
      vars: '{"version": "v1.2.3"}',
      interpolate: "true",
    });
    expect(result.code, result.stdout).toBe(0);
    const stored = sandbox.messages().find((message) => message.id === result.outputs["message-id"]);
    expect(stored?.rendered).toEqual({ body: "Deploy v1.2.3 is live" });
  });

  it("fails with SenderKit's answer when the template needs a variable vars does not give", async () => {
    const before = sandbox.messages().length;
    const result = await run({ template: "welcome", to: "ada@example.com", vars: "user: { first_name: Ada }" });
    expect(result.code).toBe(1);
    expect(errorsOf(result)[0]!.message).toMatch(
      /^SenderKit answered 422 missing_variables: .*\(request req_[0-9a-f]+\)\n  - vars\.links\.dashboard: /,
    );
    expect(sandbox.messages().length).toBe(before);
    expectNoKey(result);
  });

  it("fails bad inputs of each kind before sending anything, naming the input", async () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ mode: "sned" }, /^Invalid input: mode: expected one of send, batch, lint, got "sned"/],
      [{ "api-key": "" }, /^Invalid input: api-key: required in send mode/],
      [{ "api-key": "sk_test_short" }, /^Invalid input: api-key: malformed: expected sk_test_ or sk_live_/],
      [{ "base-url": "not a url" }, /^Invalid input: base-url: expected an http\(s\) URL, got "not a url"/],
      [{ vars: "name: Ada\n- coupon" }, /^Invalid input: vars: line 2: /],
      [{ vars: "[1, 2]" }, /^Invalid input: vars: line 1: expected a mapping \(like `name: Ada`\), got a list/],
      [{ to: "ada@" }, /^Invalid input: to: "ada@" is not a valid email address/],
      [
        { "scheduled-at": "next monday" },
        /^Invalid input: scheduled-at: expected a Date or an ISO-8601 string with a time zone/,
      ],
      [{ content: "type: sms\nbody: x" }, /^Invalid input: content: give either `template` or `content`, not both/],
      [{ cc: "ops@example.com, nope" }, /^Invalid input: cc: address 2: "nope" is not a valid email address/],
      [{ metadata: "a: [1]" }, /^Invalid input: metadata: "a": expected a text value, got a list/],
      [{ interpolate: "sure" }, /^Invalid input: interpolate: expected true or false, got "sure"/],
    ];
    const before = sandbox.messages().length;
    for (const [overrides, message] of cases) {
      const result = await run({ ...inputs, ...overrides });
      expect(result.code, JSON.stringify(overrides)).toBe(1);
      expect(
        errorsOf(result)
          .map((error) => error.message)
          .join("\n"),
        JSON.stringify(overrides),
      ).toMatch(message);
      expect(errorsOf(result)[0]!.message).toContain("Nothing was sent.");
      expectNoKey(result);
    }
    expect(sandbox.messages().length).toBe(before);
  });

  it("never prints a malformed key either", async () => {
    const wrong = "sk_prod_THISisALSOsecret0000";
    const result = await run({ ...inputs, "api-key": wrong });
    expect(result.code).toBe(1);
    expect(
      result.stdout
        .split("\n")
        .filter((line) => !line.startsWith("::add-mask::"))
        .join("\n"),
    ).not.toContain("THISisALSOsecret");
  });
});

describe("batch mode", () => {
  async function results(path: string): Promise<Record<string, unknown>[]> {
    return (await readFile(path, "utf8"))
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  it("sends the good rows and reports the bad ones: outputs, results file, annotations, summary", async () => {
    const resultsFile = join(workspace, "customers-results.jsonl");
    const before = sandbox.messages().length;
    const result = await run(
      {
        mode: "batch",
        file: "batch/customers.csv",
        template: "order-shipped",
        "results-file": resultsFile,
        metadata: "campaign: spring",
      },
      { GITHUB_RUN_ID: "6001", GITHUB_ACTION: "ship" },
    );
    // fail-on-error (the default) fails the step, after sending every good row.
    expect(result.code).toBe(1);
    expect(result.outputs).toEqual({ sent: "4", replayed: "0", failed: "2", "results-file": resultsFile });
    const stored = sandbox.messages().slice(before);
    expect(stored.map((message) => message.message.to)).toEqual([
      "ada@example.com",
      "grace@example.com",
      "alan@example.com",
      "katherine@example.com",
    ]);
    expect(stored[0]!.rendered.subject).toBe("Your order #2001 is on its way");
    expect(stored[0]!.message.metadata).toMatchObject({
      customer_id: "cus_001",
      campaign: "spring",
      github_run_id: "6001",
    });
    expect(stored[0]!.idempotencyKey).toMatch(/^gha:acme\/shop:6001:notify:ship:[0-9a-f]{12}:[0-9a-f]{16}$/);

    const lines = await results(resultsFile);
    expect(lines.map((line) => [line.row, line.recipient, line.ok])).toEqual([
      [1, "ada@example.com", true],
      [2, "grace@example.com", true],
      [3, "alan@example.com", true],
      [4, "katherine@example.com", true],
      [5, "margaret@example", false],
      [6, "suppressed@senderkit.test", false],
    ]);
    expect(lines[0]!.message_id).toBe(stored[0]!.id);
    expect(lines[4]!.error).toMatchObject({
      code: "invalid_parameter",
      message: expect.stringContaining('"margaret@example" is not a valid email address'),
    });
    expect(lines[5]!.error).toMatchObject({ code: "recipient_suppressed" });

    expect(
      errorsOf(result)
        .slice(0, 2)
        .map((error) => [error.properties.file, error.properties.line]),
    ).toEqual([
      ["batch/customers.csv", "6"],
      ["batch/customers.csv", "7"],
    ]);
    expect(errorsOf(result).at(-1)!.message).toBe(`2 of 6 rows failed; see the job summary and ${resultsFile}`);
    expect(result.summary).toContain("4 messages sent, 2 rows failed");
    expect(result.summary).toContain("| 6 | suppressed@senderkit.test | failed (recipient\\_suppressed) |");
    expect(result.stdout).toMatch(/^6\/6 \(100%\) · [\d,]+\/s · 2 failed$/m);
    expectNoKey(result, await readFile(resultsFile, "utf8"));
  });

  it("sends nothing new on a re-run with the same GITHUB_RUN_ID, and reports the same messages", async () => {
    const inputs = {
      mode: "batch",
      file: "batch/codes.ndjson",
      template: "login-code",
      "results-file": join(workspace, "codes.jsonl"),
    };
    const first = await run(inputs, { GITHUB_RUN_ID: "6002" });
    expect(first.code, first.stdout).toBe(0);
    const firstResults = await results(inputs["results-file"]);
    const count = sandbox.messages().length;
    const rerun = await run(inputs, { GITHUB_RUN_ID: "6002", GITHUB_RUN_ATTEMPT: "2" });
    expect(rerun.code).toBe(0);
    expect(rerun.outputs).toMatchObject({ sent: "0", replayed: "4", failed: "0" });
    expect(sandbox.messages().length).toBe(count);
    const again = await results(inputs["results-file"]);
    expect(again.map((line) => [line.message_id, line.replayed])).toEqual(
      firstResults.map((line) => [line.message_id, true]),
    );
    expect(firstResults.every((line) => line.replayed === undefined)).toBe(true);
    expect(rerun.stdout).toContain("4 rows replayed; nothing sent again");
    expect(rerun.summary).toContain(
      "0 messages sent, 4 rows replayed (an earlier attempt sent them; nothing sent again), 0 rows failed",
    );
  });

  it("splits a file between shards: each row is sent by exactly one", async () => {
    const before = sandbox.messages().length;
    const outputs = [];
    for (const shard of ["1/2", "2/2"]) {
      const result = await run(
        { mode: "batch", file: "batch/codes.ndjson", template: "login-code", shard },
        { GITHUB_RUN_ID: "6003" },
      );
      expect(result.code, result.stdout).toBe(0);
      outputs.push(result.outputs.sent);
      expect(result.summary).toContain(`(shard ${shard})`);
    }
    expect(outputs.reduce((sum, sent) => sum + Number(sent), 0)).toBe(4);
    const sent = sandbox
      .messages()
      .slice(before)
      .map((message) => message.message.to);
    expect(sent.sort()).toEqual(["+15555550101", "+15555550102", "+15555550103", "+15555550104"]);
  });

  it("logs row and API text so that no line of it reads as a workflow command", async () => {
    await writeFile(
      join(workspace, "batch", "inject.csv"),
      'to,code\n"bad\n::set-output name=sent::999",1\n"x\n::warning file=x.js,line=1::INJECTED",2\n',
    );
    const result = await run(
      { mode: "batch", file: "batch/inject.csv", template: "login-code", "fail-on-error": "false" },
      { GITHUB_RUN_ID: "6010" },
    );
    expect(result.code, result.stdout).toBe(0);
    expect(result.outputs).toMatchObject({ sent: "0", failed: "2" });
    const own = /^::(add-mask|group|endgroup|warning|error|debug)[ :]/;
    expect(runnerCommandLines(result.stdout).filter((line) => !own.test(line))).toEqual([]);
    expect(
      result.commands.filter((command) => command.message.includes("INJECTED") && command.properties.file === "x.js"),
    ).toEqual([]);
    expect(result.stdout).toContain('"bad\\n::set-output name=sent::999"');
  });

  it("renders every row in a dry run, locally, and sends nothing", async () => {
    await writeFile(
      join(workspace, "batch", "dry.csv"),
      "to,name,order.id,order.items,tracking_url\nada@example.com,Ada,#1,1,https://t.example.com/1\ngrace@example.com,Grace,#2,2,\n",
    );
    const before = sandbox.messages().length;
    const result = await run({
      mode: "batch",
      file: "batch/dry.csv",
      template: "order-shipped",
      "dry-run": "true",
      "fail-on-error": "false",
    });
    expect(result.code, result.stdout).toBe(0);
    expect(result.outputs).toMatchObject({ sent: "0", failed: "1" });
    expect(sandbox.messages().length).toBe(before);
    expect(result.summary).toContain("1 row would be sent, 1 row would fail. Nothing was sent.");
    expect(result.summary).toContain("missing variables: tracking\\_url");
  });

  it("fails bad inputs and broken files before sending anything", async () => {
    await writeFile(join(workspace, "batch", "broken.json"), '[{"to": "a@example.com"},\n{"to": "b@example.com"\n');
    const cases: [Record<string, string>, RegExp][] = [
      [{ file: "" }, /^Invalid input: file: required in batch mode/],
      [{ file: "batch/missing.csv" }, /^Invalid input: file: cannot read ".*missing\.csv": ENOENT/],
      [
        { file: "batch/customers.xlsx" },
        /^Invalid input: file: "customers\.xlsx": expected one of \.csv, \.json, \.ndjson, \.jsonl/,
      ],
      [{ shard: "3/2" }, /^Invalid input: shard: expected i\/n with 1 <= i <= n/],
      [{ concurrency: "0" }, /^Invalid input: concurrency: expected a whole number from 1 to 16/],
      [{ "fail-on-error": "nope" }, /^Invalid input: fail-on-error: expected true or false/],
      [
        { "results-file": "no/such/dir/results.jsonl" },
        /^Invalid input: results-file: cannot write ".*results\.jsonl": ENOENT[^]*Nothing was sent\.$/,
      ],
      [
        { file: "batch/broken.json" },
        /^file: batch\/broken\.json cannot be read as JSON: line 3: the array is not closed \(missing \]\)\. Nothing was sent\.$/,
      ],
    ];
    const before = sandbox.messages().length;
    for (const [overrides, message] of cases) {
      const result = await run({ mode: "batch", file: "batch/customers.csv", template: "order-shipped", ...overrides });
      expect(result.code, JSON.stringify(overrides)).toBe(1);
      expect(
        errorsOf(result)
          .map((error) => error.message)
          .join("\n"),
        JSON.stringify(overrides),
      ).toMatch(new RegExp(message.source, "m"));
      expectNoKey(result);
    }
    expect(sandbox.messages().length).toBe(before);
  });
});

describe("lint mode", () => {
  it("passes the example templates, without an API key", async () => {
    const result = await runAction({ inputs: { mode: "lint", templates: "templates/*.{yml,yaml,json}" }, workspace });
    expect(result.code, result.stdout).toBe(0);
    // order-shipped.yml has no text part: a warning, which does not fail the step.
    expect(result.outputs).toEqual({
      errors: "0",
      warnings: "1",
      "preview-dir": expect.stringMatching(/senderkit-previews$/),
    });
    expect(result.summary).toContain("5 template files: 0 errors, 1 warning.");
    expect(result.stdout).toContain("::group::Linting 5 template files");
  });

  it("annotates findings at file:line:column, writes the counts and a summary, and fails", async () => {
    await mkdir(join(workspace, "broken"), { recursive: true });
    await writeFile(
      join(workspace, "broken", "welcome.yml"),
      (await readFile(join(workspace, "templates", "welcome.yml"), "utf8"))
        .replace("<p>Your {{ user.plan", "<p>Your {{ coupon }} {{ user.plan")
        .replace("first_name: Ada", "frist_name: Ada"),
    );
    const result = await runAction({ inputs: { mode: "lint", templates: "broken/*.yml" }, workspace });
    expect(result.code).toBe(1);
    expect(result.outputs).toMatchObject({ errors: "2", warnings: "0" });
    const annotations = result.commands
      .filter((command) => command.command === "error" || command.command === "warning")
      .map(
        (command) =>
          `${command.command} ${command.properties.file}:${command.properties.line}:${command.properties.col} ${command.message}`,
      );
    expect(annotations).toEqual([
      'error broken/welcome.yml:8:64 missing variable "user.first_name" in content.subject: fixture "free-plan" does not give it; did you mean "user.frist_name"?',
      'error broken/welcome.yml:11:13 missing variable "coupon" in content.html: fixtures "free-plan", "pro-plan" do not give it',
      "error undefined:undefined:undefined Template lint: 2 errors in 1 file (see the annotations and the job summary)",
    ]);
    expect(result.stdout).toMatch(
      /^::error title=Template welcome \(missing-variable\),file=broken\/welcome\.yml,line=\d+,col=\d+::missing variable "coupon" in content\.html/m,
    );
    expect(result.summary).toContain("<td><code>broken/welcome.yml:11:13</code></td><td>error</td>");
    // Each fixture's rendering, folded.
    expect(result.summary.match(/<details>/g)).toHaveLength(2);
    expect(errorsOf(result).at(-1)!.message).toBe(
      "Template lint: 2 errors in 1 file (see the annotations and the job summary)",
    );
  });

  it("with remote: true, renders each fixture through the API against the stored template", async () => {
    await mkdir(join(workspace, "remote"), { recursive: true });
    // The stored login-code needs `code`; this local copy's fixture does not give it (locally it uses `pin`).
    await writeFile(
      join(workspace, "remote", "login-code.yml"),
      "slug: login-code\nname: Login code\nchannel: sms\ncontent:\n  body: \"{{ pin }}\"\nfixtures:\n  default:\n    pin: '1'\n",
    );
    await writeFile(
      join(workspace, "remote", "new.yml"),
      "slug: not-deployed\nname: New\nchannel: sms\ncontent:\n  body: hi\n",
    );
    const result = await run({ mode: "lint", templates: "remote/*.yml", remote: "true" });
    expect(result.code).toBe(1);
    expect(result.outputs).toMatchObject({ errors: "1", warnings: "1" });
    expect(errorsOf(result)[0]).toMatchObject({
      properties: { file: "remote/login-code.yml", line: "7" },
      message: 'the template "login-code" stored on SenderKit needs "code", which fixture "default" does not give',
    });
    expect(result.commands.find((command) => command.command === "warning")?.message).toBe(
      'the template "not-deployed" is not on SenderKit yet: sends would fail until it is deployed',
    );
    expectNoKey(result);
  });
});

// Untrusted text cannot command the runner, and a short or odd API key breaks nothing: every
// source of outside text, through dist/index.js as the runner runs it. The payloads are the two
// command syntaxes the runner reads (`::cmd::` at a line's start, `##[cmd]` anywhere), the
// command that would silence the Action's own annotations, and escapes that decode to line breaks.
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseFragment } from "parse5";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COMMENT_MARKER } from "../../action/pr-comment.ts";
import { startFakeGitHub } from "../helpers/fake-github.ts";
import { errorBody, json, startScriptedServer } from "../helpers/scripted-server.ts";
import type { ScriptedServer } from "../helpers/scripted-server.ts";
import { runAction, runnerCommandLines } from "./helpers.ts";
import type { ActionRun } from "./helpers.ts";

const API_KEY = "sk_test_untrustedUNTRUSTED0123";
const PAYLOADS = [
  "::error::FORGED-A",
  "##[error]FORGED-B",
  "##[stop-commands]FORGED-C",
  "x%0A::error::FORGED-D",
  "y\r::error::FORGED-E",
];
const FORGED = /FORGED-[A-E]/;

let workspace: string;
let server: ScriptedServer;
beforeAll(async () => {
  workspace = await mkdtemp(join(tmpdir(), "senderkit-untrusted-"));
  // A SenderKit that fails every item and every send with a message made of the payloads, and
  // echoes the API key back in it.
  server = await startScriptedServer((request, response) => {
    const message = `${PAYLOADS.join(" | ")} key=${String(request.headers.authorization).replace(/^Bearer /, "")}`;
    if (request.path === "/v1/messages/batch") {
      const items = (JSON.parse(request.body) as { messages: unknown[] }).messages;
      json(response, 200, {
        object: "list",
        data: items.map((_, index) => ({
          index,
          ok: false,
          error: { type: "validation_error", code: "invalid_recipient", message },
        })),
      });
    } else if (request.path === "/v1/messages") {
      json(response, 422, errorBody("validation_error", "invalid_recipient", { message }));
    } else {
      json(response, 404, errorBody("not_found", "route_not_found"));
    }
  });
});
afterAll(async () => {
  await server?.close();
  if (workspace) await rm(workspace, { recursive: true, force: true });
});

/** Every line the runner would act on is one of the Action's own commands; none is forged. */
function expectOnlyOwnCommands(result: ActionRun): void {
  const commands = runnerCommandLines(result.stdout);
  const own = /^::(add-mask|group|endgroup|warning|error|debug|notice)( [^:]*)?::/;
  expect(
    commands.filter((line) => !own.test(line)),
    result.stdout,
  ).toEqual([]);
  // An own command carrying a payload is data: the runner parses the `::` form first.
  for (const command of result.commands) {
    if (FORGED.test(command.message)) expect(["error", "warning", "debug", "group"]).toContain(command.command);
  }
  // The only stop-commands are the Action's own, with its random tokens.
  for (const command of result.commands.filter((c) => c.command === "stop-commands"))
    expect(command.message).toMatch(/^[0-9a-f-]{36}$/);
}

function run(inputs: Record<string, string>, github: Record<string, string> = {}) {
  return runAction({ inputs: { "api-key": API_KEY, "base-url": server.url, ...inputs }, workspace, github });
}

describe("untrusted text in the log", () => {
  it("batch rows and the server's item errors (with the key echoed back): no forged command, no key", async () => {
    const rows = PAYLOADS.map((payload, i) => `"${payload.replace(/"/g, '""')}@x.com",${i}`);
    await writeFile(join(workspace, "rows.csv"), `to,code\n${rows.join("\n")}\n`);
    const result = await run({
      mode: "batch",
      file: "rows.csv",
      template: "login-code",
      "results-file": "results.jsonl",
      "fail-on-error": "false",
    });
    expect(result.code, result.stdout).toBe(0);
    expect(result.outputs).toMatchObject({ sent: "0", failed: "5" });
    expectOnlyOwnCommands(result);
    // Every row's annotation survives (5 warnings + the closing one), each at its line.
    const warnings = result.commands.filter((command) => command.command === "warning");
    expect(warnings.map((warning) => warning.properties.line)).toEqual(["2", "3", "4", "5", "6", undefined]);
    expect(warnings[0]!.message).toContain("::error::FORGED-A");
    expect(warnings[3]!.message).toContain("x%0A::error::FORGED-D");
    // The payloads are in the log, as text.
    for (const payload of ["::error::FORGED-A", "##[error]FORGED-B", "##[stop-commands]FORGED-C"])
      expect(result.stdout).toContain(payload);
    const results = await readFile(join(workspace, "results.jsonl"), "utf8");
    const log = result.stdout.replace(`::add-mask::${API_KEY}\n`, "");
    for (const text of [log, results, result.summary, JSON.stringify(result.outputs)])
      expect(text).not.toContain(API_KEY);
    expect(results).toContain("key=[redacted]"); // the core redacts an echoed key before the Action sees it
  });

  it("a file name with the payloads: no forged command", async () => {
    const name = "##[error]FORGED-B ::error::FORGED-A.csv";
    await writeFile(join(workspace, name), "to\nbad\n");
    const result = await run({
      mode: "batch",
      file: name,
      template: "login-code",
      "results-file": "results.jsonl",
      "fail-on-error": "false",
    });
    expect(result.code, result.stdout).toBe(0);
    expectOnlyOwnCommands(result);
    expect(result.commands.find((command) => command.command === "warning")!.properties.file).toBe(name);
  });

  it("the server's error message on a send, with the key echoed back: the failure annotation intact, no key", async () => {
    const result = await run({ template: "welcome", to: "ada@example.com" }, { GITHUB_RUN_ID: "77" });
    expect(result.code).toBe(1);
    expectOnlyOwnCommands(result);
    const failure = result.commands.filter((command) => command.command === "error").at(-1)!;
    expect(failure.message).toContain(
      "SenderKit answered 422 invalid_recipient: ::error::FORGED-A | ##[error]FORGED-B",
    );
    expect(failure.message).toContain("key=[redacted]");
    expect(
      result.stdout
        .split("\n")
        .filter((line) => !line.startsWith("::add-mask::"))
        .join("\n"),
    ).not.toContain(API_KEY);
  });

  it("template file, slug and fixture names in lint: no forged command, annotations intact", async () => {
    await mkdir(join(workspace, "templates"), { recursive: true });
    const template = [
      'slug: "##[error]FORGED-B"',
      "name: N",
      "channel: sms",
      "content:",
      '  body: "Hi {{ name }}"',
      "fixtures:",
      '  "::error::FORGED-A":',
      "    name: A",
      '    "##[stop-commands]FORGED-C": 1',
      '  "x%0A::error::FORGED-D": {}',
      "",
    ].join("\n");
    await writeFile(join(workspace, "templates", "::error::FORGED-A ##[warning]x.yml"), template);
    const result = await run({ mode: "lint", templates: "templates/*.yml" });
    expect(result.code).toBe(1);
    expectOnlyOwnCommands(result);
    const annotations = result.commands.filter(
      (command) => command.command === "error" || command.command === "warning",
    );
    expect(
      annotations.map((a) => [a.command, a.properties.file, a.properties.line]),
      JSON.stringify(annotations, null, 1),
    ).toEqual([
      ["error", "templates/::error::FORGED-A ##[warning]x.yml", "1"],
      ["error", "templates/::error::FORGED-A ##[warning]x.yml", "5"],
      ["warning", "templates/::error::FORGED-A ##[warning]x.yml", "9"],
      ["error", undefined, undefined],
    ]);
    expect(annotations[0]!.properties.title).toBe("Template ##[error]FORGED-B (shape)");
    expect(annotations[1]!.message).toContain('fixture "x%0A::error::FORGED-D" does not give it');
    expect(annotations[2]!.message).toContain(
      'unused variable "##[stop-commands]FORGED-C" in fixture "::error::FORGED-A"',
    );
    expect(result.outputs).toMatchObject({ errors: "2", warnings: "1" });
  });
});

/** Every element of an HTML/Markdown fragment, and its text as a browser would show it. */
function htmlOf(markdown: string): { tags: string[]; attributes: string[]; text: string } {
  const tags: string[] = [];
  const attributes: string[] = [];
  const walk = (node: unknown): string => {
    const n = node as { tagName?: string; attrs?: { name: string }[]; value?: string; childNodes?: unknown[] };
    if (n.tagName) tags.push(n.tagName);
    for (const attribute of n.attrs ?? []) attributes.push(attribute.name);
    return n.value ?? (n.childNodes ?? []).map(walk).join("");
  };
  const text = walk(parseFragment(markdown));
  return { tags, attributes, text };
}

/** What lint-report.ts writes itself; anything else came from a template. */
const OWN_TAGS = new Set([
  "details",
  "summary",
  "b",
  "code",
  "i",
  "table",
  "tbody",
  "tr",
  "th",
  "td",
  "p",
  "pre",
  "br",
]);

describe("untrusted text in lint's summary previews and PR comment", () => {
  const HOSTILE = "<img src=x onerror=alert(1)> @octocat [x](javascript:alert(1)) **b** </details><script>s()</script>";

  it("file, fixture and rendered text stay inert in the summary and the comment, and command nothing", async () => {
    const github = await startFakeGitHub();
    try {
      await mkdir(join(workspace, "hostile"), { recursive: true });
      const file = "hostile/<i>x [l](javascript:x) @octocat ::error::FORGED-A.yml";
      const template = [
        "slug: hostile",
        "name: H",
        "channel: email",
        "content:",
        "  subject: '{{ who }}'",
        "  html: '<p>{{ who }}</p>'",
        "  text: 'Text {{ who }}'",
        "fixtures:",
        `  ${JSON.stringify(`${HOSTILE} ##[error]FORGED-B`)}:`,
        `    who: ${JSON.stringify(`${HOSTILE} ::error::FORGED-A`)}`,
        "",
      ].join("\n");
      await writeFile(join(workspace, file), template);
      await writeFile(join(workspace, "event.json"), JSON.stringify({ pull_request: { number: 3 } }));
      github.pullFiles.set(3, [{ filename: file, status: "added" }]);
      const result = await runAction({
        inputs: { mode: "lint", templates: "hostile/*.yml", "github-token": "ghs_untrustedToken0123456789" },
        workspace,
        github: {
          GITHUB_API_URL: github.url,
          GITHUB_EVENT_NAME: "pull_request",
          GITHUB_EVENT_PATH: join(workspace, "event.json"),
        },
      });
      expect(result.code, result.stdout).toBe(0);
      expectOnlyOwnCommands(result);
      const comment = github.comments.get(3)?.[0]?.body ?? "";
      expect(comment.startsWith(COMMENT_MARKER)).toBe(true);
      for (const markdown of [result.summary, comment]) {
        const html = htmlOf(markdown);
        expect(html.tags.filter((tag) => !OWN_TAGS.has(tag))).toEqual([]);
        expect(html.attributes.filter((name) => name !== "align")).toEqual([]);
        // Read back as text, the hostile strings are all there, as text.
        expect(html.text).toContain(`${HOSTILE} ##[error]FORGED-B`);
        expect(html.text).toContain(`Text ${HOSTILE} ::error::FORGED-A`);
        // No Markdown link, emphasis or mention survives (entities stand for those characters).
        expect(markdown).not.toMatch(/\]\(|@octocat|\*\*b\*\*|<script|<img/);
      }
      expect(htmlOf(result.summary).tags.filter((tag) => tag === "details")).toHaveLength(1);
    } finally {
      await github.close();
      await rm(join(workspace, "hostile"), { recursive: true, force: true });
    }
  });
});

describe("a short or odd api-key", () => {
  it.each([
    ["one character", "e"],
    ["digits only", "0"],
  ])("%s: the failure annotation and every output intact", async (_, key) => {
    await mkdir(join(workspace, "templates"), { recursive: true });
    await writeFile(
      join(workspace, "templates", "ok.yml"),
      'slug: ok\nname: Ok\nchannel: sms\ncontent:\n  body: "Hi 0 e"\n',
    );
    const lint = await runAction({
      inputs: { mode: "lint", templates: "templates/ok.yml", "api-key": key },
      workspace,
    });
    expect(lint.code, lint.stdout).toBe(0);
    expect(lint.outputs).toMatchObject({ errors: "0", warnings: "0" });
    expect(lint.summary).toContain("1 template file: 0 errors, 0 warnings.");

    const send = await runAction({ inputs: { template: "welcome", to: "ada@example.com", "api-key": key }, workspace });
    expect(send.code).toBe(1);
    const failure = send.commands.find((command) => command.command === "error");
    expect(failure?.message).toBe(
      "Invalid input: api-key: malformed: expected sk_test_ or sk_live_ followed by at least 16 letters and digits\nNothing was sent.",
    );
    expect(send.stdout).toContain(`::add-mask::${key}`);
  });
});

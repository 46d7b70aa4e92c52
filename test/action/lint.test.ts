import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  closestName,
  editDistance,
  findTemplateFiles,
  lintFiles,
  lintSummary,
  lintTemplateSource,
  remoteFindings,
  runLintMode,
} from "../../action/lint.ts";
import type { Finding, LintedTemplate } from "../../action/lint.ts";
import { ANNOTATIONS_PER_TYPE } from "../../action/runner.ts";
import { REPO, recordingRunner } from "./helpers.ts";

/** Findings as "line:column severity message", the way a reader checks them. */
const brief = (findings: Finding[]) =>
  findings.map((finding) => `${finding.line}:${finding.column} ${finding.severity} ${finding.message}`);
const lint = (source: string, options = {}, file = "t.yml") =>
  brief(lintTemplateSource(file, source, options).findings);

const WELCOME = `slug: welcome
name: Welcome
channel: email
content:
  subject: "Hi {{ user.first_name }}"
  html: |
    <p>Hello {{ user.first_name }},</p>
    <p>Your code: {{ coupon }} ({{ plan | default: "free" }})</p>
fixtures:
  basic:
    user:
      first_name: Ada
    coupon: X1
`;

describe("lintTemplateSource", () => {
  it("finds nothing wrong with a template whose fixtures give every variable", () => {
    expect(lint(WELCOME)).toEqual([]);
  });

  it("reports a missing variable at its placeholder inside a block scalar, with the field and the fixture", () => {
    const source = WELCOME.replace("    coupon: X1\n", "");
    expect(lint(source)).toEqual([
      '8:19 error missing variable "coupon" in content.html: fixture "basic" does not give it',
    ]);
  });

  it("suggests a close name the fixture gives, for nested paths too", () => {
    expect(lint(WELCOME.replace("    coupon: X1", "    cuopon: X1"))).toEqual([
      '8:19 error missing variable "coupon" in content.html: fixture "basic" does not give it; did you mean "cuopon"?',
      '13:5 warning unused variable "cuopon" in fixture "basic": no placeholder reads it',
    ]);
    expect(lint(WELCOME.replace("first_name: Ada", "firstname: Ada"))).toEqual([
      '5:16 error missing variable "user.first_name" in content.subject: fixture "basic" does not give it; did you mean "user.firstname"?',
    ]);
  });

  it("names every fixture that lacks a variable in one finding", () => {
    const source = `${WELCOME}  other:\n    user:\n      first_name: Grace\n  third:\n    user:\n      first_name: Alan\n    coupon: X\n`;
    expect(lint(source)).toEqual([
      '8:19 error missing variable "coupon" in content.html: fixture "other" does not give it',
    ]);
    const two = source.replace("    coupon: X\n", "");
    expect(lint(two)).toEqual([
      '8:19 error missing variable "coupon" in content.html: fixtures "other", "third" do not give it',
    ]);
  });

  it("reports unused variables as warnings, or errors with fail-on-unused", () => {
    const source = WELCOME.replace("    coupon: X1", "    coupon: X1\n    extra: 1");
    expect(lint(source)).toEqual(['14:5 warning unused variable "extra" in fixture "basic": no placeholder reads it']);
    expect(lint(source, { failOnUnused: true })).toEqual([
      '14:5 error unused variable "extra" in fixture "basic": no placeholder reads it',
    ]);
  });

  it("reports template syntax errors where they are in the file", () => {
    const source = WELCOME.replace("<p>Your code: {{ coupon }}", "<p>Your code: {{ coupon ").replace(
      'subject: "Hi {{ user.first_name }}"',
      'subject: "Hi {{ user..x }}"',
    );
    expect(lint(source)).toEqual([
      "5:16 error content.subject: invalid path",
      "8:19 error content.html: unclosed placeholder",
      '13:5 warning unused variable "coupon" in fixture "basic": no placeholder reads it',
    ]);
  });

  it("maps positions inside JSON strings with escapes", () => {
    const source = `{
  "slug": "code",
  "name": "Code",
  "channel": "sms",
  "content": { "body": "\\"Hi\\"\\n{{ code }} {{ nmae }}" },
  "fixtures": { "default": { "code": "1", "name": "Ada" } }
}
`;
    expect(lint(source, {}, "code.json")).toEqual([
      '5:44 error missing variable "nmae" in content.body: fixture "default" does not give it; did you mean "name"?',
      '6:43 warning unused variable "name" in fixture "default": no placeholder reads it',
    ]);
  });

  it("checks the template's shape with the client's rules, at the offending key", () => {
    const source = `slug: Not A Slug
name: ""
channel: email
content:
  html: "<p>{{ x }}</p>"
  body: nope
fixtures:
  a: { x: 1 }
`;
    expect(lint(source)).toEqual([
      "1:7 error slug: expected 1-64 characters of a-z, 0-9, _ and -, starting with a letter or digit",
      "2:7 error name: expected a non-empty string",
      "4:1 error content.subject: required",
      "6:3 error content.body: unknown parameter",
    ]);
    expect(lint("slug: a\nname: A\nchannel: fax\ncontent: {}\n")).toEqual([
      "3:10 error channel: expected one of email, sms, push, web_push",
    ]);
  });

  it("warns about unknown top-level keys, suggesting the one meant", () => {
    expect(lint(`${WELCOME}fixture:\n  x: {}\n`)).toEqual([
      '14:1 warning unknown key "fixture"; did you mean "fixtures"? (a template file has slug, name, channel, description, content, fixtures)',
    ]);
  });

  it("reports YAML errors, and JSON that only YAML would accept", () => {
    expect(lint("slug: a\n  name: b\n")[0]).toMatch(/^1:7 error not valid YAML: /);
    expect(lint('{"slug": "a",}', {}, "a.json")).toEqual([
      "1:14 error not valid JSON: Expected double-quoted property name",
    ]);
    expect(lint("- a\n")).toEqual([
      "1:1 error expected a mapping with slug, name, channel, description, content, fixtures",
    ]);
  });

  it("warns when a template needing variables has no fixtures, unless a vars file stands in", () => {
    const source = WELCOME.slice(0, WELCOME.indexOf("fixtures:"));
    expect(lint(source)).toEqual([
      "1:1 warning no fixtures: add `fixtures` with sample vars so lint can check the 2 variables this template needs",
    ]);
    expect(lint(source, { sharedVars: { user: { first_name: "A" }, coupon: "c" } })).toEqual([]);
    expect(lint(source, { sharedVars: { user: { first_name: "A" } } })).toEqual([
      '8:19 error missing variable "coupon" in content.html: fixture "(vars-file)" does not give it',
    ]);
  });

  it("adds the vars file under every fixture (the fixture wins) and never calls its keys unused", () => {
    const source = WELCOME.replace("    coupon: X1\n", "");
    expect(lint(source, { sharedVars: { coupon: "shared", unrelated: 1 } })).toEqual([]);
  });

  it("checks push data values and web_push fields", () => {
    const source = `slug: p
name: P
channel: push
content:
  title: "{{ t }}"
  body: b
  data:
    url: "{{ link }}"
fixtures:
  f: { t: 1 }
`;
    expect(lint(source)).toEqual([
      '8:11 error missing variable "link" in content.data.url: fixture "f" does not give it',
    ]);
  });
});

describe("did you mean", () => {
  it("counts a swap of neighbours as one edit", () => {
    expect(editDistance("name", "nmae")).toBe(1);
    expect(editDistance("coupon", "coupons")).toBe(1);
    expect(editDistance("kitten", "sitting")).toBe(3);
  });

  it("suggests only names close enough to be a typo", () => {
    expect(closestName("coupon", ["cupon", "order"])).toBe("cupon");
    expect(closestName("first_name", ["firstName", "last_name"])).toBe("firstName");
    expect(closestName("id", ["xy"])).toBeUndefined();
    expect(closestName("coupon", ["order", "total"])).toBeUndefined();
  });
});

describe("files", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "senderkit-lint-"));
    await mkdir(join(dir, "templates", "email"), { recursive: true });
    await mkdir(join(dir, "templates", "drafts"), { recursive: true });
    await writeFile(join(dir, "templates", "welcome.yml"), WELCOME);
    await writeFile(join(dir, "templates", "email", "copy.yaml"), WELCOME);
    await writeFile(join(dir, "templates", "drafts", "wip.json"), "{}");
    await writeFile(join(dir, "templates", "notes.txt"), "not a template");
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("expands globs with braces and exclusions, sorted", async () => {
    expect(await findTemplateFiles(["templates/**/*.{yml,yaml,json}"], dir)).toEqual([
      "templates/drafts/wip.json",
      "templates/email/copy.yaml",
      "templates/welcome.yml",
    ]);
    expect(await findTemplateFiles(["templates/**/*.{yml,yaml,json}", "!templates/drafts/**"], dir)).toEqual([
      "templates/email/copy.yaml",
      "templates/welcome.yml",
    ]);
  });

  it("reports a slug used by two files", async () => {
    const report = await lintFiles(["templates/email/copy.yaml", "templates/welcome.yml"], dir);
    expect(report.errors).toBe(1);
    expect(brief(report.files[1]!.findings)).toEqual([
      '1:7 error slug "welcome" is also used by templates/email/copy.yaml:1',
    ]);
  });

  it("runs the whole mode: annotations capped per type, outputs, a summary per template, a failed step", async () => {
    const many = `slug: many\nname: M\nchannel: sms\ncontent:\n  body: "${Array.from({ length: 12 }, (_, i) => `{{ v${i} }}`).join(" ")}"\nfixtures:\n  f: { other: 1 }\n`;
    await writeFile(join(dir, "templates", "many.yml"), many);
    const runner = recordingRunner({ templates: "templates/*.yml" });
    await runLintMode(runner, { workspace: dir }, "");
    expect(runner.outputs).toEqual({ errors: "12", warnings: "1" });
    const errors = runner.annotations.filter((annotation) => annotation.kind === "error");
    // One fewer than the runner keeps: the step's failure is the last error annotation.
    expect(errors).toHaveLength(ANNOTATIONS_PER_TYPE - 1);
    expect(errors[0]).toEqual({
      kind: "error",
      message: 'missing variable "v0" in content.body: fixture "f" does not give it',
      properties: { file: "templates/many.yml", line: 5, column: 10, title: "Template many" },
    });
    // Past the runner's cap, the rest are in the summary (and the log).
    expect(runner.summary).toContain(
      '| 5:110 | error | missing variable "v11" in content.body: fixture "f" does not give it |',
    );
    expect(runner.summary).toContain("| <code>many</code> | templates/many.yml | 12 | 1 |");
    expect(runner.log).toContain(
      'templates/many.yml:5:110: error: missing variable "v11" in content.body: fixture "f" does not give it',
    );
    expect(runner.failures).toEqual(["Template lint: 12 errors in 1 file (see the annotations and the job summary)"]);
    await rm(join(dir, "templates", "many.yml"));
  });

  it("fails with the input named when nothing matches or the vars file is bad", async () => {
    const context = { workspace: dir };
    await expect(runLintMode(recordingRunner({ templates: "nothing/**/*.yml" }), context, "")).rejects.toThrow(
      `Invalid input: templates: no files match nothing/**/*.yml (in ${dir})`,
    );
    await writeFile(join(dir, "vars.yml"), "- not\n- a mapping\n");
    await expect(runLintMode(recordingRunner({ "vars-file": "vars.yml" }), context, "")).rejects.toThrow(
      "Invalid input: vars-file: line 1: expected a mapping (like `name: Ada`), got a list",
    );
    await expect(runLintMode(recordingRunner({ remote: "true" }), context, "")).rejects.toThrow(
      /Invalid input: api-key: required when remote is true/,
    );
  });

  it("lints the example templates clean (they also feed the Pulumi example)", async () => {
    const files = await findTemplateFiles(["examples/templates/*.{yml,yaml,json}"], REPO);
    expect(files.length).toBeGreaterThanOrEqual(5);
    expect(files.some((file) => file.endsWith(".json"))).toBe(true);
    const report = await lintFiles(files, REPO);
    expect(report.files.flatMap((file) => brief(file.findings))).toEqual([]);
    expect(new Set(report.files.map((file) => file.template?.channel))).toEqual(
      new Set(["email", "sms", "push", "web_push"]),
    );
  });
});

describe("remote checks", () => {
  const template: LintedTemplate = {
    file: "t/welcome.yml",
    slug: "welcome",
    channel: "email",
    fixtures: [{ name: "basic", vars: { a: 1 }, line: 10, column: 3 }],
    slugLine: 1,
    slugColumn: 7,
  };

  it("reports what the stored template needs that a fixture does not give", async () => {
    const client = { templates: { render: async () => ({ missing: ["coupon"] }) } };
    expect(brief(await remoteFindings(client, [template]))).toEqual([
      '10:3 error the template "welcome" stored on SenderKit needs "coupon", which fixture "basic" does not give',
    ]);
  });

  it("warns when the template is not deployed yet, and rethrows anything else", async () => {
    const notFound = {
      templates: { render: async () => Promise.reject(Object.assign(new Error("no"), { code: "template_not_found" })) },
    };
    expect(brief(await remoteFindings(notFound, [template]))).toEqual([
      '1:7 warning the template "welcome" is not on SenderKit yet: sends would fail until it is deployed',
    ]);
    const down = {
      templates: { render: async () => Promise.reject(Object.assign(new Error("down"), { code: "internal_error" })) },
    };
    await expect(remoteFindings(down, [template])).rejects.toThrow("down");
  });
});

describe("lintSummary", () => {
  it("lists templates with their counts and findings, escaped", () => {
    const markdown = lintSummary(
      {
        errors: 1,
        warnings: 0,
        files: [
          {
            file: "t/a|b.yml",
            slug: "a",
            template: undefined,
            findings: [{ severity: "error", file: "t/a|b.yml", line: 2, column: 3, message: "missing <x>" }],
          },
        ],
      },
      ["t/*.{yml,json}"],
    );
    expect(markdown).toContain("1 template file (<code>t/&#42;.{yml,json}</code>): 1 error, 0 warnings.");
    expect(markdown).toContain("| <code>a</code> | t/a&#124;b.yml | 1 | 0 |");
    expect(markdown).toContain("| 2:3 | error | missing &lt;x&gt; |");
  });
});

// Lint of template files (src/template-files/lint.ts): positions, shape, variables, files. These
// assertions were the Action's own lint's; the channel rules (tested in channel-rules.test.ts)
// are off here so each case shows only what it is about.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as templateFiles from "../../src/template-files/index.ts";
import type { Finding, LintOptions } from "../../src/template-files/index.ts";

const REPO = fileURLToPath(new URL("../../", import.meta.url));
const { closestName, editDistance } = templateFiles;
const CHANNEL_RULES = [
  "sms-encoding",
  "max-sms-segments",
  "sms-length",
  "push-payload-size",
  "email-text-missing",
  "email-subject-length",
  "insecure-link",
  "web-push-url",
];
const findTemplateFiles = (patterns: string[], cwd: string) => templateFiles.findTemplateFiles(patterns, { cwd });
const lintFiles = (files: readonly string[], cwd: string) =>
  templateFiles.lintFiles(files, cwd, { disable: CHANNEL_RULES });
const lintTemplateSource = (file: string, source: string, options: LintOptions = {}) =>
  templateFiles.lintTemplateSource(file, source, { disable: CHANNEL_RULES, ...options });

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

// Lint mode as an orchestrator (action/lint.ts): inputs in, the core's report out as log lines,
// annotations, outputs, summary and preview files. What lint finds is src/template-files' business
// (test/template-files); the remote rules are the Action's own (action/lint-remote.ts).
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runLintMode } from "../../action/lint.ts";
import { remoteFindings } from "../../action/lint-remote.ts";
import { ANNOTATIONS_PER_TYPE } from "../../action/runner.ts";
import type { templateFiles } from "../../src/index.ts";
import { recordingRunner } from "./helpers.ts";

const brief = (findings: templateFiles.Finding[]) =>
  findings.map((finding) => `${finding.line}:${finding.column} ${finding.severity} ${finding.rule} ${finding.message}`);

const SMS = `slug: hello
name: Hello
channel: sms
content:
  body: "Hi {{ name }}, it’s here"
fixtures:
  ada: { name: Ada }
`;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "senderkit-lint-mode-"));
  await mkdir(join(dir, "templates"));
  await writeFile(join(dir, "templates", "hello.yml"), SMS);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const context = () => ({ workspace: dir, runnerTemp: join(dir, "runner-temp") });

describe("lint mode", () => {
  it("annotates capped per type, sets outputs, writes the summary and previews, and fails on errors", async () => {
    const body = Array.from({ length: 12 }, (_, i) => `{{ v${i} }}`).join(" ");
    const many = `slug: many\nname: M\nchannel: sms\ncontent:\n  body: "${body}"\nfixtures:\n  f: { other: 1 }\n`;
    await writeFile(join(dir, "templates", "many.yml"), many);
    try {
      const runner = recordingRunner({ templates: "templates/*.yml" });
      await runLintMode(runner, context(), "");
      const previewDir = join(dir, "runner-temp", "senderkit-previews");
      expect(runner.outputs).toEqual({ errors: "12", warnings: "2", "preview-dir": previewDir });
      const errors = runner.annotations.filter((annotation) => annotation.kind === "error");
      // One fewer than the runner keeps: the step's failure is the last error annotation.
      expect(errors).toHaveLength(ANNOTATIONS_PER_TYPE - 1);
      expect(errors[0]).toEqual({
        kind: "error",
        message: 'missing variable "v0" in content.body: fixture "f" does not give it',
        properties: { file: "templates/many.yml", line: 5, column: 10, title: "Template many (missing-variable)" },
      });
      expect(runner.annotations.filter((annotation) => annotation.kind === "warning")).toHaveLength(2);
      // Past the runner's cap, the rest are in the log and the summary.
      expect(runner.log).toContain(
        "templates/many.yml:5:110: error missing-variable: " +
          'missing variable "v11" in content.body: fixture "f" does not give it',
      );
      expect(runner.summary).toContain("v11");
      expect(runner.summary).toContain("<details>");
      expect(runner.summary).toContain("UCS-2, 1 segment");
      expect(runner.failures).toEqual(["Template lint: 12 errors in 1 file (see the annotations and the job summary)"]);
      const pages = await readdir(previewDir);
      expect(pages).toContain("index.html");
      expect(pages.filter((name) => name.startsWith("hello--ada-"))).toHaveLength(1);
      expect(await readFile(join(previewDir, "index.html"), "utf8")).toContain("Hi Ada, it’s here");
    } finally {
      await rm(join(dir, "templates", "many.yml"));
    }
  });

  it("turns rules off with disable and sets the SMS segment limit with max-sms-segments", async () => {
    const long = SMS.replace("it’s here", "x".repeat(200));
    await writeFile(join(dir, "templates", "long.yml"), long.replace("slug: hello", "slug: long"));
    try {
      const strict = recordingRunner({ templates: "templates/*.yml", "max-sms-segments": "1", "preview-dir": "out" });
      await runLintMode(strict, context(), "");
      expect(strict.log.filter((line) => line.includes(" max-sms-segments: "))).toHaveLength(1);
      expect(strict.outputs["preview-dir"]).toBe(join(dir, "out"));
      const off = recordingRunner({
        templates: "templates/*.yml",
        "max-sms-segments": "1",
        disable: "max-sms-segments,\nsms-encoding",
      });
      await runLintMode(off, context(), "");
      expect(off.outputs).toMatchObject({ errors: "0", warnings: "0" });
      expect(off.failures).toEqual([]);
    } finally {
      await rm(join(dir, "templates", "long.yml"));
    }
  });

  it("writes no previews outside a runner unless preview-dir is given", async () => {
    const runner = recordingRunner({ templates: "templates/*.yml" });
    await runLintMode(runner, { workspace: dir, runnerTemp: "" }, "");
    expect(runner.outputs["preview-dir"]).toBeUndefined();
    expect(runner.summary).not.toContain("HTML previews");
  });

  it("fails naming the input when an input is wrong, listing every problem", async () => {
    await writeFile(join(dir, "vars.yml"), "- not\n- a mapping\n");
    await expect(runLintMode(recordingRunner({ templates: "nothing/**/*.yml" }), context(), "")).rejects.toThrow(
      `Invalid input: templates: no files match nothing/**/*.yml (in ${dir})`,
    );
    await expect(runLintMode(recordingRunner({ "vars-file": "vars.yml" }), context(), "")).rejects.toThrow(
      "vars-file: expected a mapping of variable names to values",
    );
    await expect(runLintMode(recordingRunner({ remote: "true" }), context(), "")).rejects.toThrow(
      /api-key: required when remote is true/,
    );
    const bad = runLintMode(
      recordingRunner({ templates: "templates/*.yml", disable: "sms-encodin, nope", "max-sms-segments": "0" }),
      context(),
      "",
    );
    await expect(bad).rejects.toThrow(
      [
        "Invalid inputs:",
        '- disable: unknown rule "sms-encodin"; did you mean "sms-encoding"? ' +
          "(the rules are listed in src/template-files/README.md)",
        '- disable: unknown rule "nope" (the rules are listed in src/template-files/README.md)',
        '- max-sms-segments: expected a whole number from 1 to 9999, got "0"',
      ].join("\n"),
    );
  });
});

describe("remote checks", () => {
  const template: templateFiles.LintedTemplate = {
    file: "t/welcome.yml",
    slug: "welcome",
    name: "Welcome",
    channel: "email",
    content: { subject: "s", html: "h" },
    fixtures: [{ name: "basic", vars: { a: 1 }, line: 10, column: 3 }],
    slugLine: 1,
    slugColumn: 7,
  };

  it("reports what the stored template needs that a fixture does not give", async () => {
    const client = { templates: { render: async () => ({ missing: ["coupon"] }) } };
    expect(brief(await remoteFindings(client, [template]))).toEqual([
      '10:3 error remote-missing-variable the template "welcome" stored on SenderKit needs "coupon", ' +
        'which fixture "basic" does not give',
    ]);
  });

  it("warns when the template is not deployed yet, and rethrows anything else", async () => {
    const notFound = {
      templates: { render: async () => Promise.reject(Object.assign(new Error("no"), { code: "template_not_found" })) },
    };
    expect(brief(await remoteFindings(notFound, [template]))).toEqual([
      '1:7 warning remote-not-deployed the template "welcome" is not on SenderKit yet: ' +
        "sends would fail until it is deployed",
    ]);
    const down = {
      templates: { render: async () => Promise.reject(Object.assign(new Error("down"), { code: "internal_error" })) },
    };
    await expect(remoteFindings(down, [template])).rejects.toThrow("down");
  });
});

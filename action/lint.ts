// Mode `lint`: the Action's end of the walk the `senderkit lint` command also takes. The template
// files, their careful reading, the rules and the previews are `src/template-files`; this file
// reads the inputs, then turns the report into what a runner shows: log lines, annotations,
// outputs, the job summary (lint-report.ts), the HTML preview files and, on a pull request with
// a token, one PR comment (pr-comment.ts, loaded only then: it brings octokit).
import { resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import * as templateFiles from "../src/template-files/index.ts";
import type { GitHubContext } from "./context.ts";
import { InputReader, readConnection } from "./inputs.ts";
import { escapeMarkdown, lintReportMarkdown } from "./lint-report.ts";
import { REMOTE_RULES, remoteFindings } from "./lint-remote.ts";
import type { RenderClient } from "./lint-remote.ts";
import type { Runner } from "./runner.ts";
import { ANNOTATIONS_PER_TYPE, SUMMARY_LIMIT_BYTES, logText } from "./runner.ts";

type LintReport = templateFiles.LintReport;

/** The whole mode, as the runner runs it. */
export async function runLintMode(
  runner: Runner,
  context: Pick<GitHubContext, "workspace" | "runnerTemp">,
  apiKey: string,
  // The client (and the HTTP stack under it) is loaded only when remote checks are asked for.
  createClient: (options: { apiKey: string; baseUrl: string | undefined }) => Promise<RenderClient> = async (options) =>
    new (await import("../src/client.ts")).SenderKit(options),
): Promise<void> {
  const input = new InputReader(runner);
  const cwd = context.workspace || process.cwd();
  const patterns = input.lines("templates");
  const varsFile = input.path("vars-file", cwd);
  const failOnUnused = input.boolean("fail-on-unused");
  const remote = input.boolean("remote");
  const disable = readDisable(input);
  const maxSmsSegments =
    input.optionalText("max-sms-segments") === undefined ? undefined : input.integer("max-sms-segments", 1, 9999);
  const previewDir =
    input.path("preview-dir", cwd) ??
    (context.runnerTemp ? resolve(context.runnerTemp, "senderkit-previews") : undefined);
  const githubToken = input.optionalText("github-token");
  const connection = remote ? readConnection(input, apiKey, "when remote is true") : undefined;

  const sharedVars = varsFile === undefined ? undefined : await readVarsFile(input, varsFile);
  const files = patterns.length > 0 ? await templateFiles.findTemplateFiles(patterns, { cwd }) : [];
  if (patterns.length === 0) input.problem("templates", "expected at least one glob");
  else if (files.length === 0) input.problem("templates", `no files match ${patterns.join(", ")} (in ${cwd})`);
  input.check();

  const report = await runner.group(`Linting ${plural(files.length, "template file")}`, async () => {
    // The workspace is the root: nothing a pull request links to outside it is read.
    const linted = await templateFiles.lintFiles(files, cwd, {
      root: cwd,
      sharedVars,
      failOnUnused,
      disable,
      maxSmsSegments,
    });
    if (connection) {
      const client = await createClient({ apiKey: connection.apiKey, baseUrl: connection.baseUrl });
      try {
        const templates = linted.files.flatMap((file) => (file.template ? [file.template] : []));
        runner.info(`Rendering ${plural(templates.length, "template")} through SenderKit's render API`);
        const extra = (await remoteFindings(client, templates)).filter((finding) => !disable.includes(finding.rule));
        for (const finding of extra) linted.files.find((file) => file.file === finding.file)?.findings.push(finding);
      } finally {
        await client.close();
      }
    }
    const counted = templateFiles.countFindings(linted.files);
    for (const file of counted.files)
      for (const finding of file.findings)
        runner.info(
          `${logText(finding.file)}:${finding.line}:${finding.column}: ` +
            `${finding.severity} ${finding.rule}: ${logText(finding.message)}`,
        );
    runner.info(`${plural(counted.errors, "error")}, ${plural(counted.warnings, "warning")}`);
    return counted;
  });

  annotate(runner, report);
  runner.setOutput("errors", report.errors);
  runner.setOutput("warnings", report.warnings);

  const previews = templateFiles.renderPreviews(report);
  let previewNote = "";
  if (previewDir !== undefined) {
    const written = await templateFiles.writePreviewFiles(previews, previewDir);
    runner.setOutput("preview-dir", previewDir);
    runner.info(`Wrote ${plural(previews.length, "preview")}: ${logText(written.index)}`);
    previewNote =
      `<p>HTML previews: <code>${escapeMarkdown(previewDir)}</code> ` +
      "(upload it with actions/upload-artifact to open <code>index.html</code>).</p>\n\n";
  }
  // The runner's own limit is in bytes, lint-report's in characters: leave room for multi-byte text.
  const markdown = lintReportMarkdown(report, { previews, maxLength: Math.floor(SUMMARY_LIMIT_BYTES / 3) });
  await runner.appendSummary(`${markdown}\n${previewNote}`);

  // Only with a token on a pull request: anything else never loads octokit.
  if (githubToken !== undefined && process.env.GITHUB_EVENT_NAME === "pull_request") {
    const { postPullRequestComment } = await import("./pr-comment.ts");
    const { context: github } = await import("@actions/github");
    const outcome = await postPullRequestComment({
      token: githubToken,
      context: { eventName: github.eventName, repo: github.repo, payload: github.payload },
      report,
      previews,
      cwd,
      workspace: cwd,
      warning: (message) => runner.warning(message),
    });
    if (outcome.posted)
      runner.info(`Pull-request comment ${outcome.action} (${plural(outcome.templates, "changed template")})`);
    else if (outcome.reason === "no-changed-templates")
      runner.info("No pull-request comment: the pull request changes no template file");
  }

  if (report.errors > 0) {
    const failing = report.files.filter((file) => file.findings.some((finding) => finding.severity === "error")).length;
    runner.setFailed(
      `Template lint: ${plural(report.errors, "error")} in ${plural(failing, "file")} ` +
        "(see the annotations and the job summary)",
    );
  }
}

/** `disable`: rule ids, comma- or newline-separated, each checked against the rules lint knows. */
function readDisable(input: InputReader): string[] {
  const ids = input.list("disable") ?? [];
  const known = [...Object.keys(templateFiles.RULES), ...REMOTE_RULES];
  for (const id of ids) {
    if (known.includes(id)) continue;
    const suggestion = templateFiles.closestName(id, known);
    input.problem(
      "disable",
      `unknown rule ${JSON.stringify(id)}${suggestion ? `; did you mean ${JSON.stringify(suggestion)}?` : ""} ` +
        "(the rules are listed in src/template-files/README.md)",
    );
  }
  return ids;
}

/** The vars file, read as carefully as a template file (no FIFO hang, the size cap, UTF-8). */
async function readVarsFile(input: InputReader, path: string): Promise<Record<string, unknown> | undefined> {
  const read = await templateFiles.readTemplateFile(path, { root: "/" });
  if (!read.ok) return input.problem("vars-file", read.finding.message);
  let value: unknown;
  try {
    value = parseYaml(read.source);
  } catch (error) {
    return input.problem("vars-file", `not valid YAML or JSON: ${(error as Error).message.split("\n")[0]}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value))
    return input.problem("vars-file", "expected a mapping of variable names to values");
  return value as Record<string, unknown>;
}

/**
 * The runner keeps 10 annotations of a type; with errors, the step's failure is one more error
 * annotation, so the findings leave room for it. The rest are in the summary and the log.
 */
function annotate(runner: Runner, report: LintReport): void {
  const cap = {
    error: report.errors > 0 ? ANNOTATIONS_PER_TYPE - 1 : ANNOTATIONS_PER_TYPE,
    warning: ANNOTATIONS_PER_TYPE,
  };
  const shown = { error: 0, warning: 0 };
  for (const file of report.files) {
    for (const finding of file.findings) {
      if (shown[finding.severity]++ >= cap[finding.severity]) continue;
      const where = {
        file: finding.file,
        line: finding.line,
        column: finding.column,
        title: `Template ${file.slug ?? file.file} (${finding.rule})`,
      };
      if (finding.severity === "error") runner.error(finding.message, where);
      else runner.warning(finding.message, where);
    }
  }
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? "" : "s"}`;
}

// Findings as a person reads them in a terminal (the shape of tsc's and eslint's output):
// `file:line:column - severity rule: message`, the source line with a caret under the column,
// and a summary line. Text from template files is untrusted: control characters (an ANSI escape
// in a fixture name) are shown as \u escapes rather than sent to the terminal.
import { styleText } from "node:util";
import type * as templateFiles from "../src/template-files/index.ts";

type LintReport = templateFiles.LintReport;
type Finding = templateFiles.Finding;

// Control characters except tab, including C1 and the bidirectional overrides.
const UNSAFE = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

export function safeText(text: string): string {
  return text.replace(UNSAFE, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

export interface Style {
  color: boolean;
}

function paint(style: Style, format: Parameters<typeof styleText>[0], text: string): string {
  return style.color ? styleText(format, text, { validateStream: false }) : text;
}

/** The source line of a finding with a caret under its column (columns count code points). */
export function sourceExcerpt(source: string | undefined, line: number, column: number): string[] {
  if (source === undefined) return [];
  const text = source.split("\n")[line - 1];
  if (text === undefined) return [];
  const chars = [...text.replace(/\r$/, "")];
  const gutter = String(line);
  // The caret lines up under tabs as the line above does.
  const lead = chars
    .slice(0, column - 1)
    .map((char) => (char === "\t" ? "\t" : " "))
    .join("");
  return [`${gutter} ${safeText(chars.join(""))}`, `${" ".repeat(gutter.length)} ${lead}^`];
}

export function formatFinding(finding: Finding, source: string | undefined, style: Style): string {
  const where = paint(style, "cyan", `${safeText(finding.file)}:${finding.line}:${finding.column}`);
  const severity = paint(style, finding.severity === "error" ? "red" : "yellow", finding.severity);
  const rule = paint(style, "gray", finding.rule);
  const excerpt = sourceExcerpt(source, finding.line, finding.column);
  return [
    `${where} - ${severity} ${rule}: ${safeText(finding.message)}`,
    ...(excerpt.length > 0 ? ["", ...excerpt] : []),
    "",
  ].join("\n");
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? "" : "s"}`;
}

export function summaryLine(report: LintReport, style: Style): string {
  const files = report.files.length;
  const failing = report.files.filter((file) => file.findings.length > 0).length;
  if (report.errors + report.warnings === 0)
    return paint(style, "green", `${plural(files, "template file")} checked: no problems.`);
  const counts = `${plural(report.errors, "error")} and ${plural(report.warnings, "warning")} in ${failing} of ${plural(files, "file")}`;
  return paint(style, report.errors > 0 ? "red" : "yellow", `Found ${counts}.`);
}

/** The whole human-readable report. `sources` holds each file's text, for the excerpts. */
export function formatReport(report: LintReport, sources: ReadonlyMap<string, string>, style: Style): string {
  const blocks: string[] = [];
  for (const file of report.files)
    for (const finding of file.findings) blocks.push(formatFinding(finding, sources.get(file.file), style));
  blocks.push(summaryLine(report, style));
  return `${blocks.join("\n")}\n`;
}

/** The report for tools: stable keys, every finding with its rule. */
export function jsonReport(report: LintReport): string {
  return `${JSON.stringify(
    {
      errors: report.errors,
      warnings: report.warnings,
      files: report.files.map((file) => ({ file: file.file, slug: file.slug ?? null, findings: file.findings })),
    },
    null,
    2,
  )}\n`;
}

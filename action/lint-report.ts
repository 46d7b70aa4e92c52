// Markdown for lint mode's job summary and pull-request comment: the findings, then per template
// and fixture what it renders to (subject and text for email, body with encoding and segments
// for SMS, title and body for push), each folded in <details>. Pure functions: the lint mode
// writes the result with @actions/core's summary; pr-comment.ts posts it.
//
// Every string here may come from a fork's pull request (file and fixture names, rendered text),
// so it is written as HTML with entities for every character Markdown or HTML gives a meaning
// to: it can neither break a table, nor open markup, nor mention (@) a user or link (#) an issue.
import type { templateFiles } from "../src/index.ts";

type LintReport = templateFiles.LintReport;
type Preview = templateFiles.Preview;

const ENTITIES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
  "`": "&#96;",
  "*": "&#42;",
  _: "&#95;",
  "|": "&#124;",
  "[": "&#91;",
  "]": "&#93;",
  "(": "&#40;",
  ")": "&#41;",
  "\\": "&#92;",
  "~": "&#126;",
  "#": "&#35;",
  "@": "&#64;",
  "!": "&#33;",
  ":": "&#58;",
  $: "&#36;",
};

/** Untrusted text made inert in Markdown and HTML; line breaks become <br>. */
export function escapeMarkdown(text: string): string {
  return escapeBlock(text).replace(/\r?\n/g, "<br>");
}

/** Like escapeMarkdown but keeps line breaks, for inside <pre>. */
function escapeBlock(text: string): string {
  return (
    text
      .replace(/[&<>"'`*_|[\]()\\~#@!:$]/g, (char) => ENTITIES[char]!)
      // Control characters other than tab and line breaks would garble the page; they are dropped.
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, "")
  );
}

/** A <pre> block: an HTML block that Markdown leaves alone, blank lines included. */
function pre(text: string): string {
  return `<pre>${escapeBlock(text)}</pre>`;
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? "" : "s"}`;
}

const row = (label: string, value: string) => `<tr><th align="left">${label}</th><td>${value}</td></tr>`;

/** One template × fixture, folded. */
export function previewMarkdown(preview: Preview): string {
  const r = preview.rendered;
  let headline: string;
  let body: string[];
  switch (r.channel) {
    case "email":
      headline = r.subject;
      body = [
        `<table>${row("Subject", escapeMarkdown(r.subject))}</table>`,
        "",
        r.text === null ? "<p><i>No text part.</i></p>" : pre(r.text),
      ];
      break;
    case "sms":
      headline = `${r.encoding}, ${plural(r.segments, "segment")}`;
      body = [
        pre(r.body),
        "",
        `<p>${r.encoding}, ${plural(r.segments, "segment")} (${r.units} units, ${r.unitsPerSegment} per segment)</p>`,
      ];
      break;
    case "push":
    case "web_push":
      headline = r.title;
      body = [
        `<table>${row("Title", escapeMarkdown(r.title))}${row("Body", escapeMarkdown(r.body))}</table>`,
        "",
        `<p>Payload: ${r.payloadBytes} of 4096 bytes</p>`,
      ];
      break;
  }
  const missing =
    preview.missing.length > 0
      ? [`<p>Missing variables (rendered empty): ${escapeMarkdown(preview.missing.join(", "))}</p>`]
      : [];
  const summary = `<b>${escapeMarkdown(preview.slug ?? preview.file)}</b> × <code>${escapeMarkdown(preview.fixture)}</code> (${escapeMarkdown(preview.channel)}): ${escapeMarkdown(headline.slice(0, 120))}`;
  return ["<details>", `<summary>${summary}</summary>`, "", ...missing, ...body, "", "</details>", ""].join("\n");
}

export interface LintReportMarkdownOptions {
  previews?: readonly Preview[] | undefined;
  title?: string | undefined;
  /** Stop adding findings and previews past this many characters (a PR comment holds 65,536). */
  maxLength?: number | undefined;
}

/** The findings table and the folded previews. */
export function lintReportMarkdown(report: LintReport, options: LintReportMarkdownOptions = {}): string {
  const maxLength = options.maxLength ?? 1_000_000;
  const parts: string[] = [
    `### ${escapeMarkdown(options.title ?? "SenderKit template lint")}`,
    "",
    `${plural(report.files.length, "template file")}: ${plural(report.errors, "error")}, ${plural(report.warnings, "warning")}.`,
    "",
  ];
  let length = parts.join("\n").length;
  const add = (text: string): boolean => {
    if (length + text.length + 200 > maxLength) return false;
    parts.push(text);
    length += text.length + 1;
    return true;
  };
  const findings = report.files.flatMap((file) => file.findings);
  let omitted = 0;
  if (findings.length > 0) {
    add("<table>\n<tr><th>Where</th><th>Severity</th><th>Rule</th><th>Finding</th></tr>");
    for (const finding of findings) {
      const line =
        `<tr><td><code>${escapeMarkdown(finding.file)}:${finding.line}:${finding.column}</code></td><td>${finding.severity}</td>` +
        `<td><code>${escapeMarkdown(finding.rule)}</code></td><td>${escapeMarkdown(finding.message)}</td></tr>`;
      if (!add(line)) omitted++;
    }
    parts.push("</table>", "");
  }
  const previews = options.previews ?? [];
  if (previews.length > 0) {
    parts.push("#### Previews", "");
    for (const preview of previews) if (!add(previewMarkdown(preview))) omitted++;
  }
  if (omitted > 0)
    parts.push(
      `<p>${omitted} more findings or previews did not fit; the step log and the preview files have them all.</p>`,
      "",
    );
  return parts.join("\n");
}

// Preview files: one HTML page per template × fixture and an index.html, to open in a browser or
// upload as a CI artifact. Every string in them (file names, fixture names, rendered text) may come
// from a fork's pull request, so: all text is HTML-escaped; file names are rebuilt from safe
// characters plus a hash (no fixture name can reach outside the output directory); an email's
// html is shown in an iframe with `sandbox` (no scripts, no same-origin) through `srcdoc`; and
// the pages carry a Content-Security-Policy that allows no script at all.
import { createHash } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { join, relative, resolve, sep } from "node:path";
import { escapeHtml } from "../template/index.ts";
import type { Preview } from "./preview.ts";

const CSP =
  "default-src 'none'; img-src https: data:; style-src 'unsafe-inline'; frame-src 'self' about:; base-uri 'none'; form-action 'none'";

const STYLE = `body{font:15px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem;color:#1f2328}
table{border-collapse:collapse;width:100%}td,th{border:1px solid #d0d7de;padding:.35rem .6rem;text-align:left;vertical-align:top}
pre{white-space:pre-wrap;word-break:break-word;background:#f6f8fa;padding:.6rem;border-radius:6px}
iframe{width:100%;height:28rem;border:1px solid #d0d7de;border-radius:6px;background:#fff}
.meta{color:#59636e}.missing{color:#b35900}`;

/** A file name made of `[A-Za-z0-9_-]`, unique per template file and fixture. */
export function previewFileName(preview: Pick<Preview, "file" | "slug" | "fixture">): string {
  const hash = createHash("sha256").update(`${preview.file}\0${preview.fixture}`).digest("hex").slice(0, 10);
  return `${safePart(preview.slug ?? preview.file)}--${safePart(preview.fixture)}-${hash}.html`;
}

function safePart(text: string): string {
  const safe = text
    .replace(/[^A-Za-z0-9_-]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 48);
  return safe === "" ? "x" : safe;
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(CSP)}">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
${body}
</body>
</html>
`;
}

const pre = (text: string) => `<pre>${escapeHtml(text)}</pre>`;
const row = (label: string, value: string) => `<tr><th>${escapeHtml(label)}</th><td>${value}</td></tr>`;

/** The rendered message of one preview as an HTML fragment. */
export function renderedHtml(preview: Preview): string {
  const r = preview.rendered;
  switch (r.channel) {
    case "email":
      return [
        "<table>",
        row("Subject", escapeHtml(r.subject)),
        "</table>",
        "<h2>HTML</h2>",
        // No allow-scripts and no allow-same-origin: the template's markup cannot run code or reach this page.
        `<iframe sandbox="" referrerpolicy="no-referrer" title="email html" srcdoc="${escapeHtml(r.html)}"></iframe>`,
        "<h2>Text</h2>",
        r.text === null ? '<p class="missing">No text part.</p>' : pre(r.text),
      ].join("\n");
    case "sms":
      return [
        pre(r.body),
        "<table>",
        row("Encoding", escapeHtml(r.encoding)),
        row("Segments", `${r.segments} (${r.units} units, ${r.unitsPerSegment} per segment)`),
        "</table>",
      ].join("\n");
    case "push":
      return [
        "<table>",
        row("Title", escapeHtml(r.title)),
        row("Body", escapeHtml(r.body)),
        row("Badge", r.badge === null ? "" : String(r.badge)),
        row("Data", r.data === null ? "" : pre(JSON.stringify(r.data, null, 2))),
        row("Payload", `${r.payloadBytes} bytes of 4096`),
        "</table>",
      ].join("\n");
    case "web_push":
      return [
        "<table>",
        row("Title", escapeHtml(r.title)),
        row("Body", escapeHtml(r.body)),
        // Shown as text, never as a link: a `javascript:` URL must not become clickable here.
        row("Click URL", r.clickUrl === null ? "" : `<code>${escapeHtml(r.clickUrl)}</code>`),
        row("Icon", r.icon === null ? "" : `<code>${escapeHtml(r.icon)}</code>`),
        row("Payload", `${r.payloadBytes} bytes of 4096`),
        "</table>",
      ].join("\n");
  }
}

function previewPage(preview: Preview): string {
  const title = `${preview.slug ?? preview.file} × ${preview.fixture}`;
  const missing =
    preview.missing.length === 0
      ? ""
      : `<p class="missing">Missing variables (rendered empty): ${escapeHtml(preview.missing.join(", "))}</p>`;
  return page(
    title,
    [
      `<p><a href="index.html">← all previews</a></p>`,
      `<h1>${escapeHtml(preview.name ?? preview.slug ?? preview.file)}</h1>`,
      `<p class="meta">${escapeHtml(preview.channel)} · <code>${escapeHtml(preview.file)}</code> · fixture <code>${escapeHtml(preview.fixture)}</code></p>`,
      missing,
      renderedHtml(preview),
    ].join("\n"),
  );
}

/** A one-line summary of what a preview renders to, for the index. */
export function previewSummary(preview: Preview): string {
  const r = preview.rendered;
  switch (r.channel) {
    case "email":
      return r.subject;
    case "sms":
      return `${excerpt(r.body)} (${r.encoding}, ${r.segments} segment${r.segments === 1 ? "" : "s"})`;
    case "push":
    case "web_push":
      return `${r.title}: ${excerpt(r.body)}`;
  }
}

/** The first `max` code points (an emoji is never cut in half), with an ellipsis when cut. */
function excerpt(text: string, max = 80): string {
  const codePoints = Array.from(text);
  return codePoints.length <= max ? text : `${codePoints.slice(0, max).join("")}…`;
}

export interface WrittenPreviews {
  /** The index page's path. */
  index: string;
  /** Each preview page's path, in the order of the previews given. */
  pages: string[];
}

/** Writes one page per preview and `index.html` into `outDir` (created if needed). */
export async function writePreviewFiles(previews: readonly Preview[], outDir: string): Promise<WrittenPreviews> {
  const dir = resolve(outDir);
  await mkdir(dir, { recursive: true });
  const pages: string[] = [];
  const rows: string[] = [];
  for (const preview of previews) {
    const name = previewFileName(preview);
    const path = join(dir, name);
    // The name is built from safe characters; this guards the rule itself.
    if (relative(dir, path).includes(sep))
      throw new Error(`preview file name ${JSON.stringify(name)} leaves the output directory`);
    await writeFile(path, previewPage(preview));
    pages.push(path);
    rows.push(
      `<tr><td><a href="${escapeHtml(name)}">${escapeHtml(preview.slug ?? preview.file)}</a></td>` +
        `<td>${escapeHtml(preview.fixture)}</td><td>${escapeHtml(preview.channel)}</td>` +
        `<td>${escapeHtml(previewSummary(preview))}</td><td><code>${escapeHtml(preview.file)}</code></td></tr>`,
    );
  }
  const table =
    previews.length === 0
      ? "<p>No template to preview.</p>"
      : `<table>\n<tr><th>Template</th><th>Fixture</th><th>Channel</th><th>Renders to</th><th>File</th></tr>\n${rows.join("\n")}\n</table>`;
  const index = join(dir, "index.html");
  await writeFile(
    index,
    page(
      "SenderKit template previews",
      `<h1>Template previews</h1>\n<p class="meta">${previews.length} previews</p>\n${table}`,
    ),
  );
  return { index, pages };
}

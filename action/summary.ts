// Markdown for the job summary. Cells are escaped here, so text from rows, templates or the API
// can neither break a table nor inject HTML into the summary page.

/** A table cell: text, a number, or text shown as code. */
export type Cell = string | number | { code: string };

export function markdownTable(headers: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const line = (cells: readonly Cell[]) => `| ${cells.map(renderCell).join(" | ")} |`;
  return [line(headers), `|${headers.map(() => " --- ").join("|")}|`, ...rows.map(line)].join("\n");
}

function renderCell(cell: Cell): string {
  if (typeof cell === "number") return String(cell);
  if (typeof cell === "string") return escapeText(cell);
  // <code> rather than backticks: a backtick inside the value cannot end it early.
  return codeText(cell.code);
}

/** Text shown as code, inline or in a cell (Markdown escapes do not work inside backticks). */
export function codeText(text: string): string {
  // Markdown still applies inside inline HTML: `*`, `_`, `~`, `[`, `` ` `` and `\\` become entities.
  const inert = escapeHtml(text).replace(/[|*_~[\]`\\]/g, (char) => `&#${char.charCodeAt(0)};`);
  return text === "" ? "" : `<code>${inert.replace(/\r?\n/g, " ")}</code>`;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** Text safe inside a table cell and outside one: HTML and Markdown specials are neutralised. */
export function escapeText(text: string): string {
  return escapeHtml(text)
    .replace(/\|/g, "&#124;")
    .replace(/[`*_~[\]\\]/g, (char) => `\\${char}`)
    .replace(/\r?\n/g, "<br>");
}

/** "1 message" / "2,000 messages". */
export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${groupDigits(count)} ${count === 1 ? singular : pluralForm}`;
}

/**
 * 12345.6 → "12,345.6". By hand rather than toLocaleString: the first Intl call loads ICU's
 * number data, which every lint run would pay for at start-up (bench row "action-start").
 */
export function groupDigits(value: number): string {
  const [whole = "", fraction] = String(value).split(".");
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return fraction === undefined ? grouped : `${grouped}.${fraction}`;
}

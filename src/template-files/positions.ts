// Where a character of a YAML (or JSON) string value sits in its file. A template's placeholders
// and syntax errors are found in the decoded string (`<p>Hi {{ name }}</p>`); a finding must point
// into the file, where the same text may be indented inside a block scalar, folded across lines,
// or spelled with escapes inside quotes (`"Hi \"{{ name }}\""`, JSON's `\n` and `\u00e9`).
//
// `scalarSourceMap` decodes the scalar's source text again, style by style, recording for each
// decoded UTF-16 unit the file offset it came from. The result is checked against the value the
// `yaml` package decoded: on any disagreement it returns undefined and callers fall back to the
// start of the scalar, so a position is never wrong, at worst imprecise.
import { Scalar } from "yaml";

export interface ScalarLike {
  type?: string | undefined;
  value: unknown;
  range?: [number, number, number] | null | undefined;
  /** With `keepSourceTokens`: the CST token; block scalars read their parent's indent from it. */
  srcToken?: { indent?: number } | undefined;
}

/** `map[k]` is the file offset of decoded unit `k`; `map[value.length]` is where the value ends. */
export function scalarSourceMap(source: string, node: ScalarLike): number[] | undefined {
  if (typeof node.value !== "string" || !node.range) return undefined;
  const [start, end] = node.range;
  let decoded: Decoded;
  switch (node.type) {
    case Scalar.PLAIN:
      decoded = decodeFlow(source, start, end, "plain");
      break;
    case Scalar.QUOTE_SINGLE:
      decoded = decodeFlow(source, start + 1, end - 1, "single");
      break;
    case Scalar.QUOTE_DOUBLE:
      decoded = decodeFlow(source, start + 1, end - 1, "double");
      break;
    case Scalar.BLOCK_LITERAL:
    case Scalar.BLOCK_FOLDED:
      decoded = decodeBlock(source, start, end, node.type === Scalar.BLOCK_FOLDED, node.srcToken?.indent ?? 0);
      break;
    default:
      return undefined;
  }
  if (decoded.text !== node.value) return undefined;
  decoded.map.push(end);
  return decoded.map;
}

interface Decoded {
  text: string;
  map: number[];
}

class Builder {
  text = "";
  readonly map: number[] = [];
  /** Text that came from one place in the file (an escape, a folded line break). */
  add(text: string, offset: number): void {
    this.text += text;
    for (let i = 0; i < text.length; i++) this.map.push(offset);
  }
  /** Text copied as it is from the file, starting at `offset`. */
  copy(text: string, offset: number): void {
    this.text += text;
    for (let i = 0; i < text.length; i++) this.map.push(offset + i);
  }
  /** Removes trailing spaces and tabs added so far (white space before a folded line break). */
  trimTrailingWhite(): void {
    let length = this.text.length;
    while (length > 0 && isWhite(this.text.charCodeAt(length - 1))) length--;
    this.text = this.text.slice(0, length);
    this.map.length = length;
  }
}

function isWhite(code: number): boolean {
  return code === 0x20 || code === 0x09;
}

const DOUBLE_QUOTED_ESCAPES: Record<string, string> = {
  "0": "\0",
  a: "\x07",
  b: "\b",
  t: "\t",
  "\t": "\t",
  n: "\n",
  v: "\v",
  f: "\f",
  r: "\r",
  e: "\x1b",
  " ": " ",
  '"': '"',
  "/": "/",
  "\\": "\\",
  N: "\x85",
  _: "\xa0",
  L: "\u2028",
  P: "\u2029",
};
const HEX_ESCAPE_LENGTH: Record<string, number> = { x: 2, u: 4, U: 8 };

/**
 * Plain and quoted scalars. A line break folds: the white space around it goes, one break
 * becomes a space, and n + 1 breaks (n empty lines) become n newlines. In double quotes an
 * escaped break (`\` at the end of a line) joins the lines with nothing.
 */
function decodeFlow(source: string, from: number, to: number, style: "plain" | "single" | "double"): Decoded {
  const out = new Builder();
  let i = from;
  while (i < to) {
    const char = source[i]!;
    if (char === "\n" || (char === "\r" && source[i + 1] === "\n")) {
      out.trimTrailingWhite();
      let breaks = 0;
      let breakOffset = i;
      // Consume this break, any empty lines, and the next line's indentation.
      while (i < to) {
        const c = source[i]!;
        if (c === "\n") {
          breaks++;
          breakOffset = i;
          i++;
        } else if (c === "\r" || isWhite(c.charCodeAt(0))) {
          i++;
        } else {
          break;
        }
      }
      out.add(breaks === 1 ? " " : "\n".repeat(breaks - 1), breakOffset);
      continue;
    }
    if (style === "single" && char === "'" && source[i + 1] === "'") {
      out.add("'", i);
      i += 2;
      continue;
    }
    if (style === "double" && char === "\\") {
      const next = source[i + 1] ?? "";
      if (next === "\n" || next === "\r") {
        // An escaped line break: the break and the next line's indentation disappear.
        i += next === "\r" && source[i + 2] === "\n" ? 3 : 2;
        while (i < to && isWhite(source.charCodeAt(i))) i++;
        continue;
      }
      const length = HEX_ESCAPE_LENGTH[next];
      if (length !== undefined) {
        const codePoint = Number.parseInt(source.slice(i + 2, i + 2 + length), 16);
        out.add(Number.isNaN(codePoint) ? "" : String.fromCodePoint(codePoint), i);
        i += 2 + length;
        continue;
      }
      out.add(DOUBLE_QUOTED_ESCAPES[next] ?? "", i);
      i += 2;
      continue;
    }
    out.copy(char, i);
    i++;
  }
  return { text: out.text, map: out.map };
}

/**
 * Block scalars (`|` literal, `>` folded): a header line (indicator, optional indentation digit
 * and chomping sign, optional comment), then lines indented by at least the content indent.
 */
function decodeBlock(source: string, from: number, to: number, folded: boolean, parentIndent: number): Decoded {
  const headerEnd = source.indexOf("\n", from);
  if (headerEnd < 0 || headerEnd >= to) return { text: "", map: [] };
  const header = source
    .slice(from + 1, headerEnd)
    .replace(/\s+#.*$/, "")
    .trim();
  const chomping = header.includes("-") ? "strip" : header.includes("+") ? "keep" : "clip";
  const explicit = /[1-9]/.exec(header)?.[0];

  // The content lines, each with its offset in the file.
  const lines: { text: string; offset: number }[] = [];
  for (let start = headerEnd + 1; start < to;) {
    let end = source.indexOf("\n", start);
    if (end < 0 || end > to) end = to;
    lines.push({ text: source.slice(start, end).replace(/\r$/, ""), offset: start });
    start = end + 1;
  }
  // Without an indentation digit, the first non-empty line sets the indent.
  const firstContent = lines.find((line) => line.text.trim() !== "");
  const indent =
    explicit !== undefined
      ? parentIndent + Number(explicit)
      : firstContent
        ? firstContent.text.length - firstContent.text.trimStart().length
        : 0;

  const out = new Builder();
  let pendingBreaks: number[] = []; // offsets of line breaks not yet written
  let previousKind: "none" | "normal" | "more" = "none";
  for (const line of lines) {
    const isEmpty = line.text.length <= indent && line.text.trim() === "";
    if (isEmpty) {
      pendingBreaks.push(line.offset + line.text.length);
      continue;
    }
    const body = line.text.slice(indent);
    const kind = isWhite(body.charCodeAt(0)) ? "more" : "normal";
    if (previousKind !== "none") {
      const [first, ...rest] = pendingBreaks;
      if (folded && previousKind === "normal" && kind === "normal") {
        // One break folds into a space; with empty lines after it, the first break goes.
        if (rest.length === 0) out.add(" ", first!);
        else for (const offset of rest) out.add("\n", offset);
      } else {
        for (const offset of pendingBreaks) out.add("\n", offset);
      }
    } else {
      for (const offset of pendingBreaks) out.add("\n", offset); // leading empty lines
    }
    out.copy(body, line.offset + indent);
    pendingBreaks = [line.offset + line.text.length];
    previousKind = kind;
  }
  // Chomping decides what the trailing line breaks become.
  if (previousKind !== "none" && chomping !== "strip") {
    const kept = chomping === "keep" ? pendingBreaks : pendingBreaks.slice(0, 1);
    for (const offset of kept) out.add("\n", offset);
  } else if (previousKind === "none" && chomping === "keep") {
    for (const offset of pendingBreaks) out.add("\n", offset);
  }
  return { text: out.text, map: out.map };
}

/** 1-based line and column (in code points, as the template language counts) of file offsets. */
export class LineIndex {
  readonly #source: string;
  readonly #lineStarts: number[] = [0];

  constructor(source: string) {
    this.#source = source;
    for (let i = 0; i < source.length; i++) if (source.charCodeAt(i) === 10) this.#lineStarts.push(i + 1);
  }

  position(offset: number): { line: number; column: number } {
    let low = 0;
    let high = this.#lineStarts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (this.#lineStarts[middle]! <= offset) low = middle;
      else high = middle - 1;
    }
    const lineStart = this.#lineStarts[low]!;
    return { line: low + 1, column: codePointsBetween(this.#source, lineStart, offset) + 1 };
  }
}

/** The UTF-16 offset in `text` of a 1-based line and code-point column (clamped to the text). */
export function offsetOfLineColumn(text: string, line: number, column: number): number {
  let offset = 0;
  for (let current = 1; current < line; current++) {
    const next = text.indexOf("\n", offset);
    if (next < 0) return text.length;
    offset = next + 1;
  }
  for (let counted = 1; counted < column && offset < text.length; counted++) {
    const code = text.charCodeAt(offset);
    offset += code >= 0xd800 && code <= 0xdbff ? 2 : 1;
  }
  return offset;
}

function codePointsBetween(text: string, from: number, to: number): number {
  let count = 0;
  for (let i = from; i < to; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff && i + 1 < to) i++;
    count++;
  }
  return count;
}

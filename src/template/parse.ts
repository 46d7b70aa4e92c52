// The template scanner (contract sections 7 and 10). Hand-written and single-pass: the sandbox
// parses on every send and the linter parses whole repositories, so no regular expressions run
// on user input and every character is looked at a bounded number of times.
//
// Grammar inside the braces (whitespace = space, tab, CR, LF, allowed between any two tokens):
//   {{ path }}   {{ path | default: "text" }}   {{{ path }}}   {{{ path | default: "text" }}}
// A tag is split into tokens: `|`, `:`, a double-quoted string, the closing braces, an opening
// `{{` (which abandons the tag as unclosed), and words (any other run of characters).
// The first token that does not fit the grammar decides the error; the scan still runs on to
// the closing braces so that the next tag starts in the right place.

import { PositionCursor } from "./position.ts";
import type {
  ParsedTemplate,
  Placeholder,
  TemplatePart,
  TemplateSyntaxError,
  TemplateSyntaxMessage,
  VariableSlot,
} from "./types.ts";

const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const SPACE = 0x20;
const QUOTE = 0x22;
const COLON = 0x3a;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const PIPE = 0x7c;
const CLOSE_BRACE = 0x7d;

const DEFAULT_FILTER = "default";

// Where the tag scanner is in the grammar. Plain numbers: enums are not erasable syntax.
const EXPECT_PATH = 0;
const AFTER_PATH = 1;
const AFTER_PIPE = 2;
const AFTER_FILTER = 3;
const AFTER_COLON = 4;
const AFTER_DEFAULT = 5;
type TagState = 0 | 1 | 2 | 3 | 4 | 5;

/** Up to the path's end, a stray token makes the path malformed; after the `|`, the filter. */
function errorFor(state: TagState): TemplateSyntaxMessage {
  return state <= AFTER_PATH ? "invalid path" : "invalid filter";
}

function isSpace(code: number): boolean {
  return code === SPACE || code === TAB || code === LF || code === CR;
}

function isNameStart(code: number): boolean {
  return (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a) || code === 0x5f;
}

function isNamePart(code: number): boolean {
  return isNameStart(code) || (code >= 0x30 && code <= 0x39);
}

/** `name(.name)*` with `name` = `[A-Za-z_][A-Za-z0-9_]*`, checked between `from` and `to`. */
function isValidPath(source: string, from: number, to: number): boolean {
  let atNameStart = true;
  for (let i = from; i < to; i++) {
    const code = source.charCodeAt(i);
    if (atNameStart) {
      if (!isNameStart(code)) return false;
      atNameStart = false;
    } else if (code === 0x2e) {
      atNameStart = true;
    } else if (!isNamePart(code)) {
      return false;
    }
  }
  return !atNameStart; // false for an empty path and for a trailing dot
}

type TagScan =
  | {
      closed: true;
      end: number;
      error: TemplateSyntaxMessage | undefined;
      path: string;
      defaultValue: string | undefined;
    }
  | { closed: false; resume: number };

type StringScan = { terminated: true; end: number; value: string; badEscape: boolean } | { terminated: false };

/**
 * Scans one tag. Lives in a class only to carry `unterminatedFrom` across the tags of a source:
 * once a string starting at some quote runs off the end, any string starting at a later quote
 * does too (both scans line up after that quote), so it is not scanned again. Without that,
 * many unterminated defaults would each rescan the rest of the source.
 */
class TagScanner {
  private readonly source: string;
  private unterminatedFrom = Infinity;

  constructor(source: string) {
    this.source = source;
  }

  scan(open: number, raw: boolean): TagScan {
    const source = this.source;
    const length = source.length;
    const closerLength = raw ? 3 : 2;
    let i = open + closerLength; // the opener is as long as the closer
    let state: TagState = EXPECT_PATH;
    let error: TemplateSyntaxMessage | undefined;
    let path = "";
    let defaultValue: string | undefined;

    for (;;) {
      while (i < length && isSpace(source.charCodeAt(i))) i++;
      if (i >= length) return { closed: false, resume: length };
      const code = source.charCodeAt(i);

      if (code === CLOSE_BRACE && this.isCloser(i, raw)) {
        if (state !== AFTER_PATH && state !== AFTER_DEFAULT) error ??= errorFor(state);
        return { closed: true, end: i + closerLength, error, path, defaultValue };
      }
      // `{{ a {{ b }}`: the first tag is unclosed and parsing resumes at the second.
      if (code === OPEN_BRACE && source.charCodeAt(i + 1) === OPEN_BRACE) return { closed: false, resume: i };

      if (code === PIPE) {
        if (state === AFTER_PATH) state = AFTER_PIPE;
        else error ??= errorFor(state); // includes a second filter after a default
        i++;
        continue;
      }
      if (code === COLON) {
        if (state === AFTER_FILTER) state = AFTER_COLON;
        else error ??= errorFor(state);
        i++;
        continue;
      }
      if (code === QUOTE) {
        const literal = this.scanString(i);
        if (!literal.terminated) {
          // An unterminated default: `invalid filter` up to the next closer, if there is one.
          const closer = source.indexOf(raw ? "}}}" : "}}", i + 1);
          if (closer < 0) return { closed: false, resume: length };
          error ??= errorFor(state);
          return { closed: true, end: closer + closerLength, error, path, defaultValue };
        }
        if (state === AFTER_COLON && !literal.badEscape) {
          defaultValue = literal.value;
          state = AFTER_DEFAULT;
        } else {
          error ??= errorFor(state);
        }
        i = literal.end;
        continue;
      }

      const wordStart = i;
      i = this.wordEnd(i, raw);
      if (state === EXPECT_PATH) {
        if (isValidPath(source, wordStart, i)) path = source.slice(wordStart, i);
        else error ??= "invalid path";
        state = AFTER_PATH;
      } else if (state === AFTER_PIPE) {
        if (!source.startsWith(DEFAULT_FILTER, wordStart) || i - wordStart !== DEFAULT_FILTER.length) {
          error ??= "invalid filter";
        }
        state = AFTER_FILTER;
      } else {
        error ??= errorFor(state); // `{{ a b }}`, `default x`, an unquoted default, trailing junk
      }
    }
  }

  /** `}}` closes `{{`; only `}}}` closes `{{{` (so `{{{ x }}` is unclosed). */
  private isCloser(i: number, raw: boolean): boolean {
    const source = this.source;
    return (
      source.charCodeAt(i) === CLOSE_BRACE &&
      source.charCodeAt(i + 1) === CLOSE_BRACE &&
      (!raw || source.charCodeAt(i + 2) === CLOSE_BRACE)
    );
  }

  /** A word runs until whitespace, `|`, `:`, `"`, an opening `{{` or the tag's closer. */
  private wordEnd(i: number, raw: boolean): number {
    const source = this.source;
    const length = source.length;
    // The first character always belongs to the word (the caller has ruled out the rest).
    i++;
    while (i < length) {
      const code = source.charCodeAt(i);
      if (isSpace(code) || code === PIPE || code === COLON || code === QUOTE) break;
      if (code === OPEN_BRACE && source.charCodeAt(i + 1) === OPEN_BRACE) break;
      if (code === CLOSE_BRACE && this.isCloser(i, raw)) break;
      i++;
    }
    return i;
  }

  /** A double-quoted string from the quote at `quote`; `\"` and `\\` are its only escapes. */
  private scanString(quote: number): StringScan {
    if (quote > this.unterminatedFrom) return { terminated: false };
    const source = this.source;
    const length = source.length;
    let value = "";
    let chunkStart = quote + 1;
    let badEscape = false;
    let i = quote + 1;
    while (i < length) {
      const code = source.charCodeAt(i);
      if (code === QUOTE) {
        return { terminated: true, end: i + 1, value: value + source.slice(chunkStart, i), badEscape };
      }
      if (code === BACKSLASH) {
        if (i + 1 >= length) break;
        const next = source.charCodeAt(i + 1);
        if (next === QUOTE || next === BACKSLASH) {
          value += source.slice(chunkStart, i);
          chunkStart = i + 1; // keep the escaped character, drop the backslash
        } else {
          badEscape = true; // still skip the pair, so `\x"` does not end the string early
        }
        i += 2;
        continue;
      }
      i++;
    }
    this.unterminatedFrom = quote;
    return { terminated: false };
  }
}

/** Parses a template source. Never throws; a faulty tag becomes an error and literal text. */
export function parseTemplate(source: string): ParsedTemplate {
  const placeholders: Placeholder[] = [];
  const errors: TemplateSyntaxError[] = [];
  const parts: TemplatePart[] = [];
  const slots: VariableSlot[] = [];
  const variableIndex = new Map<string, number>();
  const positions = new PositionCursor(source);
  const tags = new TagScanner(source);

  let literal = ""; // literal text already cut out (escapes removed), not yet in `parts`
  let literalStart = 0; // start of literal text still in the source
  let scanFrom = 0;

  for (;;) {
    const open = source.indexOf("{{", scanFrom);
    if (open < 0) break;

    // `\{{` is a literal `{{`; the backslash must not belong to a tag scanned already.
    if (open > scanFrom && source.charCodeAt(open - 1) === BACKSLASH) {
      literal += source.slice(literalStart, open - 1);
      literalStart = open;
      scanFrom = open + 2;
      continue;
    }

    const raw = source.charCodeAt(open + 2) === OPEN_BRACE;
    const tag = tags.scan(open, raw);
    const { line, column } = positions.at(open);

    if (!tag.closed) {
      errors.push({ message: "unclosed placeholder", line, column });
      scanFrom = tag.resume; // the abandoned opener stays in the literal text
      continue;
    }
    scanFrom = tag.end;
    if (tag.error !== undefined) {
      errors.push({ message: tag.error, line, column });
      continue;
    }

    literal += source.slice(literalStart, open);
    if (literal !== "") parts.push(literal);
    literal = "";
    literalStart = tag.end;

    const placeholder: Placeholder = { path: tag.path, raw, line, column, start: open, end: tag.end };
    if (tag.defaultValue !== undefined) placeholder.default = tag.defaultValue;
    placeholders.push(placeholder);

    let variable = variableIndex.get(tag.path);
    if (variable === undefined) {
      variable = slots.length;
      variableIndex.set(tag.path, variable);
      slots.push({ path: tag.path, keys: tag.path.split("."), required: false });
    }
    // A variable used both with and without a default is required.
    if (tag.defaultValue === undefined) slots[variable]!.required = true;
    parts.push({ placeholder, variable });
  }

  literal += source.slice(literalStart);
  if (literal !== "") parts.push(literal);

  return {
    source,
    placeholders,
    errors,
    variables: slots.map((slot) => slot.path),
    requiredVariables: slots.filter((slot) => slot.required).map((slot) => slot.path),
    slots,
    parts,
  };
}

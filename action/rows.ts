// Streamed rows of a batch file: CSV (with a header line), a JSON array of objects, or NDJSON
// (one object per line), by extension. Rows come one at a time from a file stream, so memory
// does not grow with the file. A row that cannot be read becomes a row with an `error` (the
// others still go out); a file whose structure is broken (an unclosed quote or bracket) throws
// a RowFileError, which the batch finds in its checking pass before anything is sent.
import { createReadStream } from "node:fs";
import { extname } from "node:path";
import { createInterface } from "node:readline";
import { parse as parseCsv } from "csv-parse";
import { setOwn } from "../src/internal/plain-objects.ts";

export type RowFormat = "csv" | "json" | "ndjson";

export interface FileRow {
  /** 1-based, counted over the whole file (the CSV header is not a row). */
  row: number;
  /** The line where the row starts. */
  line: number;
  /** The row's fields; absent when the row could not be read. */
  value?: Record<string, unknown>;
  error?: string;
}

export class RowFileError extends Error {
  override name = "RowFileError";
  readonly line: number | undefined;
  constructor(message: string, line?: number) {
    super(line === undefined ? message : `line ${line}: ${message}`);
    this.line = line;
  }
}

const FORMATS: Record<string, RowFormat> = { ".csv": "csv", ".json": "json", ".ndjson": "ndjson", ".jsonl": "ndjson" };

export function formatOfFile(path: string): RowFormat | undefined {
  return FORMATS[extname(path).toLowerCase()];
}

export const SUPPORTED_EXTENSIONS = Object.keys(FORMATS);

export function readRows(path: string, format: RowFormat): AsyncGenerator<FileRow> {
  if (format === "csv") return readCsvRows(path);
  if (format === "ndjson") return readNdjsonRows(path);
  return readJsonArrayRows(path);
}

/**
 * CSV with a header line. Cells are trimmed; an empty cell is left out of the row, so a
 * template's `default` applies to it. A row with more or fewer cells than the header is a bad row.
 */
export async function* readCsvRows(path: string): AsyncGenerator<FileRow> {
  const parser = createReadStream(path).pipe(
    parseCsv({
      bom: true,
      raw: true,
      skip_empty_lines: true,
      relax_column_count: true,
      relax_quotes: true,
      trim: true,
      max_record_size: MAX_CSV_RECORD_BYTES,
    }),
  );
  let header: string[] | undefined;
  let row = 0;
  let breaksBefore = 0;
  try {
    for await (const { record, raw } of parser as AsyncIterable<{ record: string[]; raw: string }>) {
      // A record's raw text holds the empty lines skipped before it and its own line breaks.
      const line = 1 + breaksBefore + leadingLineBreaks(raw);
      breaksBefore += lineBreaks(raw);
      if (header === undefined) {
        header = record;
        const duplicate = header.find((name, index) => header!.indexOf(name) !== index);
        if (duplicate !== undefined)
          throw new RowFileError(`the header names the column ${JSON.stringify(duplicate)} twice`, line);
        if (header.includes("")) throw new RowFileError("the header has an empty column name", line);
        continue;
      }
      row++;
      if (record.length !== header.length) {
        yield { row, line, error: `has ${record.length} cells, the header has ${header.length}` };
        continue;
      }
      const value: Record<string, unknown> = {};
      header.forEach((name, index) => {
        const cell = record[index];
        if (cell !== undefined && cell !== "") setOwn(value, name, cell);
      });
      yield { row, line, value };
    }
  } catch (error) {
    if (error instanceof RowFileError) throw error;
    const { message, code, raw } = error as { message?: string; code?: string; raw?: unknown };
    // The record that broke starts after the last one read (its raw text, as far as the parser
    // got, holds the empty lines skipped before it). csv-parse's own line is where it gave up:
    // for an unclosed quote, the end of the file or 1 MiB later.
    const start = 1 + breaksBefore + (typeof raw === "string" ? leadingLineBreaks(raw) : 0);
    const reason =
      code === "CSV_QUOTE_NOT_CLOSED"
        ? "a quote opened in it is never closed"
        : code === "CSV_MAX_RECORD_SIZE"
          ? `it is longer than ${MAX_CSV_RECORD_BYTES / 1_048_576} MiB (a quote opened in it and never closed?)`
          : (message ?? String(error));
    throw new RowFileError(`not valid CSV: the record starting on line ${start}: ${reason}`, start);
  }
}

/** The longest CSV record read: an unclosed quote fails there instead of reading the whole file into one record. */
const MAX_CSV_RECORD_BYTES = 1_048_576;

/** Line breaks in `text`: CRLF, a lone LF and a lone CR count one each. */
function lineBreaks(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x0a || (code === 0x0d && text.charCodeAt(i + 1) !== 0x0a)) count++;
  }
  return count;
}

function leadingLineBreaks(text: string): number {
  const leading = /^[\r\n]*/.exec(text)?.[0] ?? "";
  return lineBreaks(leading);
}

/** The CSV header alone (the first record), to check columns before reading rows. */
export async function readCsvHeader(path: string): Promise<string[]> {
  const parser = createReadStream(path).pipe(
    parseCsv({
      bom: true,
      skip_empty_lines: true,
      relax_quotes: true,
      trim: true,
      to_line: 1,
      max_record_size: MAX_CSV_RECORD_BYTES,
    }),
  );
  for await (const record of parser as AsyncIterable<string[]>) return record;
  return [];
}

/** One JSON object per line; blank lines are skipped. */
export async function* readNdjsonRows(path: string): AsyncGenerator<FileRow> {
  const lines = createInterface({ input: createReadStream(path, { encoding: "utf8" }), crlfDelay: Infinity });
  let row = 0;
  let line = 0;
  for await (const text of lines) {
    line++;
    const trimmed = (line === 1 ? text.replace(/^\uFEFF/, "") : text).trim();
    if (trimmed === "") continue;
    row++;
    yield parseRowJson(trimmed, row, line);
  }
}

/**
 * The elements of a top-level JSON array, one at a time. A scanner finds where each element ends
 * (tracking strings and nesting) without parsing the whole file; each element is then parsed on
 * its own, so a malformed element is one bad row while the rest are read.
 */
export async function* readJsonArrayRows(path: string): AsyncGenerator<FileRow> {
  const scanner = new JsonArrayScanner();
  for await (const chunk of createReadStream(path, { encoding: "utf8" })) {
    yield* scanner.push(chunk as string);
  }
  scanner.end();
}

const BEFORE_ARRAY = 0;
const BEFORE_ELEMENT = 1;
const IN_ELEMENT = 2;
const AFTER_ELEMENT = 3;
const AFTER_ARRAY = 4;
/** No row needs more: a whole request body is at most 1 MiB. */
const MAX_ELEMENT_LENGTH = 1_048_576;

export class JsonArrayScanner {
  #state = BEFORE_ARRAY;
  #line = 1;
  #row = 0;
  /** Text of the element being read, in pieces (an element may span chunks). */
  #pieces: string[] = [];
  #elementLine = 1;
  #depth = 0;
  #inString = false;
  #escaped = false;
  #first = true;
  #pendingLength = 0;

  *push(chunk: string): Generator<FileRow> {
    let text = chunk;
    if (this.#first) {
      text = text.replace(/^\uFEFF/, "");
      this.#first = false;
    }
    let elementStart = this.#state === IN_ELEMENT ? 0 : -1;
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if (this.#state === IN_ELEMENT) {
        if (code === 0x0a) this.#line++;
        if (this.#inString) {
          if (this.#escaped) this.#escaped = false;
          else if (code === 0x5c) this.#escaped = true;
          else if (code === 0x22) this.#inString = false;
          continue;
        }
        if (code === 0x22) {
          this.#inString = true;
        } else if (code === 0x7b || code === 0x5b) {
          this.#depth++;
        } else if ((code === 0x7d || code === 0x5d) && this.#depth > 0) {
          if (--this.#depth === 0) {
            yield this.#finishElement(text.slice(elementStart, i + 1));
            elementStart = -1;
            this.#state = AFTER_ELEMENT;
          }
        } else if (this.#depth === 0 && (code === 0x5d || code === 0x2c)) {
          // A scalar element ends at the `,` after it or at the `]` closing the array.
          yield this.#finishElement(text.slice(elementStart, i));
          elementStart = -1;
          this.#state = code === 0x5d ? AFTER_ARRAY : BEFORE_ELEMENT;
        } else if (this.#depth === 0 && code === 0x7d) {
          throw new RowFileError("unexpected } in the array", this.#line);
        }
        continue;
      }
      if (code === 0x0a) {
        this.#line++;
        continue;
      }
      if (code === 0x20 || code === 0x09 || code === 0x0d) continue;
      switch (this.#state) {
        case BEFORE_ARRAY:
          if (code !== 0x5b) throw new RowFileError("expected a JSON array of objects ([{...}, {...}])", this.#line);
          this.#state = BEFORE_ELEMENT;
          break;
        case BEFORE_ELEMENT:
          if (code === 0x5d && this.#row === 0) {
            this.#state = AFTER_ARRAY; // []
            break;
          }
          if (code === 0x2c || code === 0x5d) throw new RowFileError("expected an element of the array", this.#line);
          this.#state = IN_ELEMENT;
          this.#elementLine = this.#line;
          elementStart = i;
          i--; // read this character again as the element's first
          break;
        case AFTER_ELEMENT:
          if (code === 0x2c) this.#state = BEFORE_ELEMENT;
          else if (code === 0x5d) this.#state = AFTER_ARRAY;
          else
            throw new RowFileError(
              `expected , or ] after an element of the array, got ${JSON.stringify(text[i])}`,
              this.#line,
            );
          break;
        case AFTER_ARRAY:
          throw new RowFileError("unexpected text after the end of the array", this.#line);
      }
    }
    if (this.#state === IN_ELEMENT && elementStart >= 0) {
      this.#pieces.push(text.slice(elementStart));
      this.#pendingLength += text.length - elementStart;
      // A missing bracket would make the rest of the file one element; stop before memory does.
      if (this.#pendingLength > MAX_ELEMENT_LENGTH) {
        throw new RowFileError(
          "an element of the array is longer than 1 MiB (is a bracket or quote missing?)",
          this.#elementLine,
        );
      }
    }
  }

  end(): void {
    if (this.#state !== AFTER_ARRAY) {
      throw new RowFileError(
        this.#state === BEFORE_ARRAY
          ? "the file is empty (expected a JSON array)"
          : "the array is not closed (missing ])",
        this.#line,
      );
    }
  }

  #finishElement(tail: string): FileRow {
    this.#pieces.push(tail);
    const text = this.#pieces.join("").trim();
    this.#pieces = [];
    this.#pendingLength = 0;
    this.#row++;
    return parseRowJson(text, this.#row, this.#elementLine);
  }
}

function parseRowJson(text: string, row: number, line: number): FileRow {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { row, line, error: `not valid JSON: ${(error as Error).message}` };
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return {
      row,
      line,
      error: `expected an object, got ${Array.isArray(value) ? "a list" : value === null ? "null" : `a ${typeof value}`}`,
    };
  }
  return { row, line, value: value as Record<string, unknown> };
}

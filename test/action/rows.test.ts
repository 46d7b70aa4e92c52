import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JsonArrayScanner, RowFileError, formatOfFile, readCsvHeader, readRows } from "../../action/rows.ts";
import type { FileRow, RowFormat } from "../../action/rows.ts";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "senderkit-rows-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let fileNumber = 0;
async function rowsOf(format: RowFormat, text: string): Promise<FileRow[]> {
  const path = join(dir, `rows-${fileNumber++}.${format}`);
  await writeFile(path, text);
  const rows: FileRow[] = [];
  for await (const row of readRows(path, format)) rows.push(row);
  return rows;
}

describe("formatOfFile", () => {
  it("goes by extension", () => {
    expect(formatOfFile("a/b.csv")).toBe("csv");
    expect(formatOfFile("b.JSON")).toBe("json");
    expect(formatOfFile("b.ndjson")).toBe("ndjson");
    expect(formatOfFile("b.jsonl")).toBe("ndjson");
    expect(formatOfFile("b.txt")).toBeUndefined();
  });
});

describe("CSV", () => {
  it("maps cells to the header's names, trimmed, leaving empty cells out", async () => {
    const rows = await rowsOf("csv", "\uFEFFto, name ,order.id\na@x.com, Ada ,#1\nb@x.com,,#2\n");
    expect(rows).toEqual([
      { row: 1, line: 2, value: { to: "a@x.com", name: "Ada", "order.id": "#1" } },
      { row: 2, line: 3, value: { to: "b@x.com", "order.id": "#2" } },
    ]);
  });

  it("tells the line each row starts on, across empty lines and quoted line breaks", async () => {
    const rows = await rowsOf("csv", 'to,note\na@x.com,"two\nlines"\n\nb@x.com,x\r\nc@x.com,y');
    expect(rows.map((row) => [row.row, row.line])).toEqual([
      [1, 2],
      [2, 5],
      [3, 6],
    ]);
    expect(rows[0]!.value!.note).toBe("two\nlines");
    const crlf = await rowsOf("csv", 'to,note\r\na@x.com,"two\r\nlines"\r\n\r\nb@x.com,x\r\nc@x.com,y\r\n');
    expect(crlf.map((row) => [row.row, row.line, row.value?.note])).toEqual([
      [1, 2, "two\r\nlines"],
      [2, 5, "x"],
      [3, 6, "y"],
    ]);
  });

  it("makes a row with the wrong number of cells a bad row, and goes on", async () => {
    const rows = await rowsOf("csv", "to,name\na@x.com\nb@x.com,Bo,extra\nc@x.com,Cy\n");
    expect(rows).toEqual([
      { row: 1, line: 2, error: "has 1 cells, the header has 2" },
      { row: 2, line: 3, error: "has 3 cells, the header has 2" },
      { row: 3, line: 4, value: { to: "c@x.com", name: "Cy" } },
    ]);
  });

  it("keeps a column named __proto__ a plain key", async () => {
    const [row] = await rowsOf("csv", "to,__proto__\na@x.com,x\n");
    expect(Object.getPrototypeOf(row!.value)).toBe(Object.prototype);
    expect(Object.keys(row!.value!)).toEqual(["to", "__proto__"]);
  });

  it("throws a RowFileError for a broken file: an unclosed quote, a duplicate column", async () => {
    await expect(rowsOf("csv", 'to,name\na@x.com,"open\nb@x.com,x\n')).rejects.toThrow(RowFileError);
    await expect(rowsOf("csv", 'to,name\na@x.com,"open\n')).rejects.toThrow(
      "line 2: not valid CSV: the record starting on line 2: a quote opened in it is never closed",
    );
    await expect(rowsOf("csv", "to,name,to\na,b,c\n")).rejects.toThrow(
      'line 1: the header names the column "to" twice',
    );
  });

  it("reports an unclosed quote early in a large file at the line where its record starts, after reading at most 1 MiB of it", async () => {
    const rows = Array.from({ length: 60_000 }, (_, i) => `c${i}@x.com,C${i}\n`).join("");
    const error = await rowsOf("csv", `to,name\na@x.com,Ada\n\nb@x.com,"Bo\n${rows}`).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(RowFileError);
    expect((error as RowFileError).line).toBe(4);
    expect((error as RowFileError).message).toMatch(
      /the record starting on line 4: it is longer than 1 MiB \(a quote opened in it and never closed\?\)/,
    );
  });

  it("reads the header alone", async () => {
    const path = join(dir, "header.csv");
    await writeFile(path, "email,name\na,b\n");
    expect(await readCsvHeader(path)).toEqual(["email", "name"]);
  });
});

describe("NDJSON", () => {
  it("reads one object per line, skipping blank lines, and reports bad lines as bad rows", async () => {
    const rows = await rowsOf("ndjson", '{"to":"a@x.com"}\n\n{"to": \n[1]\n"x"\n{"to":"b@x.com","vars":{"n":1}}\r\n');
    expect(rows[0]).toEqual({ row: 1, line: 1, value: { to: "a@x.com" } });
    expect(rows[1]).toMatchObject({ row: 2, line: 3, error: expect.stringMatching(/^not valid JSON/) });
    expect(rows[2]).toEqual({ row: 3, line: 4, error: "expected an object, got a list" });
    expect(rows[3]).toEqual({ row: 4, line: 5, error: "expected an object, got a string" });
    expect(rows[4]).toEqual({ row: 5, line: 6, value: { to: "b@x.com", vars: { n: 1 } } });
  });
});

describe("JSON array", () => {
  const text =
    '[\n  {"to": "a@x.com", "note": "has ] and } and \\" inside"},\n  {"to": "b@x.com", "vars": {"list": [1, [2]]}},\n  {"to": \n  "c@x.com"}\n]\n';

  it("yields each element with the line it starts on", async () => {
    const rows = await rowsOf("json", text);
    expect(rows).toEqual([
      { row: 1, line: 2, value: { to: "a@x.com", note: 'has ] and } and " inside' } },
      { row: 2, line: 3, value: { to: "b@x.com", vars: { list: [1, [2]] } } },
      { row: 3, line: 4, value: { to: "c@x.com" } },
    ]);
  });

  it("gives the same rows however the file is cut into chunks", () => {
    const whole = [...scan([text])];
    for (const size of [1, 2, 3, 7, 64]) {
      const chunks: string[] = [];
      for (let i = 0; i < text.length; i += size) chunks.push(text.slice(i, i + size));
      expect([...scan(chunks)], `chunks of ${size}`).toEqual(whole);
    }
  });

  it("makes a malformed or non-object element a bad row, and reads on", async () => {
    const rows = await rowsOf("json", '[{"to": "a@x.com", oops}, 42, "x", null, {"to": "b@x.com"}]');
    expect(rows.map((row) => row.error ?? row.value)).toEqual([
      expect.stringMatching(/^not valid JSON/),
      "expected an object, got a number",
      "expected an object, got a string",
      "expected an object, got null",
      { to: "b@x.com" },
    ]);
  });

  it("reads an empty array", async () => {
    expect(await rowsOf("json", " [ ] ")).toEqual([]);
  });

  it("throws a RowFileError for a broken structure", async () => {
    await expect(rowsOf("json", '{"to": "a@x.com"}')).rejects.toThrow("line 1: expected a JSON array of objects");
    await expect(rowsOf("json", '[{"to": "a@x.com"},\n{"to": "b@x.com"}')).rejects.toThrow(
      "line 2: the array is not closed (missing ])",
    );
    await expect(rowsOf("json", '[{"a": 1}] {"b": 2}')).rejects.toThrow("unexpected text after the end of the array");
    await expect(rowsOf("json", '[{"a": 1},]')).rejects.toThrow("expected an element of the array");
    await expect(rowsOf("json", '[{"a": 1} {"b": 2}]')).rejects.toThrow("expected , or ] after an element");
    await expect(rowsOf("json", "")).rejects.toThrow("the file is empty");
  });

  it("stops at an element longer than 1 MiB instead of reading the rest of the file into it", () => {
    const scanner = new JsonArrayScanner();
    const open = '[{"to": "a@x.com", "note": "';
    expect(() => [...scanner.push(open + "x".repeat(1_100_000))]).toThrow(/longer than 1 MiB/);
  });
});

function* scan(chunks: string[]): Generator<FileRow> {
  const scanner = new JsonArrayScanner();
  for (const chunk of chunks) yield* scanner.push(chunk);
  scanner.end();
}

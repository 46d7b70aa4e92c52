import { describe, expect, it } from "vitest";
import { Scalar, parseDocument, stringify, visit } from "yaml";
import { LineIndex, offsetOfLineColumn, scalarSourceMap } from "../../src/template-files/positions.ts";
import type { ScalarLike } from "../../src/template-files/positions.ts";

/** The scalar at content.html of a YAML/JSON source, and its map. */
function htmlOf(source: string): { node: ScalarLike; map: number[] | undefined } {
  const document = parseDocument(source, { keepSourceTokens: true });
  const node = document.getIn(["content", "html"], true) as ScalarLike;
  return { node, map: scalarSourceMap(source, node) };
}

/** "line:column" in the file of each `{{` in the decoded value. */
function placeholderPositions(source: string): string[] {
  const { node, map } = htmlOf(source);
  expect(map, "the decoding must agree with yaml's").toBeDefined();
  const value = node.value as string;
  const lines = new LineIndex(source);
  const positions: string[] = [];
  for (let i = value.indexOf("{{"); i >= 0; i = value.indexOf("{{", i + 2)) {
    expect(source.slice(map![i], map![i]! + 2)).toBe("{{");
    const { line, column } = lines.position(map![i]!);
    positions.push(`${line}:${column}`);
  }
  return positions;
}

describe("scalarSourceMap: each decoded character's place in the file", () => {
  it("plain scalars, on one line and folded over several", () => {
    expect(placeholderPositions("content:\n  html: Hi {{ name }}, {{ x }}\n")).toEqual(["2:12", "2:24"]);
    expect(placeholderPositions("content:\n  html: Hi {{ a }}\n    and {{ b }}\n\n    {{ c }}\n")).toEqual([
      "2:12",
      "3:9",
      "5:5",
    ]);
  });

  it("single-quoted, with '' and folding", () => {
    expect(placeholderPositions("content:\n  html: 'it''s {{ a }}\n    then {{ b }}'\n")).toEqual(["2:16", "3:10"]);
  });

  it("double-quoted, with escapes, \\u, astral characters and escaped line breaks", () => {
    const source = 'content:\n  html: "\\"q\\" \\u00e9\\U0001F600 {{ a }}\\t{{ b }} \\\n    {{ c }}"\n';
    expect(htmlOf(source).node.value).toBe('"q" é😀 {{ a }}\t{{ b }} {{ c }}');
    expect(placeholderPositions(source)).toEqual(["2:33", "2:42", "3:5"]);
  });

  it('JSON strings (double-quoted flow) with \\n, \\" and \\\\', () => {
    const source = '{\n  "content": {\n    "html": "<p>\\"Hi\\"\\n{{ name }}\\\\{{ x }}</p>"\n  }\n}\n';
    expect(placeholderPositions(source)).toEqual(["3:25", "3:37"]);
  });

  it("literal block scalars, with indentation, empty lines and CRLF", () => {
    expect(placeholderPositions("content:\n  html: |\n    <p>{{ a }}</p>\n\n      <b>{{ b }}</b>\n")).toEqual([
      "3:8",
      "5:10",
    ]);
    expect(placeholderPositions("content:\r\n  html: |\r\n    <p>{{ a }}</p>\r\n    {{ b }}\r\n")).toEqual([
      "3:8",
      "4:5",
    ]);
  });

  it("literal blocks with an indentation indicator and chomping", () => {
    expect(placeholderPositions("content:\n  html: |2-\n     lead {{ a }}\n    x {{ b }}\n")).toEqual(["3:11", "4:7"]);
    expect(placeholderPositions("content:\n  html: |+\n    {{ a }}\n\n\n")).toEqual(["3:5"]);
  });

  it("folded block scalars: folded lines, more-indented lines, paragraphs", () => {
    const source =
      "content:\n  html: >\n    folded {{ a }}\n    on {{ b }}\n      more {{ c }}\n    back\n\n    para {{ d }}\n";
    expect(htmlOf(source).node.value).toBe("folded {{ a }} on {{ b }}\n  more {{ c }}\nback\npara {{ d }}\n");
    expect(placeholderPositions(source)).toEqual(["3:12", "4:8", "5:12", "8:10"]);
  });

  it("agrees with yaml on every scalar style yaml writes", () => {
    const values = [
      "Hi {{ a }}",
      "x\n\n  {{ b }} y\n",
      "é 😀 {{ c }}",
      "q \"{{ d }}\" 's'",
      "tab\t{{ e }}",
      `${"word ".repeat(25)}{{ f }} ${"more ".repeat(25)}`,
    ];
    const styles = [Scalar.PLAIN, Scalar.QUOTE_SINGLE, Scalar.QUOTE_DOUBLE, Scalar.BLOCK_LITERAL, Scalar.BLOCK_FOLDED];
    let checked = 0;
    for (const value of values) {
      for (const style of styles) {
        const source = stringify({ content: { html: value } }, { defaultStringType: style as never, lineWidth: 30 });
        const document = parseDocument(source, { keepSourceTokens: true });
        visit(document, {
          Scalar(_key, node) {
            if (typeof node.value !== "string" || !node.value.includes("{{")) return;
            const map = scalarSourceMap(source, node as ScalarLike);
            expect(map, JSON.stringify(source)).toBeDefined();
            for (let i = node.value.indexOf("{{"); i >= 0; i = node.value.indexOf("{{", i + 2))
              expect(source.slice(map![i], map![i]! + 2)).toBe("{{");
            checked++;
          },
        });
      }
    }
    expect(checked).toBe(values.length * styles.length);
  });

  it("gives up (undefined) rather than guess when its decoding disagrees with yaml's", () => {
    const source = "content:\n  html: Hi {{ a }}\n";
    const node = parseDocument(source).getIn(["content", "html"], true) as ScalarLike;
    expect(scalarSourceMap(source, { ...node, value: "something else" })).toBeUndefined();
    expect(scalarSourceMap(source, { ...node, value: 42 })).toBeUndefined();
  });
});

describe("LineIndex and offsetOfLineColumn", () => {
  it("count columns in code points, as the template language does", () => {
    const text = "ab\n😀x{{ y }}\n";
    const lines = new LineIndex(text);
    expect(lines.position(0)).toEqual({ line: 1, column: 1 });
    expect(lines.position(3)).toEqual({ line: 2, column: 1 });
    expect(lines.position(text.indexOf("{{"))).toEqual({ line: 2, column: 3 });
    expect(offsetOfLineColumn(text, 2, 3)).toBe(text.indexOf("{{"));
    expect(offsetOfLineColumn(text, 9, 1)).toBe(text.length);
  });
});

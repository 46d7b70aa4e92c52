// The sandbox parses and renders on every send, so pathological sources must stay linear. Each
// input below is large enough that a quadratic scan would take minutes and hit the suite's
// timeout; a linear one takes milliseconds. No timing is asserted here (speed belongs in
// `npm run bench`): these check that huge, hostile inputs still give the right answer.
import { describe, expect, it } from "vitest";
import { parseTemplate, renderContent, renderTemplate } from "../../src/template/index.ts";

describe("linear-time parsing", () => {
  it("handles many unterminated defaults whose strings run to the end", () => {
    // Every quote is escaped by the backslash before it, so each default string stays open to
    // the end of the source, and a `}}` follows every quote.
    const count = 100_000;
    const result = parseTemplate('{{a|default:\\"x}}'.repeat(count));
    expect(result.errors).toHaveLength(count);
    expect(result.errors.every((e) => e.message === "invalid filter")).toBe(true);
  });

  it("handles many unclosed openers in a row", () => {
    const count = 200_000;
    const result = parseTemplate("{{ a ".repeat(count));
    expect(result.errors).toHaveLength(count);
    expect(result.errors.at(-1)).toEqual({ message: "unclosed placeholder", line: 1, column: (count - 1) * 5 + 1 });
  });

  it("handles one opener followed by a huge unclosed tag, and long lines before tags", () => {
    const big = "x".repeat(2_000_000);
    const result = [parseTemplate(`{{ ${big}`), parseTemplate(`${big}{{ a }}`.repeat(2))];
    expect(result[0]?.errors).toEqual([{ message: "unclosed placeholder", line: 1, column: 1 }]);
    expect(result[1]?.placeholders.map((p) => p.column)).toEqual([2_000_001, 4_000_008]);
  });

  it("renders a large template with many placeholders", () => {
    const count = 100_000;
    const source = '<li>{{ item.name }} {{ missing | default: "-" }} {{{ raw }}}</li>\n'.repeat(count);
    const result = renderTemplate(parseTemplate(source), { item: { name: "<x>" }, raw: "<y>" }, { escapeHtml: true });
    expect(result.text.length).toBe("<li>&lt;x&gt; - <y></li>\n".length * count);
  });

  it("renders a whole content with many data values", () => {
    const data = Object.fromEntries(Array.from({ length: 20_000 }, (_, i) => [`k${i}`, `{{ v${i % 50} }}`]));
    const result = renderContent("push", { title: "t", body: "b", data }, {});
    expect(result.missing).toHaveLength(50);
  });
});

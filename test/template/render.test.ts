// Rendering one template: values, missing variables, lookups and HTML escaping (contract
// section 7 and the "Template language" rules of section 10).
import { describe, expect, it } from "vitest";
import { escapeHtml, lookupPath, parseTemplate, renderTemplate } from "../../src/template/index.ts";

function render(source: string, vars: Record<string, unknown>, escape = false) {
  return renderTemplate(parseTemplate(source), vars, { escapeHtml: escape });
}

function text(source: string, vars: Record<string, unknown>, escape = false): string {
  return render(source, vars, escape).text;
}

describe("values", () => {
  it("inserts strings as they are", () => {
    expect(text("Hi {{ name }}!", { name: "Ada" })).toBe("Hi Ada!");
    expect(text("{{name}}", { name: "  spaced\n" })).toBe("  spaced\n");
  });

  it("renders numbers and booleans as String(v)", () => {
    expect(
      text("{{ a }}|{{ b }}|{{ c }}|{{ d }}|{{ e }}|{{ f }}", { a: 42, b: 1.5, c: -0, d: 1e21, e: true, f: false }),
    ).toBe("42|1.5|0|1e+21|true|false");
  });

  it("renders objects and arrays as JSON", () => {
    expect(text("{{ o }} {{ l }}", { o: { a: 1, b: [true, null] }, l: [1, "x", { y: 2 }] })).toBe(
      '{"a":1,"b":[true,null]} [1,"x",{"y":2}]',
    );
    expect(text("{{ user }}", { user: { plan: "pro" } })).toBe('{"plan":"pro"}');
    expect(text("{{ empty }}{{ none }}", { empty: {}, none: [] })).toBe("{}[]");
  });

  it("reads nested paths", () => {
    expect(text("{{ user.plan }} / {{ a.b.c }}", { user: { plan: "pro" }, a: { b: { c: 3 } } })).toBe("pro / 3");
  });

  it("treats an empty string as a value: its default is not used", () => {
    const result = render('[{{ a | default: "x" }}][{{ a }}]', { a: "" });
    expect(result).toEqual({ text: "[][]", missing: [] });
  });

  it("keeps literal text around placeholders, including a stray }", () => {
    expect(text("<{{ x }}}>", { x: 1 })).toBe("<1}>");
    expect(text("{ {{x}} }", { x: "v" })).toBe("{ v }");
  });

  it("renders raw placeholders with the same value rules", () => {
    expect(text("{{{ a }}}-{{{ b }}}", { a: 7, b: { c: "d" } })).toBe('7-{"c":"d"}');
  });

  it("renders escapes as literal braces", () => {
    expect(text("\\{{ name }} is {{ name }}", { name: "Ada" })).toBe("{{ name }} is Ada");
    expect(text("\\\\{{ name }}", { name: "Ada" })).toBe("\\{{ name }}");
  });

  it("renders the same source the same way with different vars", () => {
    const parsed = parseTemplate("{{ a }}+{{ b }}");
    expect(renderTemplate(parsed, { a: 1, b: 2 }).text).toBe("1+2");
    expect(renderTemplate(parsed, { a: "x", b: "y" }).text).toBe("x+y");
  });

  it("does not change vars", () => {
    const vars = { user: { plan: "pro" }, list: [1] };
    const copy = structuredClone(vars);
    render('{{ user.plan }} {{ list }} {{ nope | default: "d" }}', vars, true);
    expect(vars).toEqual(copy);
  });
});

describe("missing variables", () => {
  it.each([
    ["absent", {}],
    ["null", { a: null }],
    ["undefined", { a: undefined }],
  ])("renders a %s value as empty and lists it", (_, vars) => {
    expect(render("[{{ a }}]", vars)).toEqual({ text: "[]", missing: ["a"] });
  });

  it("uses the default for a missing value and does not list it", () => {
    expect(render('{{ a | default: "none" }}', {})).toEqual({ text: "none", missing: [] });
    expect(render('{{ a | default: "none" }}', { a: null })).toEqual({ text: "none", missing: [] });
  });

  it("renders the unescaped default", () => {
    expect(text('{{ a | default: "say \\"hi\\" \\\\o/" }}', {})).toBe('say "hi" \\o/');
  });

  it("lists each path once, first appearance first", () => {
    expect(render("{{ b }}{{ a }}{{ b }}{{ c.d }}{{ a }}", {})).toEqual({ text: "", missing: ["b", "a", "c.d"] });
  });

  it("lists a variable used both with and without a default", () => {
    expect(render('{{ a | default: "x" }}|{{ a }}', {})).toEqual({ text: "x|", missing: ["a"] });
  });

  it("lists only what is missing", () => {
    expect(render("{{ a }}{{ b }}{{ c }}", { b: 0 })).toEqual({ text: "0", missing: ["a", "c"] });
  });

  it.each([
    ["a string", { user: "pro" }],
    ["a number", { user: 5 }],
    ["a boolean", { user: true }],
    ["null", { user: null }],
    ["an array", { user: [{ plan: "pro" }] }],
  ])("treats a value reached through %s as missing", (_, vars) => {
    expect(render("[{{ user.plan }}]", vars)).toEqual({ text: "[]", missing: ["user.plan"] });
  });

  it("never indexes arrays, not even their own length", () => {
    expect(render("[{{ items.length }}]", { items: [1, 2, 3] })).toEqual({ text: "[]", missing: ["items.length"] });
  });

  it("follows own keys only", () => {
    expect(
      render("[{{ constructor }}{{ toString }}{{ user.hasOwnProperty }}{{ user.constructor.name }}]", { user: {} }),
    ).toEqual({
      text: "[]",
      missing: ["constructor", "toString", "user.hasOwnProperty", "user.constructor.name"],
    });
    const inherited = Object.create({ plan: "pro" }) as Record<string, unknown>;
    expect(render("[{{ user.plan }}]", { user: inherited })).toEqual({ text: "[]", missing: ["user.plan"] });
  });

  it("finds an own key named like an Object.prototype member", () => {
    const vars = JSON.parse('{"__proto__": "p", "constructor": "c", "user": {"toString": "t"}}') as Record<
      string,
      unknown
    >;
    expect(render("{{ __proto__ }}{{ constructor }}{{ user.toString }}", vars)).toEqual({ text: "pct", missing: [] });
  });
});

describe("HTML escaping", () => {
  const nasty = `<b>"Tom" & 'Jerry'</b>`;
  const escaped = "&lt;b&gt;&quot;Tom&quot; &amp; &#39;Jerry&#39;&lt;/b&gt;";

  it("escapes & < > \" ' in values when asked", () => {
    expect(text("<p>{{ v }}</p>", { v: nasty }, true)).toBe(`<p>${escaped}</p>`);
  });

  it("escapes defaults too", () => {
    expect(text("{{ v | default: \"<none> & 'x'\" }}", {}, true)).toBe("&lt;none&gt; &amp; &#39;x&#39;");
  });

  it("escapes JSON of objects", () => {
    expect(text("{{ o }}", { o: { a: "<" } }, true)).toBe("{&quot;a&quot;:&quot;&lt;&quot;}");
  });

  it("inserts raw placeholders and their defaults unescaped", () => {
    expect(text("{{{ v }}}", { v: nasty }, true)).toBe(nasty);
    expect(text('{{{ v | default: "<i>x</i>" }}}', {}, true)).toBe("<i>x</i>");
  });

  it("never escapes the template's own text, nor escaped braces", () => {
    expect(text("<a href=\"x\">'&'</a> \\{{ v }}", { v: "<" }, true)).toBe("<a href=\"x\">'&'</a> {{ v }}");
  });

  it("does not escape anything without the option", () => {
    expect(text("{{ v }}", { v: nasty })).toBe(nasty);
    expect(renderTemplate(parseTemplate("{{ v }}"), { v: nasty }).text).toBe(nasty);
    expect(text('{{ v | default: "<x>" }}', {})).toBe("<x>");
  });

  it("escapes each special character, including at the edges", () => {
    expect(escapeHtml("&")).toBe("&amp;");
    expect(escapeHtml("'a'")).toBe("&#39;a&#39;");
    expect(escapeHtml("plain é😀")).toBe("plain é😀");
    expect(escapeHtml("")).toBe("");
    expect(escapeHtml("&amp;")).toBe("&amp;amp;");
  });
});

describe("templates with syntax errors", () => {
  it("keeps faulty tags as their source text and renders the rest", () => {
    expect(render("{{ a {{ b }} {{ 1x }} {{ c | up }} {{ d", { a: 1, b: 2 })).toEqual({
      text: "{{ a 2 {{ 1x }} {{ c | up }} {{ d",
      missing: [],
    });
  });
});

describe("lookupPath", () => {
  it("returns the value found, by reference", () => {
    const plan = { name: "pro" };
    const result = lookupPath({ user: { plan } }, "user.plan");
    expect(result).toEqual({ found: true, value: plan });
    expect(result.found && result.value).toBe(plan);
  });

  it("finds falsy values that are not null", () => {
    expect(lookupPath({ a: 0 }, "a")).toEqual({ found: true, value: 0 });
    expect(lookupPath({ a: false }, "a")).toEqual({ found: true, value: false });
    expect(lookupPath({ a: "" }, "a")).toEqual({ found: true, value: "" });
  });

  it("reports missing values with the same rules as rendering", () => {
    expect(lookupPath({}, "a")).toEqual({ found: false });
    expect(lookupPath({ a: null }, "a")).toEqual({ found: false });
    expect(lookupPath({ a: "x" }, "a.length")).toEqual({ found: false });
    expect(lookupPath({ a: [1] }, "a.length")).toEqual({ found: false });
    expect(lookupPath({}, "constructor")).toEqual({ found: false });
  });
});

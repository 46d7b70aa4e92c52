// Syntax of the template language: contract section 7 and the "Template language" rules of
// section 10. Expected positions are counted by hand from the sources written here.
import { describe, expect, it } from "vitest";
import { parseTemplate } from "../../src/template/index.ts";

function only<T>(items: readonly T[]): T {
  expect(items).toHaveLength(1);
  return items[0] as T;
}

function errorsOf(source: string) {
  return parseTemplate(source).errors;
}

describe("placeholders", () => {
  it("records path, position and code-unit offsets of a placeholder", () => {
    const parsed = parseTemplate("Hello {{ name }}!");
    expect(parsed.errors).toEqual([]);
    expect(parsed.placeholders).toEqual([{ path: "name", raw: false, line: 1, column: 7, start: 6, end: 16 }]);
    expect(parsed.source).toBe("Hello {{ name }}!");
  });

  it("treats the spaces inside the braces as optional", () => {
    for (const source of ["{{name}}", "{{ name}}", "{{name }}", "{{     name     }}"]) {
      const placeholder = only(parseTemplate(source).placeholders);
      expect(placeholder.path).toBe("name");
      expect(placeholder.end).toBe(source.length);
    }
  });

  it("allows newlines and tabs inside the braces, also around | and :", () => {
    const source = '{{\n\tuser.plan\n\t|\n\tdefault\n\t:\n\t"free"\n}}';
    const parsed = parseTemplate(source);
    expect(parsed.errors).toEqual([]);
    expect(parsed.placeholders).toEqual([
      { path: "user.plan", default: "free", raw: false, line: 1, column: 1, start: 0, end: source.length },
    ]);
  });

  it("needs no whitespace around | and :", () => {
    const placeholder = only(parseTemplate('{{a|default:"x"}}').placeholders);
    expect(placeholder).toMatchObject({ path: "a", default: "x" });
  });

  it.each(["_", "a1", "A_b.c_2.D", "_x._y", "user.plan", "a.b.c.d.e"])("accepts the path %s", (path) => {
    expect(only(parseTemplate(`{{ ${path} }}`).placeholders).path).toBe(path);
  });

  it("lists placeholders in source order, each occurrence separately", () => {
    const parsed = parseTemplate("{{ b }}{{ a }} {{ b }}");
    expect(parsed.placeholders.map((p) => [p.path, p.start, p.end])).toEqual([
      ["b", 0, 7],
      ["a", 7, 14],
      ["b", 15, 22],
    ]);
  });

  it("lists variables once, first appearance first, and required ones without a default", () => {
    const parsed = parseTemplate('{{ c | default: "1" }} {{ a }} {{ c }} {{ b | default: "2" }} {{ a }}');
    expect(parsed.variables).toEqual(["c", "a", "b"]);
    // c is used both with and without a default: required.
    expect(parsed.requiredVariables).toEqual(["c", "a"]);
  });

  it("has no placeholders in plain text", () => {
    const parsed = parseTemplate("no tags { here } at all }}");
    expect(parsed.placeholders).toEqual([]);
    expect(parsed.errors).toEqual([]);
    expect(parsed.variables).toEqual([]);
  });
});

describe("defaults", () => {
  it('unescapes \\" and \\\\ in the default', () => {
    const placeholder = only(parseTemplate('{{ a | default: "say \\"hi\\" \\\\ bye" }}').placeholders);
    expect(placeholder.default).toBe('say "hi" \\ bye');
  });

  it("keeps an empty default as a default", () => {
    const parsed = parseTemplate('{{ a | default: "" }}');
    expect(only(parsed.placeholders).default).toBe("");
    expect(parsed.requiredVariables).toEqual([]);
  });

  it("has no default property without a filter", () => {
    expect("default" in only(parseTemplate("{{ a }}").placeholders)).toBe(false);
  });

  it("keeps newlines, tabs, non-ASCII and braces of the default as they are", () => {
    const placeholder = only(parseTemplate('{{ a | default: "x\n\ty é😀 }} {{ b }}" }}').placeholders);
    expect(placeholder.default).toBe("x\n\ty é😀 }} {{ b }}");
  });

  it("keeps a default in a raw placeholder", () => {
    expect(only(parseTemplate('{{{ a | default: "<b>" }}}').placeholders)).toMatchObject({ raw: true, default: "<b>" });
  });
});

describe("raw placeholders", () => {
  it("marks {{{ path }}} raw and spans all three braces", () => {
    const parsed = parseTemplate("a {{{ body }}} b");
    expect(parsed.errors).toEqual([]);
    expect(parsed.placeholders).toEqual([{ path: "body", raw: true, line: 1, column: 3, start: 2, end: 14 }]);
  });

  it("reports {{{ x }} as unclosed", () => {
    const parsed = parseTemplate("{{{ x }}");
    expect(parsed.errors).toEqual([{ message: "unclosed placeholder", line: 1, column: 1 }]);
    expect(parsed.placeholders).toEqual([]);
  });

  it("closes {{ x }}} after two braces, leaving a literal }", () => {
    const parsed = parseTemplate("{{ x }}}");
    expect(parsed.errors).toEqual([]);
    expect(parsed.placeholders).toEqual([{ path: "x", raw: false, line: 1, column: 1, start: 0, end: 7 }]);
    expect(parsed.parts.at(-1)).toBe("}");
  });

  it("closes {{{ x }}}} after three braces, leaving a literal }", () => {
    const placeholder = only(parseTemplate("{{{ x }}}}").placeholders);
    expect(placeholder).toMatchObject({ raw: true, end: 9 });
  });
});

describe("escapes", () => {
  it("turns \\{{ into a literal {{ and parses nothing there", () => {
    const parsed = parseTemplate("\\{{ name }}");
    expect(parsed.placeholders).toEqual([]);
    expect(parsed.errors).toEqual([]);
    expect(parsed.parts).toEqual(["{{ name }}"]);
  });

  it("does not treat \\\\ as an escape: \\\\{{ is a backslash then a literal {{", () => {
    const parsed = parseTemplate("\\\\{{ name }}");
    expect(parsed.placeholders).toEqual([]);
    expect(parsed.parts).toEqual(["\\{{ name }}"]);
  });

  it("leaves other backslashes alone", () => {
    expect(parseTemplate("a\\b \\} \\{ \\}}").parts).toEqual(["a\\b \\} \\{ \\}}"]);
  });

  it("parses the placeholder after an escaped one", () => {
    const parsed = parseTemplate("\\{{ a }} {{ b }}");
    expect(parsed.placeholders.map((p) => p.path)).toEqual(["b"]);
    expect(parsed.placeholders[0]).toMatchObject({ start: 9, column: 10 });
  });

  it("escapes only two braces of \\{{{", () => {
    const parsed = parseTemplate("\\{{{ x }}}");
    expect(parsed.placeholders).toEqual([]);
    expect(parsed.errors).toEqual([]);
    expect(parsed.parts).toEqual(["{{{ x }}}"]);
  });

  it("escapes consecutive \\{{ sequences", () => {
    expect(parseTemplate("\\{{\\{{").parts).toEqual(["{{{{"]);
  });

  it("does not read a backslash inside a tag as an escape of the next tag", () => {
    // The backslash belongs to the unclosed first tag, so the second `{{` is a real opener.
    const parsed = parseTemplate("{{ a \\{{ b }}");
    expect(parsed.errors).toEqual([{ message: "unclosed placeholder", line: 1, column: 1 }]);
    expect(parsed.placeholders.map((p) => p.path)).toEqual(["b"]);
  });
});

describe("syntax errors", () => {
  it.each([
    ["{{ }}"],
    ["{{}}"],
    ["{{ \n\t }}"],
    ["{{ 1a }}"],
    ["{{ a. }}"],
    ["{{ .a }}"],
    ["{{ a..b }}"],
    ["{{ a-b }}"],
    ["{{ a b }}"],
    ["{{ a[0] }}"],
    ["{{ a.0 }}"],
    ["{{ é }}"],
    ["{{ a.b c }}"],
    ['{{ | default: "x" }}'],
    ['{{ "a" }}'],
    ["{{ a:b }}"],
    ['{{ a "x" }}'],
    ["{{ a } }}"],
    ["{{{ }}}"],
    ["{{{ x }} y }}}"],
  ])("reports an empty or malformed path: %j", (source) => {
    expect(errorsOf(source)).toEqual([{ message: "invalid path", line: 1, column: 1 }]);
  });

  it.each([
    ["{{ a | upcase }}"],
    ["{{ a | }}"],
    ["{{ a | default }}"],
    ["{{ a | default: }}"],
    ['{{ a | default "x" }}'],
    ["{{ a | default: free }}"],
    ["{{ a | default: 'free' }}"],
    ['{{ a | Default: "x" }}'],
    ['{{ a | defaults: "x" }}'],
    ['{{ a | default: "x" | default: "y" }}'],
    ['{{ a | default: "x" | upcase }}'],
    ['{{ a | default: "x" | }}'],
    ['{{ a || default: "x" }}'],
    ['{{ a | default:: "x" }}'],
    ['{{ a | default: "x" "y" }}'],
    ['{{ a | default: "x" junk }}'],
    ['{{ a | default: "x": }}'],
    ['{{ a | default: "bad \\n escape" }}'],
    ['{{ a | default: "bad \\u0041 escape" }}'],
    ["{{{ a | nope }}}"],
  ])("reports an unknown filter or a bad default literal: %j", (source) => {
    expect(errorsOf(source)).toEqual([{ message: "invalid filter", line: 1, column: 1 }]);
  });

  it("reports the first fault of a tag when it has several", () => {
    expect(errorsOf("{{ a-b | nope }}")).toEqual([{ message: "invalid path", line: 1, column: 1 }]);
  });

  it.each([["{{"], ["{{ name"], ["{{ name }"], ["{{ name } }"], ["Hi {{ name"], ["{{{"], ["{{{ x }"], ["{{{ x }}"]])(
    "reports an opener without closing braces as unclosed: %j",
    (source) => {
      const column = source.indexOf("{{") + 1;
      expect(errorsOf(source)).toEqual([{ message: "unclosed placeholder", line: 1, column }]);
    },
  );

  it("resumes at the next opener after an unclosed placeholder", () => {
    const parsed = parseTemplate("{{ a {{ b }}");
    expect(parsed.errors).toEqual([{ message: "unclosed placeholder", line: 1, column: 1 }]);
    expect(parsed.placeholders).toEqual([{ path: "b", raw: false, line: 1, column: 6, start: 5, end: 12 }]);
  });

  it("resumes at a raw opener after an unclosed placeholder", () => {
    const parsed = parseTemplate("{{ a | default: {{{ b }}}");
    expect(parsed.errors).toEqual([{ message: "unclosed placeholder", line: 1, column: 1 }]);
    expect(parsed.placeholders).toEqual([{ path: "b", raw: true, line: 1, column: 17, start: 16, end: 25 }]);
  });

  it("reports an unterminated default as invalid filter when }} follows, and parses on after it", () => {
    const parsed = parseTemplate('{{ a | default: "abc }} {{ b }}');
    expect(parsed.errors).toEqual([{ message: "invalid filter", line: 1, column: 1 }]);
    expect(parsed.placeholders.map((p) => [p.path, p.start])).toEqual([["b", 24]]);
  });

  it("reports an unterminated default as unclosed when no }} follows", () => {
    expect(errorsOf('{{ a | default: "abc')).toEqual([{ message: "unclosed placeholder", line: 1, column: 1 }]);
    expect(errorsOf('{{ a | default: "abc }')).toEqual([{ message: "unclosed placeholder", line: 1, column: 1 }]);
    // A trailing backslash escapes nothing: still unterminated.
    expect(errorsOf('{{ a | default: "abc\\')).toEqual([{ message: "unclosed placeholder", line: 1, column: 1 }]);
  });

  it("looks for the }} after the opening quote, even past an escaped quote", () => {
    // `\"` does not end the string, so it runs off the end; a `}}` follows the quote.
    expect(errorsOf('{{ a | default: "x\\"}}')).toEqual([{ message: "invalid filter", line: 1, column: 1 }]);
  });

  it("reads braces inside a terminated default as text", () => {
    const parsed = parseTemplate('{{ a | default: "}}" }} {{ b }}');
    expect(parsed.errors).toEqual([]);
    expect(parsed.placeholders.map((p) => [p.path, p.default])).toEqual([
      ["a", "}}"],
      ["b", undefined],
    ]);
  });

  it("keeps parsing after a faulty tag", () => {
    const parsed = parseTemplate("{{ 1 }} {{ ok }} {{ x | y }} {{ fine }}");
    expect(parsed.errors.map((e) => [e.message, e.column])).toEqual([
      ["invalid path", 1],
      ["invalid filter", 18],
    ]);
    expect(parsed.placeholders.map((p) => [p.path, p.column])).toEqual([
      ["ok", 9],
      ["fine", 30],
    ]);
  });

  it("does not count faulty tags as variables", () => {
    const parsed = parseTemplate("{{ a-b }} {{ c | x }} {{ d");
    expect(parsed.variables).toEqual([]);
    expect(parsed.requiredVariables).toEqual([]);
  });
});

describe("line and column", () => {
  it("counts 1-based lines split on \\n and columns at the opening braces", () => {
    const source = "{{ ok }}\n  {{ bad path }}\n\t{{ x | nope }}\nlast {{ open";
    expect(errorsOf(source)).toEqual([
      { message: "invalid path", line: 2, column: 3 },
      { message: "invalid filter", line: 3, column: 2 },
      { message: "unclosed placeholder", line: 4, column: 6 },
    ]);
  });

  it("locates placeholders after a multi-line placeholder", () => {
    const parsed = parseTemplate("{{\nname\n}} {{ x }}\n\n  {{{ y }}}");
    expect(parsed.placeholders.map((p) => [p.path, p.line, p.column])).toEqual([
      ["name", 1, 1],
      ["x", 3, 4],
      ["y", 5, 3],
    ]);
  });

  it("counts a character outside the BMP as one column", () => {
    const parsed = parseTemplate("😀😀 {{ }}");
    expect(parsed.errors).toEqual([{ message: "invalid path", line: 1, column: 4 }]);
  });

  it("gives code-unit offsets but code-point columns", () => {
    const placeholder = only(parseTemplate("a😀b {{ x }}").placeholders);
    expect(placeholder).toMatchObject({ column: 5, start: 5, end: 12 });
  });

  it("counts code points on later lines too", () => {
    expect(errorsOf("😀\n𝒳é𝒳{{ x | bad }}")).toEqual([{ message: "invalid filter", line: 2, column: 4 }]);
  });

  it("counts a lone surrogate as one code point", () => {
    expect(errorsOf("\uD83D{{ }}")[0]?.column).toBe(2);
    expect(errorsOf("\uDE00\uDE00{{ }}")[0]?.column).toBe(3);
  });

  it("counts \\r and tabs as ordinary columns", () => {
    expect(errorsOf("a\r\n\t\t{{ }}")).toEqual([{ message: "invalid path", line: 2, column: 3 }]);
    expect(errorsOf("a\r{{ }}")).toEqual([{ message: "invalid path", line: 1, column: 3 }]);
  });

  it("locates the unclosed opener, not where the scan gave up", () => {
    expect(errorsOf("x\ny {{ a\n\n | default:")).toEqual([{ message: "unclosed placeholder", line: 2, column: 3 }]);
  });

  it("locates an error after an escape and a raw placeholder", () => {
    expect(errorsOf("\\{{ {{{ a }}} 😀 {{ 9 }}")).toEqual([{ message: "invalid path", line: 1, column: 17 }]);
  });
});

describe("robustness", () => {
  const alphabet = ["{", "}", "{{", "}}", "|", ":", '"', "\\", " ", "\n", "a", "b.c", "default", "😀", "\uD83D"];

  // A small deterministic generator, so a failure reproduces.
  function* randomSources(count: number): Generator<string> {
    let seed = 12345;
    const next = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed;
    };
    for (let n = 0; n < count; n++) {
      let source = "";
      const length = next() % 30;
      for (let i = 0; i < length; i++) source += alphabet[next() % alphabet.length];
      yield source;
    }
  }

  it("never throws and keeps its invariants on arbitrary input", () => {
    for (const source of randomSources(5000)) {
      const parsed = parseTemplate(source);
      let previousEnd = 0;
      for (const p of parsed.placeholders) {
        const tag = source.slice(p.start, p.end);
        expect(tag.startsWith(p.raw ? "{{{" : "{{")).toBe(true);
        expect(tag.endsWith(p.raw ? "}}}" : "}}")).toBe(true);
        expect(tag.includes(p.path)).toBe(true);
        expect(p.start).toBeGreaterThanOrEqual(previousEnd);
        previousEnd = p.end;
        const before = source.slice(0, p.start).split("\n");
        expect(p.line).toBe(before.length);
        expect(p.column).toBe([...(before.at(-1) ?? "")].length + 1);
      }
      for (const error of parsed.errors) {
        expect(error.line).toBeGreaterThanOrEqual(1);
        expect(error.column).toBeGreaterThanOrEqual(1);
      }
    }
  });

  it("is pure: the same source parses to the same result", () => {
    const source = '{{ a }} {{ b | default: "x" }} {{ c';
    expect(parseTemplate(source)).toEqual(parseTemplate(source));
  });
});

// Whole contents: the content table's field order (section 5), `variables` and
// `required_variables` (section 6), the render result (section 6) and which fields are templated
// (section 10: push `data` values, web_push `click_url` and `icon`).
import { describe, expect, it } from "vitest";
import { analyzeContent, CONTENT_FIELDS, renderAnalyzedContent, renderContent } from "../../src/template/index.ts";

describe("CONTENT_FIELDS", () => {
  it("follows section 5's content table", () => {
    expect(CONTENT_FIELDS).toEqual({
      email: ["subject", "html", "text"],
      sms: ["body"],
      push: ["title", "body", "badge", "data"],
      web_push: ["title", "body", "click_url", "icon"],
    });
  });

  it("cannot be changed by a caller", () => {
    expect(Object.isFrozen(CONTENT_FIELDS)).toBe(true);
    expect(Object.isFrozen(CONTENT_FIELDS.email)).toBe(true);
  });
});

describe("the section 6 example", () => {
  const content = {
    subject: "Welcome, {{ name }}",
    html: '<p>Hi {{ name }} — plan {{ user.plan | default: "free" }}</p>',
    text: null,
  };

  it("has variables [name, user.plan] of which name is required", () => {
    const analysis = analyzeContent("email", content);
    expect(analysis.variables).toEqual(["name", "user.plan"]);
    expect(analysis.requiredVariables).toEqual(["name"]);
    expect(analysis.errors).toEqual([]);
    expect(analysis.fields.map((f) => f.path)).toEqual([
      ["content", "subject"],
      ["content", "html"],
    ]);
  });

  it("renders as the example render result", () => {
    expect(renderContent("email", content, { name: "Ada", coupon: "SAVE10" })).toEqual({
      output: { subject: "Welcome, Ada", html: "<p>Hi Ada — plan free</p>", text: null },
      missing: [],
      unused: ["coupon"],
    });
  });

  it("lists name as missing without it, and still renders", () => {
    expect(renderContent("email", content, { user: { plan: "pro" } })).toEqual({
      output: { subject: "Welcome, ", html: "<p>Hi  — plan pro</p>", text: null },
      missing: ["name"],
      unused: [],
    });
  });
});

describe("analyzeContent", () => {
  it("orders variables by the content table, not by the content's key order", () => {
    const content = { text: "{{ c }} {{ a }}", html: "{{ a }} {{ b }}", subject: "{{ b }}" };
    const analysis = analyzeContent("email", content);
    expect(analysis.variables).toEqual(["b", "a", "c"]);
    expect(analysis.fields.map((f) => f.path[1])).toEqual(["subject", "html", "text"]);
  });

  it("makes a variable required when any field uses it without a default", () => {
    const analysis = analyzeContent("email", {
      subject: '{{ a | default: "x" }} {{ b | default: "y" }}',
      html: "<p></p>",
      text: "{{ a }}",
    });
    expect(analysis.variables).toEqual(["a", "b"]);
    expect(analysis.requiredVariables).toEqual(["a"]);
  });

  it("keeps required variables in first-appearance order", () => {
    const analysis = analyzeContent("email", { subject: '{{ z | default: "" }}', html: "{{ y }}", text: "{{ z }}" });
    expect(analysis.requiredVariables).toEqual(["z", "y"]);
  });

  it("templates push title, body and each string value of data in key order, not badge", () => {
    const analysis = analyzeContent("push", {
      data: { url: "{{ link }}", plain: "x", kind: '{{ kind | default: "a" }}' },
      badge: 3,
      body: "{{ body }}",
      title: "{{ title }}",
    });
    expect(analysis.variables).toEqual(["title", "body", "link", "kind"]);
    expect(analysis.requiredVariables).toEqual(["title", "body", "link"]);
    expect(analysis.fields.map((f) => f.path)).toEqual([
      ["content", "title"],
      ["content", "body"],
      ["content", "data", "url"],
      ["content", "data", "plain"],
      ["content", "data", "kind"],
    ]);
  });

  it("templates web_push click_url and icon after title and body", () => {
    const analysis = analyzeContent("web_push", {
      icon: "https://cdn.example.com/{{ icon }}.png",
      click_url: "https://example.com/o/{{ order.id }}",
      body: "{{ body }}",
      title: "{{ title }}",
    });
    expect(analysis.variables).toEqual(["title", "body", "order.id", "icon"]);
  });

  it("templates the sms body", () => {
    expect(analyzeContent("sms", { body: "Your code is {{ code }}" }).requiredVariables).toEqual(["code"]);
  });

  it("skips null, absent and non-string fields", () => {
    const analysis = analyzeContent("push", { title: "t", body: null, badge: 2 });
    expect(analysis.fields.map((f) => f.path)).toEqual([["content", "title"]]);
    expect(analysis.variables).toEqual([]);
  });

  it("ignores keys outside the channel's fields", () => {
    const analysis = analyzeContent("sms", { body: "{{ a }}", subject: "{{ b }}", type: "{{ c }}" });
    expect(analysis.variables).toEqual(["a"]);
  });

  it("reports syntax errors with the field's path, in field order", () => {
    const analysis = analyzeContent("email", {
      subject: "ok {{ 1 }}",
      html: "<p>\n  <b>\n    Hi {{ name }</b>\n</p>",
      text: "{{ a | up }} {{ b | default: x }}",
    });
    expect(analysis.errors).toEqual([
      { path: ["content", "subject"], message: "invalid path", line: 1, column: 4 },
      { path: ["content", "html"], message: "unclosed placeholder", line: 3, column: 8 },
      { path: ["content", "text"], message: "invalid filter", line: 1, column: 1 },
      { path: ["content", "text"], message: "invalid filter", line: 1, column: 14 },
    ]);
  });

  it("reports errors in push data values with the data key in the path", () => {
    const analysis = analyzeContent("push", { title: "t", body: "b", data: { ok: "{{ x }}", url: "x\n😀{{ a-b }}" } });
    expect(analysis.errors).toEqual([
      { path: ["content", "data", "url"], message: "invalid path", line: 2, column: 2 },
    ]);
  });
});

describe("renderContent", () => {
  it("escapes values in html only", () => {
    const vars = { v: "<b>&'\"" };
    expect(
      renderContent("email", { subject: "{{ v }}", html: "{{ v }}|{{{ v }}}", text: "{{ v }}" }, vars).output,
    ).toEqual({
      subject: "<b>&'\"",
      html: "&lt;b&gt;&amp;&#39;&quot;|<b>&'\"",
      text: "<b>&'\"",
    });
    expect(renderContent("sms", { body: "{{ v }}" }, vars).output).toEqual({ body: "<b>&'\"" });
    expect(
      renderContent("web_push", { title: "{{ v }}", body: "{{ v }}", click_url: "{{ v }}", icon: "{{ v }}" }, vars)
        .output,
    ).toEqual({ title: "<b>&'\"", body: "<b>&'\"", click_url: "<b>&'\"", icon: "<b>&'\"" });
  });

  it("escapes html defaults, with ' as &#39;", () => {
    const result = renderContent("email", { subject: "s", html: '{{ who | default: "O\'Brien & <co>" }}' }, {});
    expect(result.output["html"]).toBe("O&#39;Brien &amp; &lt;co&gt;");
  });

  it("renders push data values, keeps badge and other data values, and leaves the input alone", () => {
    const content = {
      title: "Order {{ order }}",
      body: "Shipped",
      badge: 4,
      data: { url: "https://x.test/{{ order }}?a=<b>", count: 3, plain: "p" },
    };
    const before = structuredClone(content);
    const result = renderContent("push", content, { order: "A1" });
    expect(result).toEqual({
      output: {
        title: "Order A1",
        body: "Shipped",
        badge: 4,
        data: { url: "https://x.test/A1?a=<b>", count: 3, plain: "p" },
      },
      missing: [],
      unused: [],
    });
    expect(Object.keys(result.output["data"] as object)).toEqual(["url", "count", "plain"]);
    expect(content).toEqual(before);
  });

  it("keeps a data key named __proto__ as a plain key", () => {
    const content = JSON.parse('{"title":"t","body":"b","data":{"__proto__":"{{ x }}"}}') as Record<string, unknown>;
    const data = renderContent("push", content, { x: "v" }).output["data"] as Record<string, unknown>;
    expect(Object.hasOwn(data, "__proto__")).toBe(true);
    expect(Object.getOwnPropertyDescriptor(data, "__proto__")?.value).toBe("v");
    expect(Object.getPrototypeOf(data)).toBe(Object.prototype);
  });

  it("gives every field of the channel in table order, absent ones as null", () => {
    const result = renderContent("push", { body: "b", title: "t" }, {});
    expect(result.output).toEqual({ title: "t", body: "b", badge: null, data: null });
    expect(Object.keys(result.output)).toEqual(["title", "body", "badge", "data"]);
    expect(Object.keys(renderContent("email", { html: "h", subject: "s" }, {}).output)).toEqual([
      "subject",
      "html",
      "text",
    ]);
  });

  it("lists missing variables once each, first appearance first across fields", () => {
    const result = renderContent(
      "email",
      { subject: "{{ x }}", html: "{{ y }} {{ x }}", text: "{{ z.w }} {{ y }}" },
      {},
    );
    expect(result.missing).toEqual(["x", "y", "z.w"]);
  });

  it("lists as missing a variable with a default in one field and none in another", () => {
    const result = renderContent("email", { subject: '{{ a | default: "-" }}', html: "{{ b }}", text: "{{ a }}" }, {});
    expect(result.output).toEqual({ subject: "-", html: "", text: "" });
    expect(result.missing).toEqual(["a", "b"]);
  });

  it("does not list optional variables as missing", () => {
    const result = renderContent("sms", { body: '{{ a | default: "x" }}{{ b.c | default: "" }}' }, { b: 1 });
    expect(result).toEqual({ output: { body: "x" }, missing: [], unused: [] });
  });

  it("lists unused top-level keys in the key order of vars", () => {
    const result = renderContent(
      "sms",
      { body: "{{ name }} {{ user.plan }} {{ gone.deep }}" },
      {
        zeta: 1,
        user: "not an object",
        alpha: 2,
        name: "Ada",
        gone: null,
        "first-name": "x",
        mid: { name: "nested keys do not count" },
      },
    );
    // `user` and `gone` are read by their paths even though the values are missing there.
    expect(result.unused).toEqual(["zeta", "alpha", "first-name", "mid"]);
    expect(result.missing).toEqual(["user.plan", "gone.deep"]);
  });

  it("counts keys read only through a default as used", () => {
    expect(renderContent("sms", { body: '{{ a | default: "x" }}' }, { a: "y", b: 1 }).unused).toEqual(["b"]);
  });

  it("reads variables in push data and web_push urls", () => {
    expect(renderContent("push", { title: "t", body: "b", data: { u: "{{ u }}" } }, { u: 1, v: 2 }).unused).toEqual([
      "v",
    ]);
    const web = renderContent("web_push", { title: "t", body: "b", click_url: "{{ c }}", icon: "{{ i }}" }, { i: "I" });
    expect(web.missing).toEqual(["c"]);
    expect(web.output).toEqual({ title: "t", body: "b", click_url: "", icon: "I" });
  });

  it("renders the same through renderAnalyzedContent", () => {
    const content = { subject: "{{ a }}", html: "<i>{{ b }}</i>", text: '{{ c | default: "C" }}' };
    const vars = { a: "A", b: "<", d: 1 };
    const analysis = analyzeContent("email", content);
    expect(renderAnalyzedContent("email", content, analysis, vars)).toEqual({
      output: { subject: "A", html: "<i>&lt;</i>", text: "C" },
      missing: [],
      unused: ["d"],
    });
    // The analysis is reusable across renders.
    expect(renderAnalyzedContent("email", content, analysis, {}).missing).toEqual(["a", "b"]);
  });
});

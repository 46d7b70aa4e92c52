// Sections 6, 7 and 10 (templates): CRUD, versions, PATCH rules, render of saved and unsaved
// content, syntax errors with line and column, the slug "render".
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox } from "../../sandbox/index.ts";
import type { Sandbox } from "../../sandbox/index.ts";
import { ISO_TIME, client, expectError, freshKey } from "./helpers.ts";

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ isolateKeys: true, stepDelayMs: 60_000 });
});
afterAll(() => sandbox.close());

const account = () => client(sandbox.url, freshKey());
const welcome = {
  slug: "welcome",
  name: "Welcome email",
  channel: "email",
  content: { subject: "Welcome, {{ name }}", html: '<p>Hi {{ name }} — plan {{ user.plan | default: "free" }}</p>' },
};
const later = () => new Promise((resolve) => setTimeout(resolve, 5)); // so updated_at can differ

describe("POST /v1/templates", () => {
  it("201 with the template at version 1, variables and required variables", async () => {
    const api = account();
    const reply = await api.post("/v1/templates", welcome);
    expect(reply.status).toBe(201);
    expect(Object.keys(reply.json)).toEqual([
      "object",
      "slug",
      "name",
      "description",
      "channel",
      "current_version",
      "created_at",
      "updated_at",
    ]);
    expect(reply.json).toMatchObject({
      object: "template",
      slug: "welcome",
      name: "Welcome email",
      description: "",
      channel: "email",
      current_version: {
        version: 1,
        content: { ...welcome.content, text: null },
        variables: ["name", "user.plan"],
        required_variables: ["name"],
      },
    });
    expect(Object.keys(reply.json.current_version)).toEqual([
      "version",
      "content",
      "variables",
      "required_variables",
      "created_at",
    ]);
    expect(reply.json.created_at).toMatch(ISO_TIME);
    expect(reply.json.updated_at).toBe(reply.json.created_at);
  });

  it("a variable used with and without a default is required; fields in content-table order", async () => {
    const api = account();
    const reply = await api.post("/v1/templates", {
      slug: "order",
      name: "O",
      channel: "push",
      content: { data: { a: "{{ d }}" }, body: '{{ b }} {{ a | default: "x" }}', title: "{{ a }} {{ t }}" },
    });
    expect(reply.json.current_version.variables).toEqual(["a", "t", "b", "d"]);
    expect(reply.json.current_version.required_variables).toEqual(["a", "t", "b", "d"]);
  });

  it("checks 400, then 422 template_syntax_error, then 409 template_exists", async () => {
    const api = account();
    expect((await api.post("/v1/templates", welcome)).status).toBe(201);
    // 400: missing and mistyped fields, unknown content fields, `type` inside template content, bad slug.
    const shape = expectError(
      await api.post("/v1/templates", {
        slug: "Bad Slug",
        channel: "email",
        content: { subject: "s", html: "h", type: "email", body: "x" },
      }),
      400,
      "invalid_parameter",
    );
    expect(shape.issues.map((issue: any) => issue.path.join("."))).toEqual(
      expect.arrayContaining(["name", "slug", "content.type", "content.body"]),
    );
    expectError(await api.post("/v1/templates", { ...welcome, channel: "fax" }), 400, "invalid_parameter");
    expectError(await api.post("/v1/templates", { ...welcome, content: { subject: "s" } }), 400, "invalid_parameter");
    expectError(await api.post("/v1/templates", { ...welcome, slug: "x".repeat(65) }), 400, "invalid_parameter");
    // 422 before 409: the existing slug with broken content is a syntax error.
    const syntax = expectError(
      await api.post("/v1/templates", {
        ...welcome,
        content: { subject: "{{ }}", html: "<p>\n\n  ok {{ name | upper }}\n{{ x" },
      }),
      422,
      "template_syntax_error",
    );
    expect(syntax.issues).toEqual([
      { path: ["content", "subject"], message: "invalid path", line: 1, column: 1 },
      { path: ["content", "html"], message: "invalid filter", line: 3, column: 6 },
      { path: ["content", "html"], message: "unclosed placeholder", line: 4, column: 1 },
    ]);
    expectError(await api.post("/v1/templates", welcome), 409, "template_exists");
  });
});

describe("GET, list and DELETE", () => {
  it("gets by slug, lists newest first with channel filter and cursor, deletes", async () => {
    const api = account();
    for (const slug of ["t1", "t2", "t3"])
      await api.post("/v1/templates", { slug, name: slug, channel: "sms", content: { body: slug } });
    await api.post("/v1/templates", welcome);
    const got = await api.get("/v1/templates/t2");
    expect(got.status).toBe(200);
    expect(got.json.slug).toBe("t2");
    const page1 = await api.get("/v1/templates?channel=sms&limit=2");
    expect(page1.json.object).toBe("list");
    expect(page1.json.data.map((t: any) => t.slug)).toEqual(["t3", "t2"]);
    const page2 = await api.get(`/v1/templates?channel=sms&limit=2&cursor=${page1.json.next_cursor}`);
    expect(page2.json.data.map((t: any) => t.slug)).toEqual(["t1"]);
    expect(page2.json.next_cursor).toBeNull();
    expect((await api.get("/v1/templates")).json.data.map((t: any) => t.slug)).toEqual(["welcome", "t3", "t2", "t1"]);
    expectError(await api.get("/v1/templates?channel=fax"), 400, "invalid_parameter");

    const deleted = await api.delete("/v1/templates/t2");
    expect(deleted.status).toBe(204);
    expectError(await api.get("/v1/templates/t2"), 404, "template_not_found");
    expectError(await api.delete("/v1/templates/t2"), 404, "template_not_found");
    expectError(await api.post("/v1/messages", { template: "t2", to: "+15555550123" }), 422, "unknown_template");
    // The slug is free again, and starts over at version 1.
    expect(
      (
        await api.post("/v1/templates", {
          slug: "t2",
          name: "again",
          channel: "email",
          content: { subject: "s", html: "h" },
        })
      ).json.current_version.version,
    ).toBe(1);
  });
});

describe("PATCH /v1/templates/{slug} (section 10)", () => {
  it("a changed content makes version n+1 and replaces the whole content; identical content makes none", async () => {
    const api = account();
    const created = await api.post("/v1/templates", {
      ...welcome,
      content: { ...welcome.content, text: "plain {{ name }}" },
    });
    await later();
    const v2 = await api.patch("/v1/templates/welcome", { content: { subject: "New {{ first }}", html: "<p>x</p>" } });
    expect(v2.status).toBe(200);
    expect(v2.json.current_version).toMatchObject({
      version: 2,
      content: { subject: "New {{ first }}", html: "<p>x</p>", text: null },
      variables: ["first"],
    });
    expect(v2.json.updated_at > created.json.updated_at).toBe(true);
    await later();
    const same = await api.patch("/v1/templates/welcome", {
      content: { subject: "New {{ first }}", html: "<p>x</p>" },
    });
    expect(same.json.current_version.version).toBe(2);
    expect(same.json.updated_at).toBe(v2.json.updated_at);
    // Sends use the current version.
    expectError(
      await api.post("/v1/messages", { template: "welcome", to: "a@example.com", vars: { name: "Ada" } }),
      422,
      "missing_variables",
    );
    const sent = await api.post("/v1/messages", { template: "welcome", to: "a@example.com", vars: { first: "Ada" } });
    expect(sent.json.template_version).toBe(2);
  });

  it("push data with the same members in another key order is identical content: no version", async () => {
    const api = account();
    const content = { title: "T {{ a }}", body: "B", data: { x: "1", y: "{{ b }}", z: "3" } };
    const created = await api.post("/v1/templates", { slug: "push", name: "P", channel: "push", content });
    expect(created.status).toBe(201);
    await later();
    const reordered = await api.patch("/v1/templates/push", {
      content: { data: { z: "3", y: "{{ b }}", x: "1" }, body: "B", title: "T {{ a }}" },
    });
    expect(reordered.status).toBe(200);
    expect(reordered.json.current_version.version).toBe(1);
    expect(reordered.json.updated_at).toBe(created.json.updated_at);
    expect((await api.get("/v1/templates/push/versions")).json.data).toHaveLength(1);
    // A real change to data still makes a version.
    const changed = await api.patch("/v1/templates/push", {
      content: { ...content, data: { y: "{{ b }}", x: "2", z: "3" } },
    });
    expect(changed.json.current_version.version).toBe(2);
  });

  it("name and description change without a version; updated_at moves only on a real change", async () => {
    const api = account();
    const created = await api.post("/v1/templates", welcome);
    await later();
    const unchanged = await api.patch("/v1/templates/welcome", {
      name: welcome.name,
      slug: "welcome",
      channel: "email",
    });
    expect(unchanged.status).toBe(200);
    expect(unchanged.json.updated_at).toBe(created.json.updated_at);
    const renamed = await api.patch("/v1/templates/welcome", { name: "Hello", description: "greets" });
    expect(renamed.json).toMatchObject({ name: "Hello", description: "greets", current_version: { version: 1 } });
    expect(renamed.json.updated_at > created.json.updated_at).toBe(true);
  });

  it("slug or channel that differ → 400; bad content → 400 or 422; unknown slug → 404", async () => {
    const api = account();
    await api.post("/v1/templates", welcome);
    expectError(await api.patch("/v1/templates/welcome", { slug: "other" }), 400, "invalid_parameter");
    expectError(await api.patch("/v1/templates/welcome", { channel: "sms" }), 400, "invalid_parameter");
    expectError(await api.patch("/v1/templates/welcome", { content: { body: "x" } }), 400, "invalid_parameter");
    expectError(await api.patch("/v1/templates/welcome", { name: "" }), 400, "invalid_parameter");
    expectError(await api.patch("/v1/templates/welcome", { colour: "red" }), 400, "invalid_parameter");
    expectError(
      await api.patch("/v1/templates/welcome", { content: { subject: "{{", html: "h" } }),
      422,
      "template_syntax_error",
    );
    expect((await api.get("/v1/templates/welcome")).json.current_version.version).toBe(1);
    expectError(await api.patch("/v1/templates/nope", { name: "x" }), 404, "template_not_found");
  });
});

describe("versions", () => {
  it("lists version objects newest first, paginated", async () => {
    const api = account();
    await api.post("/v1/templates", { slug: "v", name: "V", channel: "sms", content: { body: "1" } });
    for (const body of ["2", "3", "4"]) await api.patch("/v1/templates/v", { content: { body } });
    const page1 = await api.get("/v1/templates/v/versions?limit=3");
    expect(page1.status).toBe(200);
    expect(page1.json.data.map((version: any) => version.version)).toEqual([4, 3, 2]);
    expect(page1.json.data[0]).toMatchObject({
      content: { body: "4" },
      variables: [],
      required_variables: [],
      created_at: expect.stringMatching(ISO_TIME),
    });
    const page2 = await api.get(`/v1/templates/v/versions?limit=3&cursor=${page1.json.next_cursor}`);
    expect(page2.json.data.map((version: any) => version.version)).toEqual([1]);
    expect(page2.json.next_cursor).toBeNull();
    expectError(await api.get("/v1/templates/nope/versions"), 404, "template_not_found");
  });
});

describe("render", () => {
  it("renders a saved template: missing and unused, html escaping, never an error for missing variables", async () => {
    const api = account();
    await api.post("/v1/templates", { ...welcome, content: { ...welcome.content, text: "{{ name }} & {{{ name }}}" } });
    const reply = await api.post("/v1/templates/welcome/render", { vars: { name: "<Ada & 'Bo'>", coupon: "X" } });
    expect(reply.status).toBe(200);
    expect(reply.json).toEqual({
      object: "render",
      output: {
        subject: "Welcome, <Ada & 'Bo'>",
        html: "<p>Hi &lt;Ada &amp; &#39;Bo&#39;&gt; — plan free</p>",
        text: "<Ada & 'Bo'> & <Ada & 'Bo'>",
      },
      missing: [],
      unused: ["coupon"],
    });
    const missing = await api.post("/v1/templates/welcome/render", {});
    expect(missing.status).toBe(200);
    expect(missing.json.missing).toEqual(["name"]);
  });

  it("renders an older version; a version that does not exist → 400", async () => {
    const api = account();
    await api.post("/v1/templates", { slug: "v", name: "V", channel: "sms", content: { body: "one {{ a }}" } });
    await api.patch("/v1/templates/v", { content: { body: "two {{ b }}" } });
    expect((await api.post("/v1/templates/v/render", { vars: { a: 1, b: 2 } })).json.output).toEqual({ body: "two 2" });
    expect((await api.post("/v1/templates/v/render", { vars: { a: 1, b: 2 }, version: 1 })).json).toMatchObject({
      output: { body: "one 1" },
      unused: ["b"],
    });
    const error = expectError(await api.post("/v1/templates/v/render", { version: 3 }), 400, "invalid_parameter");
    expect(error.issues[0].path).toEqual(["version"]);
    expectError(await api.post("/v1/templates/v/render", { version: "1" }), 400, "invalid_parameter");
    expectError(await api.post("/v1/templates/nope/render", {}), 404, "template_not_found");
  });

  it("renders unsaved content; its syntax errors are 422", async () => {
    const api = account();
    const reply = await api.post("/v1/templates/render", {
      channel: "web_push",
      content: { title: "Hi {{ u.name }}", body: "b", click_url: "https://e.com/{{ id }}" },
      vars: { u: { name: "Ada" } },
    });
    expect(reply.status).toBe(200);
    expect(reply.json).toEqual({
      object: "render",
      output: { title: "Hi Ada", body: "b", click_url: "https://e.com/", icon: null },
      missing: ["id"],
      unused: [],
    });
    expectError(
      await api.post("/v1/templates/render", { channel: "sms", content: { body: "{{ a.}}" } }),
      422,
      "template_syntax_error",
    );
    expectError(
      await api.post("/v1/templates/render", { channel: "sms", content: { body: "x", title: "t" } }),
      400,
      "invalid_parameter",
    );
    expectError(await api.post("/v1/templates/render", { content: { body: "x" } }), 400, "invalid_parameter");
  });

  it("the slug `render` is reachable with GET, PATCH and DELETE", async () => {
    const api = account();
    expect(
      (await api.post("/v1/templates", { slug: "render", name: "R", channel: "sms", content: { body: "r" } })).status,
    ).toBe(201);
    expect((await api.get("/v1/templates/render")).json.slug).toBe("render");
    expect((await api.patch("/v1/templates/render", { name: "R2" })).json.name).toBe("R2");
    expect((await api.post("/v1/templates/render/render", {})).json.output).toEqual({ body: "r" });
    expect((await api.delete("/v1/templates/render")).status).toBe(204);
    expectError(await api.get("/v1/templates/render"), 404, "template_not_found");
  });
});

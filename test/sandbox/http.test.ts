// Sections 1, 2, 3 and 10 (requests): authentication and modes, headers on every response,
// routing, bodies that are malformed, mistyped or too large.
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox } from "../../sandbox/index.ts";
import type { Sandbox } from "../../sandbox/index.ts";
import { LIVE_KEY, REQUEST_ID, TEST_KEY, call, client, expectError, expectMessageShape, freshKey } from "./helpers.ts";

const REVOKED = "sk_test_revokedREVOKED000000000";
const OUT_OF_PLAN = "sk_test_outofplanOUTOFPLAN00000";

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ stepDelayMs: 10_000, revokedKeys: [REVOKED], outOfPlanKeys: [OUT_OF_PLAN] });
});
afterAll(() => sandbox.close());

const smsBody = { to: "+15555550123", content: { type: "sms", body: "hello" } };

/** Writes `text` on a raw TCP connection and resolves with everything read until the server closes it. */
function rawRequest(text: string): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    const socket = net.connect(sandbox.port, "127.0.0.1", () => socket.write(text));
    let data = "";
    socket.on("data", (chunk) => (data += chunk.toString()));
    socket.on("end", () => resolve(data));
    socket.on("error", reject);
  });
}

describe("startSandbox", () => {
  it("listens on 127.0.0.1 and reports its url and port", () => {
    expect(sandbox.url).toBe(`http://127.0.0.1:${sandbox.port}`);
    expect(sandbox.port).toBeGreaterThan(0);
  });
});

describe("authentication (sections 1 and 10)", () => {
  it("401 authentication_required without a header, with another scheme, or an empty Bearer key", async () => {
    expectError(await call(sandbox.url, "GET", "/v1/messages", { key: null }), 401, "authentication_required");
    expectError(
      await call(sandbox.url, "GET", "/v1/messages", { key: null, headers: { authorization: `Basic ${TEST_KEY}` } }),
      401,
      "authentication_required",
    );
    expectError(
      await call(sandbox.url, "GET", "/v1/messages", { key: null, headers: { authorization: "Bearer " } }),
      401,
      "authentication_required",
    );
  });

  it("the scheme word is case-insensitive", async () => {
    const reply = await call(sandbox.url, "GET", "/v1/messages", {
      key: null,
      headers: { authorization: `bEaReR ${TEST_KEY}` },
    });
    expect(reply.status).toBe(200);
  });

  it("401 invalid_api_key for malformed keys, without echoing the key", async () => {
    for (const key of [
      "sk_test_short",
      "sk_prod_abcdefghijklmnopqrstu",
      "sk_test_abcdefghijklmnop-qrs",
      "pk_test_abcdefghijklmnopqrst",
    ]) {
      const error = expectError(await call(sandbox.url, "GET", "/v1/messages", { key }), 401, "invalid_api_key");
      expect(error.message).not.toContain(key);
    }
  });

  it("403 api_key_revoked for a revoked key", async () => {
    expectError(await call(sandbox.url, "GET", "/v1/messages", { key: REVOKED }), 403, "api_key_revoked");
  });

  it("authentication comes before routing", async () => {
    expectError(await call(sandbox.url, "GET", "/v1/nowhere", { key: null }), 401, "authentication_required");
    expectError(await call(sandbox.url, "GET", "/v1/nowhere"), 404, "route_not_found");
  });

  it("test and live data are separate worlds", async () => {
    const test = client(sandbox.url, TEST_KEY);
    const live = client(sandbox.url, LIVE_KEY);
    const sent = await test.post("/v1/messages", smsBody);
    expect(sent.status).toBe(202);
    expectError(await live.get(`/v1/messages/${sent.json.id}`), 404, "message_not_found");
    const created = await test.post("/v1/templates", {
      slug: "worlds",
      name: "W",
      channel: "sms",
      content: { body: "hi" },
    });
    expect(created.status).toBe(201);
    expectError(await live.get("/v1/templates/worlds"), 404, "template_not_found");
    // Another test key of the same account sees the test world.
    expect((await client(sandbox.url, freshKey()).get("/v1/templates/worlds")).status).toBe(200);
    const inspected = sandbox.messages().find((message) => message.id === sent.json.id);
    expect(inspected?.mode).toBe("test");
  });

  it("402 plan_limit_reached comes only after validation passed", async () => {
    const plan = client(sandbox.url, OUT_OF_PLAN);
    expectError(
      await plan.post("/v1/messages", { to: "bob@", content: { type: "email", subject: "s", html: "h" } }),
      422,
      "invalid_recipient",
    );
    expectError(await plan.post("/v1/messages", smsBody), 402, "plan_limit_reached");
    const batch = await plan.post("/v1/messages/batch", { messages: [smsBody, { ...smsBody, to: "nope" }] });
    expect(batch.status).toBe(200);
    expect(batch.json.data[0]).toMatchObject({
      index: 0,
      ok: false,
      error: { type: "payment_required", code: "plan_limit_reached" },
    });
    expect(batch.json.data[1]).toMatchObject({ index: 1, ok: false, error: { code: "invalid_recipient" } });
    expect(batch.json.data[0].error).not.toHaveProperty("issues");
  });
});

describe("every response (section 2)", () => {
  it("carries X-Request-Id (distinct per response) and the rate-limit headers", async () => {
    const a = await call(sandbox.url, "GET", "/v1/messages");
    const b = await call(sandbox.url, "POST", "/v1/messages", { body: smsBody });
    const c = await call(sandbox.url, "GET", "/v1/nowhere");
    const d = await call(sandbox.url, "GET", "/v1/messages", { key: null });
    for (const reply of [a, b, c, d]) expect(reply.headers.get("x-request-id")).toMatch(REQUEST_ID);
    expect(new Set([a, b, c, d].map((reply) => reply.headers.get("x-request-id"))).size).toBe(4);
    for (const reply of [a, b, c]) {
      expect(Number(reply.headers.get("x-ratelimit-limit"))).toBeGreaterThan(0);
      expect(Number(reply.headers.get("x-ratelimit-remaining"))).toBeGreaterThanOrEqual(0);
      const reset = Number(reply.headers.get("x-ratelimit-reset"));
      expect(Math.abs(reset - Date.now() / 1000)).toBeLessThan(120);
    }
  });

  it("204 has no body", async () => {
    const api = client(sandbox.url);
    await api.post("/v1/templates", { slug: "gone", name: "G", channel: "sms", content: { body: "x" } });
    const reply = await api.delete("/v1/templates/gone");
    expect(reply.status).toBe(204);
    expect(reply.text).toBe("");
    expect(reply.headers.get("x-request-id")).toMatch(REQUEST_ID);
  });
});

describe("routing", () => {
  it("404 route_not_found for unknown paths and methods", async () => {
    const api = client(sandbox.url);
    for (const [method, path] of [
      ["GET", "/"],
      ["GET", "/v2/messages"],
      ["PUT", "/v1/messages"],
      ["DELETE", "/v1/messages/msg_x"],
      ["POST", "/v1/messages/msg_x/deliver"],
      ["GET", "/v1/messages/"],
      ["GET", "/v1/templates/a/b/c"],
    ] as const) {
      expectError(await call(sandbox.url, method, path), 404, "route_not_found");
    }
    expectError(await api.get("/v1/messages/msg_doesnotexist0000"), 404, "message_not_found");
  });

  it("404 route_not_found for a method token Node's parser does not know", async () => {
    for (const method of ["FOO", "GETX", "get"]) {
      const raw = await rawRequest(
        `${method} /v1/messages?limit=1 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TEST_KEY}\r\n\r\n`,
      );
      expect(raw).toMatch(/^HTTP\/1\.1 404 Not Found\r\n/);
      const headerEnd = raw.indexOf("\r\n\r\n");
      const requestId = /\r\nX-Request-Id: (\S+)\r\n/i.exec(raw.slice(0, headerEnd + 2))?.[1];
      expect(requestId).toMatch(REQUEST_ID);
      expect(raw.slice(0, headerEnd)).toContain("Content-Type: application/json; charset=utf-8");
      expect(JSON.parse(raw.slice(headerEnd + 4))).toEqual({
        error: {
          type: "not_found",
          code: "route_not_found",
          message: `no route for ${method} /v1/messages`,
          request_id: requestId,
        },
      });
    }
  });
});

describe("request bodies (section 10)", () => {
  it("400 invalid_json for malformed JSON, and for a content type other than JSON", async () => {
    const api = client(sandbox.url);
    expectError(await api.post("/v1/messages", undefined, { rawBody: '{"to": ' }), 400, "invalid_json");
    expectError(
      await api.post("/v1/messages", undefined, {
        rawBody: "to=x",
        headers: { "content-type": "application/x-www-form-urlencoded" },
      }),
      400,
      "invalid_json",
    );
    expectError(
      await api.post("/v1/messages", undefined, { rawBody: new Uint8Array([0x7b, 0xff, 0x7d]) }),
      400,
      "invalid_json",
    );
  });

  it("accepts a missing Content-Type and JSON with parameters", async () => {
    const bare = await fetch(`${sandbox.url}/v1/messages`, {
      method: "POST",
      headers: { authorization: `Bearer ${TEST_KEY}` },
      body: JSON.stringify(smsBody),
    });
    // fetch labels a string body text/plain; send bytes instead so there is no Content-Type at all.
    const noType = await fetch(`${sandbox.url}/v1/messages`, {
      method: "POST",
      headers: { authorization: `Bearer ${TEST_KEY}` },
      body: new TextEncoder().encode(JSON.stringify(smsBody)),
    });
    expect(noType.status).toBe(202);
    expect(bare.status).toBe(400); // text/plain is "any other type"
    const withCharset = await client(sandbox.url).post("/v1/messages", smsBody, {
      headers: { "content-type": "Application/JSON; charset=UTF-8" },
    });
    expect(withCharset.status).toBe(202);
  });

  it("400 invalid_parameter for JSON that is not an object; an empty body is {}", async () => {
    const api = client(sandbox.url);
    for (const raw of ["[1,2]", '"text"', "42", "null"]) {
      const error = expectError(await api.post("/v1/messages", undefined, { rawBody: raw }), 400, "invalid_parameter");
      expect(error.issues).toEqual([{ path: [], message: expect.any(String) }]);
    }
    // {} misses `to` and template/content: 400 listing both.
    const empty = expectError(await api.post("/v1/messages", undefined, { rawBody: "" }), 400, "invalid_parameter");
    expect(empty.issues.map((issue: any) => issue.path[0]).sort()).toEqual(["template", "to"]);
  });

  it("400 body_too_large over 1,048,576 bytes, and the server stays up", async () => {
    const padding = "x".repeat(1_048_576);
    const reply = await client(sandbox.url).post("/v1/messages", { ...smsBody, metadata: { p: padding } });
    expectError(reply, 400, "body_too_large");
    // Exactly at the limit is read (and then judged on its content).
    const atLimit = JSON.stringify({ ...smsBody, metadata: { p: "" } });
    const fill = "y".repeat(1_048_576 - Buffer.byteLength(atLimit));
    const exact = await client(sandbox.url).post("/v1/messages", undefined, {
      rawBody: JSON.stringify({ ...smsBody, metadata: { p: fill } }),
    });
    expect(Buffer.byteLength(JSON.stringify({ ...smsBody, metadata: { p: fill } }))).toBe(1_048_576);
    expectError(exact, 400, "invalid_parameter"); // a metadata value of over 500 characters
    expect((await client(sandbox.url).get("/v1/messages?limit=1")).status).toBe(200);
  });

  it("body_too_large on a chunked body that grows past the limit", async () => {
    const chunk = new Uint8Array(256 * 1024).fill(0x20);
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent >= 6) controller.close();
        else {
          sent++;
          controller.enqueue(chunk);
        }
      },
    });
    const response = await fetch(`${sandbox.url}/v1/messages`, {
      method: "POST",
      headers: { authorization: `Bearer ${TEST_KEY}`, "content-type": "application/json" },
      body: stream,
      duplex: "half",
    } as RequestInit);
    const body = (await response.json()) as any;
    expect(response.status).toBe(400);
    expect(body.error.code).toBe("body_too_large");
  });

  it("a malformed HTTP request gets the contract's error body", async () => {
    const raw = await rawRequest("GARBAGE\r\n\r\n");
    expect(raw).toMatch(/^HTTP\/1\.1 400 /);
    const body = JSON.parse(raw.slice(raw.indexOf("\r\n\r\n") + 4));
    expect(body.error).toMatchObject({
      type: "validation_error",
      code: "invalid_parameter",
      request_id: expect.stringMatching(REQUEST_ID),
    });
  });

  it("400 invalid_parameter for a body nested deeper than 64 levels, never a 500 (single, batch, render)", async () => {
    const api = client(sandbox.url);
    const deep = (levels: number) => "[".repeat(levels) + "]".repeat(levels);
    const expectTooDeep = (reply: Awaited<ReturnType<typeof api.post>>) => {
      const error = expectError(reply, 400, "invalid_parameter");
      expect(error.issues).toEqual([
        { path: [], message: "the body is nested more than 64 levels deep (objects and arrays)" },
      ]);
    };
    const sms = '"to":"+15555550123","content":{"type":"sms","body":"{{a}}"},"interpolate":true';
    expectTooDeep(await api.post("/v1/messages", undefined, { rawBody: `{${sms},"vars":{"a":${deep(100_000)}}}` }));
    expectTooDeep(
      await api.post("/v1/messages", undefined, {
        rawBody: `{${sms},"vars":{"a":${'{"b":'.repeat(100_000)}1${"}".repeat(100_000)}}}`,
      }),
    );
    expectTooDeep(
      await api.post("/v1/messages/batch", undefined, {
        rawBody: `{"messages":[{${sms},"idempotency_key":"deep-1","vars":{"a":${deep(100_000)}}}]}`,
      }),
    );
    expectTooDeep(
      await api.post("/v1/templates/render", undefined, {
        rawBody: `{"channel":"sms","content":{"body":"{{a}}"},"vars":{"a":${deep(100_000)}}}`,
      }),
    );
    // Just past the limit: the body is level 1, vars 2, so 63 arrays in vars make 65.
    expectTooDeep(await api.post("/v1/messages", undefined, { rawBody: `{${sms},"vars":{"a":${deep(63)}}}` }));
    // At the limit, and brackets inside strings do not count.
    const atLimit = await api.post("/v1/messages", undefined, {
      rawBody: `{${sms},"vars":{"a":${deep(62)},"s":"${"[{".repeat(100)}\\\"["}}`,
    });
    expect(atLimit.status).toBe(202);
  });

  it("unknown parameters are rejected, null on an optional field means absent", async () => {
    const api = client(sandbox.url);
    const error = expectError(
      await api.post("/v1/messages", { ...smsBody, colour: "red", content: { ...smsBody.content, subject: "no" } }),
      400,
      "invalid_parameter",
    );
    expect(error.issues).toEqual(
      expect.arrayContaining([
        { path: ["colour"], message: "unknown parameter" },
        { path: ["content", "subject"], message: "unknown parameter" },
      ]),
    );
    const withNulls = await api.post("/v1/messages", {
      ...smsBody,
      template: null,
      metadata: null,
      scheduled_at: null,
      vars: null,
    });
    expect(withNulls.status).toBe(202);
    expectMessageShape(withNulls.json);
    expect(withNulls.json.metadata).toEqual({});
  });
});

describe("isolateKeys", () => {
  it("makes every key an account of its own", async () => {
    const isolated = await startSandbox({ isolateKeys: true });
    try {
      const a = client(isolated.url, freshKey());
      const b = client(isolated.url, freshKey());
      expect(
        (await a.post("/v1/templates", { slug: "mine", name: "M", channel: "sms", content: { body: "x" } })).status,
      ).toBe(201);
      expectError(await b.get("/v1/templates/mine"), 404, "template_not_found");
      expect(
        (await b.post("/v1/templates", { slug: "mine", name: "M", channel: "sms", content: { body: "x" } })).status,
      ).toBe(201);
    } finally {
      await isolated.close();
    }
  });
});

describe("the inspection API", () => {
  it("gives copies: changing what it returns changes nothing in the sandbox", async () => {
    const api = client(sandbox.url, freshKey());
    const sent = await api.post("/v1/messages", { ...smsBody, metadata: { a: "1" } });
    const inspected = sandbox.messages().find((message) => message.id === sent.json.id)!;
    expect(inspected.message).toEqual(sent.json);
    (inspected.message.metadata as Record<string, string>).a = "changed";
    expect((await api.get(`/v1/messages/${sent.json.id}`)).json.metadata).toEqual({ a: "1" });
    expect(sandbox.messages({ mode: "live" }).every((message) => message.mode === "live")).toBe(true);
    expect(sandbox.requests.total).toBeGreaterThan(0);
    expect(sandbox.requests.byStatus[202]).toBeGreaterThan(0);
  });
});

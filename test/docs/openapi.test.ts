// docs/openapi.yaml is a valid OpenAPI 3.1 document, and every answer the sandbox gives (each
// operation, success and error paths, webhook deliveries) matches it: status, headers and body.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Validator } from "@seriousme/openapi-schema-validator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox } from "senderkit/sandbox";
import type { Sandbox } from "senderkit/sandbox";
import { OPENAPI_PATH, OpenApiChecker } from "./openapi-check.ts";
import type { Answer } from "./openapi-check.ts";

const KEY = "sk_test_openapidocs000000000000";
const REVOKED_KEY = "sk_test_openapirevoked00000000";
const OUT_OF_PLAN_KEY = "sk_test_openapioutofplan000000";
const checker = new OpenApiChecker();

/** Every status seen per operation, to prove at the end that each was driven both ways. */
const seen = new Map<string, Set<number>>();

interface Call {
  body?: unknown;
  /** Sent as is instead of `body`. */
  rawBody?: string;
  key?: string | null;
  headers?: Record<string, string>;
  /** Check against this shared response instead of the operation (answers of no operation). */
  sharedResponse?: string;
  baseUrl?: string;
}

interface CheckedAnswer extends Answer {
  json: any;
}

let sandbox: Sandbox;

/** Calls `operation` ("POST /v1/messages") at `path` and checks the answer against the document. */
async function call(operation: string, path: string, options: Call = {}): Promise<CheckedAnswer> {
  const [method] = operation.split(" ");
  const headers: Record<string, string> = { ...options.headers };
  const key = options.key === undefined ? KEY : options.key;
  if (key !== null) headers.authorization = `Bearer ${key}`;
  let body = options.rawBody;
  if (body === undefined && options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined) headers["content-type"] ??= "application/json";
  const response = await fetch(`${options.baseUrl ?? sandbox.url}${path}`, { method, headers, body });
  const answer: Answer = { status: response.status, headers: response.headers, text: await response.text() };

  const problems =
    options.sharedResponse === undefined
      ? checker.checkAnswer(operation, answer)
      : checker.checkSharedResponse(options.sharedResponse, answer);
  // What the server accepted must be what the document accepts.
  if (answer.status < 300 && options.body !== undefined)
    problems.push(...checker.checkRequestBody(operation, options.body));
  expect(problems).toEqual([]);

  if (options.sharedResponse === undefined) {
    if (!seen.has(operation)) seen.set(operation, new Set());
    seen.get(operation)!.add(answer.status);
  }
  const isJson = (answer.headers.get("content-type") ?? "").startsWith("application/json");
  return { ...answer, json: isJson && answer.text !== "" ? JSON.parse(answer.text) : undefined };
}

function expectError(answer: CheckedAnswer, status: number, code: string): void {
  expect({ status: answer.status, code: answer.json?.error?.code }).toEqual({ status, code });
}

// A local receiver for webhook deliveries: records each one as it came over the wire.
interface Delivery {
  headers: Record<string, string | undefined>;
  body: string;
}
const deliveries: Delivery[] = [];
const receiver = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.on("end", () => {
    const headers: Record<string, string | undefined> = {};
    for (const [name, value] of Object.entries(req.headers))
      headers[name] = Array.isArray(value) ? value.join(",") : value;
    deliveries.push({ headers, body: Buffer.concat(chunks).toString("utf8") });
    res.writeHead(204).end();
  });
});
let receiverUrl: string;

beforeAll(async () => {
  sandbox = await startSandbox({
    stepDelayMs: 20,
    revokedKeys: [REVOKED_KEY],
    outOfPlanKeys: [OUT_OF_PLAN_KEY],
    webhooks: { retryDelaysMs: [50], timeoutMs: 2000 },
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
});

afterAll(async () => {
  await sandbox?.close();
  await new Promise((resolve) => receiver.close(resolve));
});

describe("the document", () => {
  it("is valid OpenAPI 3.1 and its schemas compile as JSON Schema 2020-12", async () => {
    const validator = new Validator();
    const result = await validator.validate(OPENAPI_PATH);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(validator.version).toBe("3.1");
    expect(checker.compileAllSchemas()).toContain("Message");
    const ids = checker.operations().map((operation) => {
      const [method, path] = operation.split(" ");
      return checker.document.paths[path!]![method!.toLowerCase()]!.operationId as string;
    });
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("finds answers that break it (the checks can fail)", () => {
    const headers = new Headers({ "content-type": "application/json" });
    const text = JSON.stringify({ object: "message", id: "msg_1", status: "lost" });
    const problems = checker.checkAnswer("POST /v1/messages", { status: 202, headers, text });
    expect(problems.join("\n")).toMatch(/header X-Request-Id is missing/);
    expect(problems.join("\n")).toMatch(/must have required property 'channel'/);
    expect(problems.join("\n")).toMatch(/status must be equal to one of the allowed values/);
    expect(checker.checkAnswer("GET /v1/messages", { status: 418, headers, text: "{}" })).toEqual([
      "GET /v1/messages → 418: status not documented",
    ]);
    expect(
      checker.checkRequestBody("POST /v1/messages", { to: "a@example.com", template: "t", content: {} }),
    ).not.toEqual([]);
  });
});

describe("the sandbox answers as documented", () => {
  const messageIds: string[] = [];

  it("templates: create, read, list, update, versions, render, delete", async () => {
    const welcome = {
      slug: "welcome",
      name: "Welcome",
      channel: "email",
      content: { subject: "Hi {{ name }}", html: '<p>Hi {{ name }}, plan {{ plan | default: "free" }}</p>' },
    };
    expect((await call("POST /v1/templates", "/v1/templates", { body: welcome })).status).toBe(201);
    const push = {
      slug: "ping",
      name: "Ping",
      channel: "push",
      content: { title: "Ping", body: "{{ who }}", badge: 1 },
    };
    expect((await call("POST /v1/templates", "/v1/templates", { body: push })).status).toBe(201);
    expectError(await call("POST /v1/templates", "/v1/templates", { body: welcome }), 409, "template_exists");
    const broken = { ...welcome, slug: "broken", content: { subject: "{{ name", html: "x" } };
    expectError(await call("POST /v1/templates", "/v1/templates", { body: broken }), 422, "template_syntax_error");
    expectError(await call("POST /v1/templates", "/v1/templates", { body: { slug: "x" } }), 400, "invalid_parameter");

    expect((await call("GET /v1/templates/{slug}", "/v1/templates/welcome")).json.current_version.version).toBe(1);
    expectError(await call("GET /v1/templates/{slug}", "/v1/templates/nope"), 404, "template_not_found");
    expectError(await call("GET /v1/templates/{slug}", "/v1/templates/welcome?x=1"), 400, "invalid_parameter");
    const list = await call("GET /v1/templates", "/v1/templates?channel=email&limit=1");
    expect(list.json.data.map((t: { slug: string }) => t.slug)).toEqual(["welcome"]);
    expectError(await call("GET /v1/templates", "/v1/templates?channel=fax"), 400, "invalid_parameter");

    const patch = { content: { subject: "Hello {{ name }}", html: "<p>Hello {{ name }}</p>", text: "Hello" } };
    const patched = await call("PATCH /v1/templates/{slug}", "/v1/templates/welcome", { body: patch });
    expect(patched.json.current_version.version).toBe(2);
    const badPatch = { content: { body: "sms content on an email template" } };
    expectError(
      await call("PATCH /v1/templates/{slug}", "/v1/templates/welcome", { body: badPatch }),
      400,
      "invalid_parameter",
    );
    expectError(
      await call("PATCH /v1/templates/{slug}", "/v1/templates/nope", { body: patch }),
      404,
      "template_not_found",
    );
    const syntax = { content: { subject: "{{", html: "x" } };
    expectError(
      await call("PATCH /v1/templates/{slug}", "/v1/templates/welcome", { body: syntax }),
      422,
      "template_syntax_error",
    );

    const versions = await call("GET /v1/templates/{slug}/versions", "/v1/templates/welcome/versions");
    expect(versions.json.data.map((v: { version: number }) => v.version)).toEqual([2, 1]);
    expectError(
      await call("GET /v1/templates/{slug}/versions", "/v1/templates/nope/versions"),
      404,
      "template_not_found",
    );
    expectError(
      await call("GET /v1/templates/{slug}/versions", "/v1/templates/welcome/versions?limit=0"),
      400,
      "invalid_parameter",
    );

    const render = await call("POST /v1/templates/{slug}/render", "/v1/templates/welcome/render", {
      body: { vars: { coupon: "X" }, version: 1 },
    });
    expect(render.json).toMatchObject({ object: "render", missing: ["name"], unused: ["coupon"] });
    const noVersion = { vars: {}, version: 9 };
    expectError(
      await call("POST /v1/templates/{slug}/render", "/v1/templates/welcome/render", { body: noVersion }),
      400,
      "invalid_parameter",
    );
    expectError(
      await call("POST /v1/templates/{slug}/render", "/v1/templates/nope/render", { body: { vars: {} } }),
      404,
      "template_not_found",
    );
    const unsaved = {
      channel: "web_push",
      content: { title: "T", body: "Hi {{ name }}", click_url: "https://x.test" },
      vars: { name: "Ada" },
    };
    expect((await call("POST /v1/templates/render", "/v1/templates/render", { body: unsaved })).json.output.body).toBe(
      "Hi Ada",
    );
    const unsavedBroken = { channel: "sms", content: { body: "{{ }}" }, vars: {} };
    expectError(
      await call("POST /v1/templates/render", "/v1/templates/render", { body: unsavedBroken }),
      422,
      "template_syntax_error",
    );
    expectError(
      await call("POST /v1/templates/render", "/v1/templates/render", { body: { channel: "sms" } }),
      400,
      "invalid_parameter",
    );

    await call("POST /v1/templates", "/v1/templates", { body: { ...welcome, slug: "doomed" } });
    expect((await call("DELETE /v1/templates/{slug}", "/v1/templates/doomed")).status).toBe(204);
    expectError(await call("DELETE /v1/templates/{slug}", "/v1/templates/doomed"), 404, "template_not_found");
  });

  it("messages: template and raw sends on every channel, replays, list, get, cancel", async () => {
    const send = (body: unknown, options: Call = {}) => call("POST /v1/messages", "/v1/messages", { body, ...options });
    const templateSend = {
      template: "welcome",
      to: "ada@example.com",
      vars: { name: "Ada" },
      metadata: { user_id: "usr_1" },
      cc: ["ops@example.com"],
      bcc: [],
      reply_to: "support@example.com",
    };
    const sent = await send(templateSend, { headers: { "idempotency-key": "openapi-welcome-1" } });
    expect(sent.status).toBe(202);
    messageIds.push(sent.json.id);
    const replay = await send(templateSend, { headers: { "idempotency-key": "openapi-welcome-1" } });
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(replay.json.id).toBe(sent.json.id);
    const reused = await send(
      { ...templateSend, vars: { name: "Bob" } },
      { headers: { "idempotency-key": "openapi-welcome-1" } },
    );
    expectError(reused, 409, "idempotency_key_reused");
    expectError(await send(templateSend, { headers: { "idempotency-key": "\u00e9" } }), 400, "invalid_parameter");

    const raws = [
      { to: "+15555550123", content: { type: "sms", body: "Code {{ code }}" }, interpolate: true, vars: { code: "1" } },
      { to: "device-token-1", content: { type: "push", title: "T", body: "B", badge: 2, data: { k: "v" } } },
      {
        to: JSON.stringify({ endpoint: "https://push.example.com/1", keys: { p256dh: "p", auth: "a" } }),
        content: { type: "web_push", title: "T", body: "B", icon: "https://x.test/i.png" },
      },
      {
        to: "raw@example.com",
        content: { type: "email", subject: "S", html: "<p>H</p>" },
        scheduled_at: "2099-01-01T09:00:00+02:00",
      },
      { template: "ping", to: "device-token-2", vars: { who: "me" } },
    ];
    for (const raw of raws) {
      const answer = await send(raw);
      expect(answer.status).toBe(202);
      messageIds.push(answer.json.id);
    }
    expect((await call("GET /v1/messages/{id}", `/v1/messages/${messageIds[4]}`)).json.status).toBe("scheduled");

    expectError(await send({ ...templateSend, content: { type: "sms", body: "x" } }), 400, "invalid_parameter");
    expectError(await send({ template: "nope", to: "a@example.com" }), 422, "unknown_template");
    expectError(
      await send({ template: "ping", to: "t", cc: ["a@example.com"], vars: { who: "x" } }),
      422,
      "channel_mismatch",
    );
    expectError(await send({ ...templateSend, to: "bob@" }), 422, "invalid_recipient");
    expectError(await send({ ...templateSend, to: "suppressed@senderkit.test" }), 422, "recipient_suppressed");
    expectError(await send({ ...templateSend, scheduled_at: "2001-01-01T00:00:00Z" }), 422, "scheduled_at_in_past");
    expectError(await send({ template: "welcome", to: "a@example.com" }), 422, "missing_variables");
    expectError(await send(templateSend, { key: OUT_OF_PLAN_KEY }), 402, "plan_limit_reached");
    expectError(await send(undefined, { rawBody: "{", headers: {} }), 400, "invalid_json");
    expectError(
      await send(undefined, { rawBody: "x", headers: { "content-type": "text/plain" } }),
      400,
      "invalid_json",
    );
    const tooLarge = JSON.stringify({ ...templateSend, vars: { pad: "x".repeat(1_048_576) } });
    expectError(await send(undefined, { rawBody: tooLarge }), 400, "body_too_large");

    const list = await call("GET /v1/messages", "/v1/messages?channel=email&metadata[user_id]=usr_1&limit=1");
    expect(list.json.data.map((m: { id: string }) => m.id)).toEqual([sent.json.id]);
    const all = await call("GET /v1/messages", "/v1/messages?limit=2");
    expect(typeof all.json.next_cursor).toBe("string");
    await call("GET /v1/messages", `/v1/messages?limit=2&cursor=${encodeURIComponent(all.json.next_cursor)}`);
    expectError(await call("GET /v1/messages", "/v1/messages?colour=red"), 400, "invalid_parameter");

    expect((await call("GET /v1/messages/{id}", `/v1/messages/${sent.json.id}`)).json.id).toBe(sent.json.id);
    expectError(await call("GET /v1/messages/{id}", "/v1/messages/msg_nope"), 404, "message_not_found");

    const cancel = (id: string) => call("POST /v1/messages/{id}/cancel", `/v1/messages/${id}/cancel`);
    expect((await cancel(messageIds[4]!)).json.status).toBe("cancelled");
    expectError(await cancel(messageIds[4]!), 409, "message_not_cancellable");
    expectError(await cancel("msg_nope"), 404, "message_not_found");
    expectError(
      await call("POST /v1/messages/{id}/cancel", `/v1/messages/${sent.json.id}/cancel`, { body: { x: 1 } }),
      400,
      "invalid_parameter",
    );
  });

  it("batch: per-item results, item errors without request_id, whole-request errors", async () => {
    const batch = (body: unknown, options: Call = {}) =>
      call("POST /v1/messages/batch", "/v1/messages/batch", { body, ...options });
    const items = [
      { template: "welcome", to: "b1@example.com", vars: { name: "B" }, idempotency_key: "openapi-batch-0" },
      { template: "welcome", to: "bob@", vars: { name: "B" } },
      { to: "+15555550124", content: { type: "sms", body: "hi" } },
    ];
    const answer = await batch({ messages: items });
    expect(answer.json.data.map((r: { index: number; ok: boolean }) => [r.index, r.ok])).toEqual([
      [0, true],
      [1, false],
      [2, true],
    ]);
    expect(answer.json.data[1].error.code).toBe("invalid_recipient");
    const outOfPlan = await batch({ messages: items.slice(0, 1) }, { key: OUT_OF_PLAN_KEY });
    expect(outOfPlan.json.data[0].error.type).toBe("payment_required");

    expectError(await batch({ messages: [] }), 400, "invalid_parameter");
    const tooMany = Array.from({ length: 1001 }, () => ({ to: "+15555550125", content: { type: "sms", body: "x" } }));
    expectError(await batch({ messages: tooMany }), 422, "batch_too_large");
  });

  it("webhook endpoints: create with secret, read without, update, rotate, delete", async () => {
    const create = (body: unknown) => call("POST /v1/webhook_endpoints", "/v1/webhook_endpoints", { body });
    const created = await create({ url: receiverUrl, events: ["*"], description: "docs test" });
    expect(created.json.secret).toMatch(/^whsec_/);
    const id = created.json.id as string;
    expectError(await create({ url: "http://example.com/hooks", events: ["*"] }), 422, "invalid_url");
    expectError(await create({ url: "https://example.com/hooks", events: ["message.lost"] }), 422, "invalid_events");
    expectError(await create({ url: "https://example.com/hooks" }), 400, "invalid_parameter");

    expect((await call("GET /v1/webhook_endpoints", "/v1/webhook_endpoints")).json.data[0].secret).toBeUndefined();
    expectError(await call("GET /v1/webhook_endpoints", "/v1/webhook_endpoints?limit=101"), 400, "invalid_parameter");
    expect((await call("GET /v1/webhook_endpoints/{id}", `/v1/webhook_endpoints/${id}`)).json.id).toBe(id);
    expectError(
      await call("GET /v1/webhook_endpoints/{id}", "/v1/webhook_endpoints/we_nope"),
      404,
      "webhook_endpoint_not_found",
    );

    const patch = (path: string, body: unknown) => call("PATCH /v1/webhook_endpoints/{id}", path, { body });
    expect((await patch(`/v1/webhook_endpoints/${id}`, { description: "renamed" })).json.description).toBe("renamed");
    expectError(await patch(`/v1/webhook_endpoints/${id}`, { events: [] }), 422, "invalid_events");
    expectError(await patch(`/v1/webhook_endpoints/${id}`, { colour: "red" }), 400, "invalid_parameter");
    expectError(await patch("/v1/webhook_endpoints/we_nope", { enabled: false }), 404, "webhook_endpoint_not_found");

    const rotate = (path: string, body?: unknown) =>
      call("POST /v1/webhook_endpoints/{id}/rotate_secret", path, { body });
    const rotated = await rotate(`/v1/webhook_endpoints/${id}/rotate_secret`, { expire_previous_after_seconds: 60 });
    expect(rotated.json.secret).not.toBe(created.json.secret);
    expectError(
      await rotate(`/v1/webhook_endpoints/${id}/rotate_secret`, { expire_previous_after_seconds: -1 }),
      400,
      "invalid_parameter",
    );
    expectError(await rotate("/v1/webhook_endpoints/we_nope/rotate_secret"), 404, "webhook_endpoint_not_found");

    const doomed = await create({ url: "https://example.com/doomed", events: ["message.sent"], enabled: false });
    expect((await call("DELETE /v1/webhook_endpoints/{id}", `/v1/webhook_endpoints/${doomed.json.id}`)).status).toBe(
      204,
    );
    expectError(
      await call("DELETE /v1/webhook_endpoints/{id}", `/v1/webhook_endpoints/${doomed.json.id}`),
      404,
      "webhook_endpoint_not_found",
    );
  });

  it("webhook deliveries match webhooks.messageEvent", async () => {
    const sent = await call("POST /v1/messages", "/v1/messages", {
      body: { to: "+15555550126", content: { type: "sms", body: "hook" } },
    });
    const typesOfThisMessage = () =>
      deliveries
        .map((d) => JSON.parse(d.body) as { type: string; payload: { message: { id: string } } })
        .filter((event) => event.payload.message.id === sent.json.id)
        .map((event) => event.type);
    const deadline = Date.now() + 10_000;
    while (typesOfThisMessage().length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(typesOfThisMessage()).toEqual(["message.queued", "message.sent", "message.delivered"]);
    for (const delivery of deliveries) {
      expect(checker.checkWebhookDelivery("messageEvent", delivery.headers, delivery.body)).toEqual([]);
    }
    // Signed with both secrets during the rotation's overlap.
    expect(deliveries.at(-1)!.headers["x-senderkit-signature"]).toMatch(/^t=\d+,v1=[0-9a-f]{64},v1=[0-9a-f]{64}$/);
  });

  it("every operation: 401 without a key or a malformed one, 403 for a revoked key", async () => {
    for (const operation of checker.operations()) {
      const path = operation.split(" ")[1]!.replace(/\{[a-z]+\}/g, "x");
      expectError(await call(operation, path, { key: null }), 401, "authentication_required");
      expectError(await call(operation, path, { key: "sk_test_short" }), 401, "invalid_api_key");
      expectError(await call(operation, path, { key: REVOKED_KEY }), 403, "api_key_revoked");
    }
  });

  it("unknown routes are the shared NotFound answer", async () => {
    for (const [method, path] of [
      ["GET", "/v1/nope"],
      ["PUT", "/v1/messages"],
      ["GET", "/v1/messages/"],
    ] as const) {
      expectError(await call(`${method} ${path}`, path, { sharedResponse: "NotFound" }), 404, "route_not_found");
    }
  });

  it("rate limits and server errors: 429 with Retry-After, 5xx as JSON or a proxy's HTML page", async () => {
    const limited = await startSandbox({ rateLimit: { limit: 1, windowSeconds: 60 } });
    try {
      const baseUrl = limited.url;
      expect((await call("GET /v1/templates", "/v1/templates", { baseUrl })).status).toBe(200);
      const answer = await call("GET /v1/templates", "/v1/templates", { baseUrl });
      expectError(answer, 429, "rate_limited");
      expect(answer.headers.get("x-ratelimit-remaining")).toBe("0");
    } finally {
      await limited.close();
    }
    sandbox.failNext("429");
    expectError(await call("GET /v1/messages", "/v1/messages"), 429, "rate_limited");
    sandbox.failNext("500");
    expectError(
      await call("POST /v1/messages/batch", "/v1/messages/batch", { body: { messages: [] } }),
      500,
      "internal_error",
    );
    sandbox.failNext("503");
    expectError(await call("GET /v1/webhook_endpoints", "/v1/webhook_endpoints"), 503, "unavailable");
    sandbox.failNext("502_html");
    const html = await call("GET /v1/templates/{slug}", "/v1/templates/welcome");
    expect([html.status, html.headers.get("content-type")?.split(";")[0]]).toEqual([502, "text/html"]);
  });

  it("drove every operation of the document to a success and to an error", () => {
    const notDriven = checker.operations().filter((operation) => {
      const statuses = [...(seen.get(operation) ?? [])];
      return !statuses.some((s) => s < 300) || !statuses.some((s) => s >= 400);
    });
    expect(notDriven).toEqual([]);
  });
});

// Sections 4 and 10 (idempotency): replay, reuse, in progress, what is and is not stored,
// scope, and batch item keys in the same namespace.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IdempotencyStore, IDEMPOTENCY_TTL_MS } from "../../sandbox/idempotency.ts";
import { startSandbox } from "../../sandbox/index.ts";
import type { Sandbox } from "../../sandbox/index.ts";
import { REQUEST_ID, call, client, expectError, freshKey, waitFor } from "./helpers.ts";

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ stepDelayMs: 20, faults: { rate: 0, lateMs: 400 } });
});
afterAll(() => sandbox.close());

let counter = 0;
const newKey = () => `idem-${process.pid}-${++counter}-${Date.now()}`;
const send = (n = 1) => ({ to: "+15555550123", content: { type: "sms", body: `hello ${n}` } });
const storedWith = (key: string) => sandbox.messages().filter((message) => message.idempotencyKey === key);

describe("replay", () => {
  it("replays the first answer byte for byte, with a new X-Request-Id and Idempotent-Replayed: true", async () => {
    const api = client(sandbox.url);
    const key = newKey();
    const first = await api.post("/v1/messages", send(), { idempotencyKey: key });
    expect(first.status).toBe(202);
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    // The original answer, not today's state: wait until the message has moved on.
    await waitFor(() => (storedWith(key)[0]?.status === "delivered" ? true : undefined));
    const replay = await api.post("/v1/messages", send(), { idempotencyKey: key });
    expect(replay.status).toBe(202);
    expect(replay.text).toBe(first.text);
    expect(replay.json.status).toBe("queued");
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(replay.headers.get("x-request-id")).toMatch(REQUEST_ID);
    expect(replay.headers.get("x-request-id")).not.toBe(first.headers.get("x-request-id"));
    expect(storedWith(key)).toHaveLength(1);
    // The query is not part of the comparison.
    expect((await api.post("/v1/messages?via=retry", send(), { idempotencyKey: key })).text).toBe(first.text);
  });

  it("stores and replays 4xx answers too, keeping the original request_id", async () => {
    const api = client(sandbox.url, freshKey());
    const key = newKey();
    const body = { template: "later", to: "+15555550123" };
    const first = await api.post("/v1/messages", body, { idempotencyKey: key });
    const error = expectError(first, 422, "unknown_template");
    // Creating the template now does not change the stored answer.
    await api.post("/v1/templates", { slug: "later", name: "L", channel: "sms", content: { body: "x" } });
    const replay = await api.post("/v1/messages", body, { idempotencyKey: key });
    expect(replay.status).toBe(422);
    expect(replay.text).toBe(first.text);
    expect(replay.json.error.request_id).toBe(error.request_id);
    expect(replay.headers.get("x-request-id")).not.toBe(error.request_id);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
  });

  it("stores nothing for a body refused before the endpoint runs (not JSON, not an object): the key stays free", async () => {
    const api = client(sandbox.url, freshKey());
    const key = newKey();
    const badJson = await api.post("/v1/messages", undefined, { rawBody: "{oops", idempotencyKey: key });
    const first = expectError(badJson, 400, "invalid_json");
    const again = await api.post("/v1/messages", undefined, { rawBody: "[1]", idempotencyKey: key });
    expectError(again, 400, "invalid_parameter");
    expect(again.headers.get("idempotent-replayed")).toBeNull();
    expect(again.json.error.request_id).not.toBe(first.request_id);
    const sent = await api.post(
      "/v1/messages",
      { content: { type: "sms", body: "hi" }, to: "+15555550123" },
      { idempotencyKey: key },
    );
    expect(sent.status).toBe(202);
  });

  it("works on every POST, e.g. template creation", async () => {
    const api = client(sandbox.url, freshKey());
    const key = newKey();
    const body = { slug: "idem", name: "I", channel: "sms", content: { body: "x" } };
    const first = await api.post("/v1/templates", body, { idempotencyKey: key });
    expect(first.status).toBe(201);
    const replay = await api.post("/v1/templates", body, { idempotencyKey: key });
    expect(replay.status).toBe(201);
    expect(replay.text).toBe(first.text);
    // Without the key, the same request is a conflict.
    expectError(await api.post("/v1/templates", body), 409, "template_exists");
  });
});

describe("reuse and scope", () => {
  it("409 idempotency_key_reused for a different body (byte for byte) or path; the original stays", async () => {
    const api = client(sandbox.url);
    const key = newKey();
    const first = await api.post("/v1/messages", send(1), { idempotencyKey: key });
    expectError(await api.post("/v1/messages", send(2), { idempotencyKey: key }), 409, "idempotency_key_reused");
    expectError(
      await api.post("/v1/messages", undefined, { rawBody: JSON.stringify(send(1), null, 2), idempotencyKey: key }),
      409,
      "idempotency_key_reused",
    );
    expectError(await api.post("/v1/messages/batch", send(1), { idempotencyKey: key }), 409, "idempotency_key_reused");
    expect((await api.post("/v1/messages", send(1), { idempotencyKey: key })).text).toBe(first.text);
    expect(storedWith(key)).toHaveLength(1);
  });

  it("keys are scoped to the exact API key", async () => {
    const key = newKey();
    const a = await client(sandbox.url, freshKey()).post("/v1/messages", send(), { idempotencyKey: key });
    const b = await client(sandbox.url, freshKey()).post("/v1/messages", send(), { idempotencyKey: key });
    expect(b.headers.get("idempotent-replayed")).toBeNull();
    expect(b.json.id).not.toBe(a.json.id);
    expect(storedWith(key)).toHaveLength(2);
  });

  it("is honoured on POST only", async () => {
    const api = client(sandbox.url);
    const key = newKey();
    const first = await api.get("/v1/messages?limit=1", { idempotencyKey: key });
    const second = await api.get("/v1/messages?limit=1", { idempotencyKey: key });
    expect(second.headers.get("idempotent-replayed")).toBeNull();
    expect(first.status).toBe(200);
  });
});

describe("what is not stored", () => {
  it("a malformed key is 400 with the issue path [Idempotency-Key]", async () => {
    const api = client(sandbox.url);
    for (const key of ["", "x".repeat(256), "naïve", "tab\there"]) {
      const error = expectError(
        await api.post("/v1/messages", send(), { idempotencyKey: key }),
        400,
        "invalid_parameter",
      );
      expect(error.issues).toEqual([{ path: ["Idempotency-Key"], message: expect.any(String) }]);
    }
    const longest = "k".repeat(255);
    expect(
      (await client(sandbox.url, freshKey()).post("/v1/messages", send(), { idempotencyKey: longest })).status,
    ).toBe(202);
  });

  it("401 and 403 answers are not stored", async () => {
    const key = newKey();
    expectError(
      await call(sandbox.url, "POST", "/v1/messages", { key: "sk_test_bad", body: send(), idempotencyKey: key }),
      401,
      "invalid_api_key",
    );
    const later = await client(sandbox.url).post("/v1/messages", send(), { idempotencyKey: key });
    expect(later.status).toBe(202);
    expect(later.headers.get("idempotent-replayed")).toBeNull();
  });

  it("a 5xx is not stored: a retry with the key runs anew", async () => {
    const api = client(sandbox.url);
    const key = newKey();
    // Fails inside the handler, after the key was claimed (a "503" fault answers before the claim).
    sandbox.failNext("500_in_handler");
    expectError(await api.post("/v1/messages", send(), { idempotencyKey: key }), 500, "internal_error");
    expect(storedWith(key)).toHaveLength(0);
    const retry = await api.post("/v1/messages", send(), { idempotencyKey: key });
    expect(retry.status).toBe(202);
    expect(retry.headers.get("idempotent-replayed")).toBeNull();
    expect(storedWith(key)).toHaveLength(1);
    // The same for a key first used by a template creation.
    const templateKey = newKey();
    const template = { slug: `t${counter}`, name: "T", channel: "sms", content: { body: "x" } };
    const other = client(sandbox.url, freshKey());
    sandbox.failNext("500_in_handler");
    expectError(await other.post("/v1/templates", template, { idempotencyKey: templateKey }), 500, "internal_error");
    const created = await other.post("/v1/templates", template, { idempotencyKey: templateKey });
    expect(created.status).toBe(201);
    expect(created.headers.get("idempotent-replayed")).toBeNull();
  });
});

describe("in progress", () => {
  it("409 idempotency_request_in_progress while the first request runs; a different body is idempotency_key_reused", async () => {
    const api = client(sandbox.url);
    const key = newKey();
    sandbox.failNext("late"); // processed now, answered 400 ms later
    const started = Date.now();
    const first = api.post("/v1/messages", send(1), { idempotencyKey: key });
    await waitFor(() => (storedWith(key).length === 1 ? true : undefined), 2000, "the first request to be processed");
    expectError(
      await api.post("/v1/messages", send(1), { idempotencyKey: key }),
      409,
      "idempotency_request_in_progress",
    );
    expectError(await api.post("/v1/messages", send(2), { idempotencyKey: key }), 409, "idempotency_key_reused");
    const answered = await first;
    expect(answered.status).toBe(202);
    expect(Date.now() - started).toBeGreaterThanOrEqual(390);
    const replay = await api.post("/v1/messages", send(1), { idempotencyKey: key });
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect(replay.text).toBe(answered.text);
    expect(storedWith(key)).toHaveLength(1);
  });
});

describe("batch item keys (section 10)", () => {
  it("share one namespace with Idempotency-Key on POST /v1/messages, compared as the item's JSON", async () => {
    const api = client(sandbox.url);
    const key = newKey();
    const single = await api.post("/v1/messages", send(7), { idempotencyKey: key });
    const batch = await api.post("/v1/messages/batch", {
      messages: [
        { ...send(7), idempotency_key: key },
        { ...send(8), idempotency_key: key },
      ],
    });
    expect(batch.status).toBe(200);
    expect(batch.json.data[0]).toEqual({ index: 0, ok: true, message: single.json });
    expect(batch.json.data[1]).toMatchObject({
      index: 1,
      ok: false,
      error: { type: "conflict", code: "idempotency_key_reused" },
    });
    expect(batch.json.data[1].error).not.toHaveProperty("issues");
    expect(batch.json.data[1].error).not.toHaveProperty("request_id");
    expect(storedWith(key)).toHaveLength(1);

    // And the other way round: an item's key replays as a single send.
    const itemKey = newKey();
    const created = await api.post("/v1/messages/batch", { messages: [{ ...send(9), idempotency_key: itemKey }] });
    const asSingle = await api.post("/v1/messages", send(9), { idempotencyKey: itemKey });
    expect(asSingle.status).toBe(202);
    expect(asSingle.headers.get("idempotent-replayed")).toBe("true");
    expect(asSingle.json).toEqual(created.json.data[0].message);
  });

  it("a key repeated within one batch replays the earlier item; a retried batch sends nothing twice", async () => {
    const api = client(sandbox.url);
    const [a, b] = [newKey(), newKey()];
    const body = {
      messages: [
        { ...send(1), idempotency_key: a },
        { ...send(1), idempotency_key: a },
        { ...send(2), idempotency_key: b },
        { to: "nope", content: { type: "sms", body: "x" }, idempotency_key: newKey() },
      ],
    };
    const first = await api.post("/v1/messages/batch", body);
    expect(first.json.data[1]).toEqual({ ...first.json.data[0], index: 1 });
    expect(first.json.data[3]).toMatchObject({ ok: false, error: { code: "invalid_recipient" } });
    await waitFor(() => (storedWith(a)[0]?.status === "delivered" ? true : undefined));
    const retried = await api.post("/v1/messages/batch", body);
    expect(retried.json).toEqual(first.json); // the original answers, item errors included
    expect(storedWith(a)).toHaveLength(1);
    expect(storedWith(b)).toHaveLength(1);
  });

  it("a malformed item key fails that item alone", async () => {
    const api = client(sandbox.url);
    const reply = await api.post("/v1/messages/batch", { messages: [{ ...send(), idempotency_key: "" }, send()] });
    expect(reply.json.data[0]).toMatchObject({
      ok: false,
      error: { code: "invalid_parameter", issues: [{ path: ["idempotency_key"] }] },
    });
    expect(reply.json.data[1].ok).toBe(true);
  });
});

describe("IdempotencyStore", () => {
  it("keeps a key 24 hours from the first request", () => {
    const store = new IdempotencyStore();
    const t0 = 1_000_000;
    const first = store.begin("k", "/v1/messages", { body: "{}", json: undefined }, t0);
    expect(first.kind).toBe("new");
    store.finish(first.record, 202, '{"a":1}');
    expect(store.begin("k", "/v1/messages", { body: "{}", json: undefined }, t0 + IDEMPOTENCY_TTL_MS - 1).kind).toBe(
      "replay",
    );
    expect(store.begin("k", "/v1/messages", { body: "{}", json: undefined }, t0 + IDEMPOTENCY_TTL_MS).kind).toBe("new");
  });

  it("forgets a key whose answer was a 5xx", () => {
    const store = new IdempotencyStore();
    const first = store.begin("k", "/p", { body: "x", json: undefined }, 0);
    store.finish(first.record, 500, "oops");
    expect(store.begin("k", "/p", { body: "y", json: undefined }, 1).kind).toBe("new");
  });
});

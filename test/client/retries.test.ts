// What is retried (network errors, timeouts, 408, 409 in progress, 429, 5xx), how long the
// client waits, and that every retry of a send reuses one Idempotency-Key.
import { describe, expect, it } from "vitest";
import { SenderKit, errors } from "../../src/index.ts";
import {
  TEST_KEY,
  errorBody,
  json,
  scriptedClients,
  startScriptedServer,
  wireMessage,
} from "../helpers/scripted-server.ts";
import type { Handler } from "../helpers/scripted-server.ts";

const clientFor = scriptedClients({ maxRetryDelay: 20 });

/** Fails the first `failures` requests with `fail`, then accepts the send. */
const failThenAccept =
  (failures: number, fail: Handler): Handler =>
  (req, res, index) =>
    index < failures ? fail(req, res, index) : json(res, 202, wireMessage());

describe("retried", () => {
  it.each([
    ["500", (_q, r) => json(r, 500, errorBody("api_error", "internal_error"))],
    [
      "502 with an HTML body",
      (_q, r) => {
        r.writeHead(502, { "content-type": "text/html" });
        r.end("<h1>Bad Gateway</h1>");
      },
    ],
    ["503", (_q, r) => json(r, 503, errorBody("api_error", "unavailable"))],
    ["504", (_q, r) => json(r, 504, errorBody("api_error", "unavailable"))],
    ["408", (_q, r) => json(r, 408, errorBody("api_error", "request_timeout"))],
    [
      "409 idempotency_request_in_progress",
      (_q, r) => json(r, 409, errorBody("conflict", "idempotency_request_in_progress")),
    ],
    ["429 without Retry-After", (_q, r) => json(r, 429, errorBody("rate_limited", "rate_limited"))],
    [
      "a connection reset",
      (_q, r) => {
        r.socket?.destroy();
      },
    ],
  ] as [string, Handler][])("%s, with the same Idempotency-Key on every attempt", async (_name, fail) => {
    const { sk, srv } = await clientFor(failThenAccept(2, fail));
    const message = await sk.send("welcome", "user@example.com");
    expect(message.id).toBe("msg_9aZk2Lm4Qp8Rt1Vw");
    expect(srv.requests).toHaveLength(3);
    const keys = new Set(srv.requests.map((r) => r.headers["idempotency-key"]));
    expect(keys.size).toBe(1);
    expect([...keys][0]).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    // The same bytes each time, so the server's fingerprint matches.
    expect(new Set(srv.requests.map((r) => r.body)).size).toBe(1);
  });

  it("a timeout, then gives up with TimeoutError after maxRetries", async () => {
    const { sk, srv } = await clientFor(
      () => {
        /* never answers */
      },
      { timeout: 100, maxRetries: 2 },
    );
    const error = await sk.send("welcome", "user@example.com").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(errors.TimeoutError);
    expect(srv.requests).toHaveLength(3);
    expect(new Set(srv.requests.map((r) => r.headers["idempotency-key"])).size).toBe(1);
  });

  it("429 waits for Retry-After before the next attempt", async () => {
    const { sk, srv } = await clientFor(
      failThenAccept(1, (_q, r) => json(r, 429, errorBody("rate_limited", "rate_limited"), { "retry-after": "1" })),
    );
    await sk.send("welcome", "user@example.com");
    expect(srv.requests).toHaveLength(2);
    // A lower bound only: the wait must not be shorter than the server asked for.
    expect(srv.requests[1]!.at - srv.requests[0]!.at).toBeGreaterThanOrEqual(950);
  });

  it("surfaces a 429 whose Retry-After is too long to wait out", async () => {
    const { sk, srv } = await clientFor((_q, r) =>
      json(r, 429, errorBody("rate_limited", "rate_limited"), { "retry-after": "3600" }),
    );
    const error = await sk.send("welcome", "user@example.com").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(errors.RateLimitError);
    expect((error as errors.RateLimitError).retryAfter).toBe(3600);
    expect(srv.requests).toHaveLength(1);
  });

  it("stops after maxRetries and throws the last error", async () => {
    const { sk, srv } = await clientFor((_q, r) => json(r, 503, errorBody("api_error", "unavailable")), {
      maxRetries: 3,
    });
    const error = await sk.send("welcome", "user@example.com").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(errors.InternalServerError);
    expect(srv.requests).toHaveLength(4);
  });

  it("a reset after the server committed the send leaves exactly one message", async () => {
    // The server commits by idempotency key, then drops the first answer on the floor.
    const committed = new Map<string, unknown>();
    const { sk, srv } = await clientFor((req, res, index) => {
      const key = String(req.headers["idempotency-key"]);
      if (!committed.has(key)) committed.set(key, wireMessage({ id: `msg_${committed.size + 1}` }));
      if (index === 0) return void res.socket?.destroy();
      json(res, 202, committed.get(key), { "idempotent-replayed": "true" });
    });
    const message = await sk.send("welcome", "user@example.com");
    expect(srv.requests).toHaveLength(2);
    expect(committed.size).toBe(1);
    expect(message.id).toBe("msg_1");
  });

  it("uses the caller's idempotency key", async () => {
    const { sk, srv } = await clientFor(
      failThenAccept(1, (_q, r) => json(r, 500, errorBody("api_error", "internal_error"))),
    );
    await sk.send("welcome", "user@example.com", { idempotencyKey: "order-1234-shipped" });
    expect(srv.requests.map((r) => r.headers["idempotency-key"])).toEqual(["order-1234-shipped", "order-1234-shipped"]);
  });

  it("makes a fresh key for each call", async () => {
    const { sk, srv } = await clientFor((_q, r) => json(r, 202, wireMessage()));
    await sk.send("welcome", "user@example.com");
    await sk.send("welcome", "user@example.com");
    expect(srv.requests[0]!.headers["idempotency-key"]).not.toBe(srv.requests[1]!.headers["idempotency-key"]);
  });
});

describe("not retried", () => {
  it.each([
    [400, "validation_error", "invalid_parameter", errors.ValidationError],
    [401, "authentication_error", "invalid_api_key", errors.AuthenticationError],
    [402, "payment_required", "plan_limit_reached", errors.PaymentRequiredError],
    [403, "authentication_error", "api_key_revoked", errors.AuthenticationError],
    [404, "not_found", "template_not_found", errors.NotFoundError],
    [409, "conflict", "idempotency_key_reused", errors.ConflictError],
    [422, "validation_error", "recipient_suppressed", errors.ValidationError],
  ] as const)("%i %s", async (status, type, code, ErrorClass) => {
    const { sk, srv } = await clientFor((_q, r) => json(r, status, errorBody(type, code, { issues: [] })), {
      maxRetries: 5,
    });
    const error = await sk.send("welcome", "user@example.com").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ErrorClass);
    expect(srv.requests).toHaveLength(1);
  });

  it("a refused connection becomes a NetworkError after the retries", async () => {
    // A port that was listening a moment ago and no longer is.
    const srv = await startScriptedServer((_q, r) => json(r, 202, wireMessage()));
    const url = srv.url;
    await srv.close();
    const sk = new SenderKit({ apiKey: TEST_KEY, baseUrl: url, maxRetries: 1, initialRetryDelay: 5 });
    const error = await sk.send("welcome", "user@example.com").catch((e: unknown) => e);
    await sk.close();
    expect(error).toBeInstanceOf(errors.NetworkError);
    expect((error as Error).message).toMatch(/ECONNREFUSED/);
  });

  it("an aborted batch rejects with the abort reason and is not retried", async () => {
    const { sk, srv } = await clientFor(() => {
      /* never answers */
    });
    const error = await sk
      .sendBatch([{ template: "welcome", to: "a@example.com" }], { signal: AbortSignal.timeout(50) })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DOMException);
    expect((error as DOMException).name).toBe("TimeoutError");
    expect(srv.requests).toHaveLength(1);
  });
});

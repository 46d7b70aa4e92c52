// What a failed call leaves the caller: the idempotency key to retry with (so a retry never sends
// twice), a bounded read of any answer, and no secret anywhere in the error.
import { inspect } from "node:util";
import type { ServerResponse } from "node:http";
import { Agent } from "undici";
import { describe, expect, it } from "vitest";
import { APIError, RateLimitError, SenderKit, SenderKitError } from "../../src/index.ts";
import { MAX_RESPONSE_BYTES } from "../../src/internal/http.ts";
import { TEST_KEY, errorBody, json, scriptedClients, wireMessage } from "../helpers/scripted-server.ts";
import type { Handler, RecordedRequest } from "../helpers/scripted-server.ts";

/** The error a call rejects with; a call that resolves fails the test. */
async function rejection<E>(call: Promise<unknown>): Promise<E> {
  try {
    await call;
  } catch (error) {
    return error as E;
  }
  throw new Error("expected the call to fail");
}

const clientFor = scriptedClients();

/**
 * A server that honours idempotency keys like the contract (one message per key, replays after),
 * but whose first `failures` requests fail after committing: a reset first, then 429s.
 */
function committingThenFailing(failures: number) {
  const committed = new Map<string, object>();
  let failed = 0;
  const handler: Handler = (req, res) => {
    const keys =
      req.path === "/v1/messages/batch"
        ? (JSON.parse(req.body) as { messages: { idempotency_key: string; to: string }[] }).messages
        : [
            {
              idempotency_key: req.headers["idempotency-key"] as string,
              to: (JSON.parse(req.body) as { to: string }).to,
            },
          ];
    const results = keys.map(({ idempotency_key, to }) => {
      if (!committed.has(idempotency_key))
        committed.set(idempotency_key, wireMessage({ id: `msg_${committed.size}`, to }));
      return committed.get(idempotency_key)!;
    });
    if (failed++ < failures) {
      if (failed === 1) return void res.socket?.destroy();
      return json(res, 429, errorBody("rate_limited", "rate_limited"));
    }
    if (req.path === "/v1/messages/batch") {
      return json(res, 200, { object: "list", data: results.map((message, index) => ({ index, ok: true, message })) });
    }
    json(res, 200, results[0]);
  };
  return { handler, committed };
}

describe("the key travels with the failure", () => {
  it("a reset after commit, then 429s until retries run out: a retry with error.idempotencyKey leaves one message", async () => {
    const { handler, committed } = committingThenFailing(3);
    const { sk, srv } = await clientFor(handler);
    const error = await rejection<RateLimitError>(sk.send("welcome", "a@example.com"));
    expect(error).toBeInstanceOf(RateLimitError);
    const sentKey = srv.requests[0]!.headers["idempotency-key"];
    expect(error.idempotencyKey).toBe(sentKey);
    expect(new Set(srv.requests.map((r) => r.headers["idempotency-key"]))).toEqual(new Set([sentKey]));
    expect(committed.size).toBe(1);

    const message = await sk.send("welcome", "a@example.com", { idempotencyKey: error.idempotencyKey });
    expect(message.id).toBe("msg_0");
    expect(committed.size).toBe(1);
  });

  it("carries the caller's own key, on API errors and on network errors", async () => {
    const { sk } = await clientFor((_req, res) => json(res, 422, errorBody("validation_error", "invalid_recipient")), {
      maxRetries: 0,
    });
    const error = await rejection<SenderKitError>(
      sk.sendRaw("+15005550006", { type: "sms", body: "hi" }, { idempotencyKey: "order-77" }),
    );
    expect(error.idempotencyKey).toBe("order-77");
    const cancel = await rejection<SenderKitError>(sk.messages.cancel("msg_1", { idempotencyKey: "cancel-1" }));
    expect(cancel.idempotencyKey).toBe("cancel-1");

    const refused = new SenderKit({ apiKey: TEST_KEY, baseUrl: "http://127.0.0.1:1", maxRetries: 0 });
    const network = await rejection<SenderKitError>(refused.send("welcome", "a@example.com"));
    expect(network.name).toBe("NetworkError");
    expect(network.idempotencyKey).toMatch(/^[0-9a-f-]{36}$/);
    await refused.close();
  });

  it("a batch chunk that fails after its retries gives each item its own key; re-running with them sends each once", async () => {
    const { handler, committed } = committingThenFailing(3);
    const { sk } = await clientFor(handler);
    const items = ["a", "b", "c"].map((name) => ({ template: "welcome", to: `${name}@example.com` }));
    const first = await sk.sendBatch(items);
    expect(first.every((r) => !r.ok && r.error instanceof RateLimitError)).toBe(true);
    const keys = first.map((r) => (!r.ok ? r.error.idempotencyKey : undefined));
    expect(new Set(keys).size).toBe(3);
    expect(committed.size).toBe(3);
    expect([...committed.keys()].sort()).toEqual([...keys].sort());

    const again = await sk.sendBatch(items.map((item, i) => ({ ...item, idempotencyKey: keys[i] })));
    expect(again.every((r) => r.ok)).toBe(true);
    expect(committed.size).toBe(3);
  });
});

describe("bounded answers", () => {
  /** Streams `total` bytes of a JSON-looking body with backpressure, counting what the socket took. */
  function streaming(total: number, declareLength: boolean) {
    const written = { bytes: 0, finished: false };
    const handler: Handler = async (_req: RecordedRequest, res: ServerResponse) => {
      res.writeHead(200, {
        "content-type": "application/json",
        ...(declareLength ? { "content-length": String(total) } : {}),
      });
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      while (written.bytes < total && !res.destroyed) {
        written.bytes += chunk.length;
        if (!res.write(chunk))
          await new Promise((resolve) => {
            res.once("drain", resolve);
            res.once("close", resolve);
          });
      }
      written.finished = written.bytes >= total;
      res.end();
    };
    return { handler, written };
  }

  it("a 100 MiB answer is a typed APIError after reading no more than the limit", async () => {
    const { handler, written } = streaming(100 * 1_048_576, false);
    const { sk } = await clientFor(handler, { maxRetries: 0 });
    const before = process.memoryUsage();
    const error = await rejection<APIError>(sk.messages.get("msg_1"));
    expect(error).toBeInstanceOf(APIError);
    expect(error.code).toBe("response_too_large");
    expect(error.message).toContain(`larger than ${MAX_RESPONSE_BYTES} bytes`);
    // The client hung up: the server could not push the 100 MiB (socket buffers take a few MiB).
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(written.finished).toBe(false);
    expect(written.bytes).toBeLessThan(MAX_RESPONSE_BYTES + 16 * 1_048_576);
    const after = process.memoryUsage();
    expect(after.arrayBuffers + after.heapUsed - (before.arrayBuffers + before.heapUsed)).toBeLessThan(64 * 1_048_576);
  });

  it("a declared Content-Length over the limit is refused without reading the body", async () => {
    const { handler, written } = streaming(100 * 1_048_576, true);
    const { sk } = await clientFor(handler, { maxRetries: 0 });
    const error = await rejection<APIError>(sk.messages.get("msg_1"));
    expect(error.code).toBe("response_too_large");
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(written.bytes).toBeLessThan(16 * 1_048_576);
  });

  it("the limit holds the largest legitimate answer: 1000 full messages echoing a full 1 MiB request, escaped", async () => {
    // As much metadata as 1000 items can carry in 1 MiB, echoed with every "é" as a \u00e9 escape.
    const metadata = { note: "é".repeat(500) };
    const items = Array.from({ length: 1000 }, (_, i) => ({ template: "welcome", to: `u${i}@example.com`, metadata }));
    let largest = 0;
    const { sk } = await clientFor(
      (req, res) => {
        const sent = (JSON.parse(req.body) as { messages: { to: string }[] }).messages;
        const data = sent.map((item, index) => ({ index, ok: true, message: wireMessage({ to: item.to, metadata }) }));
        const text = JSON.stringify({ object: "list", data }).replaceAll("é", "\\u00e9");
        largest = Math.max(largest, Buffer.byteLength(text));
        res.writeHead(200, { "content-type": "application/json" }).end(text);
      },
      { maxRetries: 0 },
    );
    const results = await sk.sendBatch(items);
    expect(results.every((r) => r.ok && r.message.metadata.note === metadata.note)).toBe(true);
    expect(largest).toBeGreaterThan(2_500_000);
  });
});

describe("no key in any error", () => {
  const leaks = (error: unknown) => {
    const texts = [
      String((error as Error).message),
      JSON.stringify(error),
      inspect(error, { depth: 10 }),
      String((error as Error).stack),
    ];
    const cause = (error as Error).cause;
    if (cause !== undefined) texts.push(inspect(cause, { depth: 10 }), String((cause as Error).message));
    return texts.filter(
      (text) => text.includes(TEST_KEY) || /Bearer (?!\[redacted\])/.test(text) || text.includes("whsec_Zz"),
    );
  };

  it("an echoed Authorization header is absent from message, issues, headers, JSON and inspect", async () => {
    const { sk } = await clientFor(
      (req, res) =>
        json(
          res,
          401,
          errorBody("authentication_error", "invalid_api_key", {
            message: `bad credentials: ${req.headers.authorization} (key ${TEST_KEY}, secret whsec_Zz12345)`,
            issues: [{ path: ["Authorization"], message: `got ${req.headers.authorization}` }],
          }),
          { "x-echo": req.headers.authorization! },
        ),
      { maxRetries: 0 },
    );
    const error = await rejection<APIError>(sk.send("welcome", "a@example.com"));
    expect(error.name).toBe("AuthenticationError");
    expect(error.message).toBe("bad credentials: Bearer [redacted] (key [redacted], secret [redacted])");
    expect(error.issues[0]!.message).toBe("got Bearer [redacted]");
    expect(error.headers["x-echo"]).toBe("Bearer [redacted]");
    expect(leaks(error)).toEqual([]);
  });

  it("an echoed key in a batch item's error is redacted too", async () => {
    const { sk } = await clientFor(
      (_req, res) =>
        json(res, 200, {
          object: "list",
          data: [
            {
              index: 0,
              ok: false,
              error: { type: "validation_error", code: "invalid_recipient", message: `key ${TEST_KEY}` },
            },
          ],
        }),
      { maxRetries: 0 },
    );
    const [result] = await sk.sendBatch([{ template: "welcome", to: "a@example.com" }]);
    expect(!result!.ok && result!.error.message).toBe("key [redacted]");
    expect(leaks(!result!.ok && result!.error)).toEqual([]);
  });

  it("a failure below the client (a dispatcher quoting the header) is typed, with the cause scrubbed", async () => {
    const quoting = new Agent().compose(() => (options, _handler) => {
      throw new Error(`refusing ${JSON.stringify(options.headers)}`);
    });
    const sk = new SenderKit({ apiKey: TEST_KEY, baseUrl: "http://127.0.0.1:1", maxRetries: 0, dispatcher: quoting });
    const error = await rejection<SenderKitError>(sk.send("welcome", "a@example.com"));
    expect(error).toBeInstanceOf(SenderKitError);
    expect(error.message).toContain("POST /v1/messages failed: refusing");
    expect((error.cause as Error).message).toContain("Bearer [redacted]");
    expect(leaks(error)).toEqual([]);
    await quoting.close();
  });
});

// The sandbox stays bounded whatever clients send: refused bodies leave nothing behind, idempotency
// records expire after 24 hours on the sandbox's clock, per-key state is capped, and even a request
// without Host gets the contract's error body.
import { connect } from "node:net";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { startSandbox } from "../../sandbox/index.ts";
import type { Sandbox } from "../../sandbox/index.ts";
import { KeyRegistry, MAX_KEY_CONTEXTS } from "../../sandbox/auth.ts";
import { IDEMPOTENCY_TTL_MS, IdempotencyStore } from "../../sandbox/idempotency.ts";
import { REQUEST_ID, client, expectError, freshKey } from "./helpers.ts";

const MIB = 1_048_576;
let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ stepDelayMs: 20 });
});
afterAll(async () => sandbox.close());
afterEach(() => void vi.useRealTimers());

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;
/** Heap, off-heap buffers and strings still reachable after a full collection. */
function retainedBytes(): number {
  gc();
  gc();
  const usage = process.memoryUsage();
  return usage.heapUsed + usage.external + usage.arrayBuffers;
}

describe("memory", () => {
  it("300 refused 1 MiB bodies under idempotency keys leave the sandbox's memory where it was", async () => {
    const api = client(sandbox.url, freshKey());
    // Just under 1 MiB: an unknown parameter (the endpoint's 400, stored as a digest and an answer)
    // and a body that is not JSON (refused before the endpoint, not stored at all).
    const unknownParameter = JSON.stringify({ to: "+15555550123", template: "x", junk: "j".repeat(MIB - 100) });
    const notJson = "{" + "x".repeat(MIB - 10);
    const send = (i: number) =>
      api.post("/v1/messages", undefined, {
        rawBody: i % 2 === 0 ? unknownParameter : notJson,
        idempotencyKey: `refused-${i}`,
      });
    await send(0); // warm up connections and code paths before the baseline
    const before = retainedBytes();
    for (let i = 1; i <= 300; i += 4) {
      const replies = await Promise.all([0, 1, 2, 3].map((j) => send(i + j)));
      for (const reply of replies) expect(reply.status).toBe(400);
    }
    const grown = retainedBytes() - before;
    // A request body in flight is at most 1 MiB; keeping each refused one would be ~300 MiB.
    // 32 MiB leaves room for allocator and collector noise while catching a leak of a tenth of them.
    expect(grown).toBeLessThan(32 * MIB);

    // What the contract stores (the endpoint's 400) still replays; what was refused earlier does not.
    const replay = await send(2);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    expect((await send(3)).headers.get("idempotent-replayed")).toBeNull();
  }, 60_000);

  it("a body over 1 MiB is body_too_large and stores nothing under its key", async () => {
    const api = client(sandbox.url, freshKey());
    const big = await api.post("/v1/messages", undefined, { rawBody: "x".repeat(MIB + 1), idempotencyKey: "too-big" });
    expectError(big, 400, "body_too_large");
    const sent = await api.post(
      "/v1/messages",
      { content: { type: "sms", body: "hi" }, to: "+15555550123" },
      { idempotencyKey: "too-big" },
    );
    expect(sent.status).toBe(202);
  });
});

describe("idempotency records expire after 24 hours on the sandbox's clock", () => {
  it("a key is free again 24 hours after its first request, and not a millisecond before", async () => {
    vi.useFakeTimers({ toFake: ["Date"], now: Date.now() });
    const api = client(sandbox.url, freshKey());
    const body = (text: string) => ({ content: { type: "sms", body: text }, to: "+15555550123" });
    expect((await api.post("/v1/messages", body("first"), { idempotencyKey: "day" })).status).toBe(202);
    vi.setSystemTime(Date.now() + IDEMPOTENCY_TTL_MS - 1000);
    expectError(
      await api.post("/v1/messages", body("second"), { idempotencyKey: "day" }),
      409,
      "idempotency_key_reused",
    );
    vi.setSystemTime(Date.now() + 1000);
    const later = await api.post("/v1/messages", body("second"), { idempotencyKey: "day" });
    expect(later.status).toBe(202);
    expect(later.headers.get("idempotent-replayed")).toBeNull();
  });

  it("expired records are dropped, not only ignored", () => {
    const store = new IdempotencyStore();
    for (let i = 0; i < 1000; i++)
      store.finish(store.begin(`k${i}`, "/v1/messages", { body: `{"n":${i}}`, json: undefined }, i).record, 202, "{}");
    expect(store.size).toBe(1000);
    store.begin("late", "/v1/messages", { body: "{}", json: undefined }, 500 + IDEMPOTENCY_TTL_MS);
    expect(store.size).toBe(500); // k501…k999 and "late"
    expect(
      store.begin("k999", "/v1/messages", { body: '{"n":999}', json: undefined }, 500 + IDEMPOTENCY_TTL_MS).kind,
    ).toBe("replay");
  });
});

describe("per-key bookkeeping", () => {
  it(`keeps the state of at most ${MAX_KEY_CONTEXTS} keys, forgetting the least recently used`, () => {
    const keys = new KeyRegistry({ revokedKeys: [], outOfPlanKeys: [], isolateKeys: true });
    const header = (i: number) => `Bearer sk_test_manykeys${String(i).padStart(8, "0")}abcdefgh`;
    const kept = keys.authenticate(header(0));
    for (let i = 1; i < 3 * MAX_KEY_CONTEXTS; i++) {
      keys.authenticate(header(i));
      if (i % 100 === 0) expect(keys.authenticate(header(0))).toBe(kept); // used often: kept
    }
    expect(keys.size).toBe(MAX_KEY_CONTEXTS);
    expect(keys.authenticate(header(0))).toBe(kept);
    const forgotten = keys.authenticate(header(1));
    expect(forgotten.idempotency.size).toBe(0);
    expect(keys.size).toBe(MAX_KEY_CONTEXTS);
  });
});

describe("every answer is a contract error body with X-Request-Id", () => {
  /** Sends raw bytes and returns the raw answer (no client would omit Host). */
  const raw = (request: string) =>
    new Promise<string>((resolve, reject) => {
      const socket = connect(Number(new URL(sandbox.url).port), "127.0.0.1", () => socket.end(request));
      let answer = "";
      socket
        .setEncoding("utf8")
        .on("data", (chunk) => (answer += chunk))
        .on("end", () => resolve(answer))
        .on("error", reject);
    });

  it("a request without Host is 400 invalid_parameter naming Host", async () => {
    const answer = await raw(
      "GET /v1/messages HTTP/1.1\r\nAuthorization: Bearer sk_test_contractTESTS0123456789\r\nConnection: close\r\n\r\n",
    );
    const [head, body] = answer.split("\r\n\r\n");
    expect(head).toMatch(/^HTTP\/1\.1 400 /);
    expect(head!.toLowerCase()).toMatch(/\r\nx-request-id: req_[0-9a-f]{24}/);
    const error = (JSON.parse(body!) as { error: { code: string; issues: { path: string[] }[]; request_id: string } })
      .error;
    expect(error.code).toBe("invalid_parameter");
    expect(error.issues[0]!.path).toEqual(["Host"]);
    expect(error.request_id).toMatch(REQUEST_ID);
  });

  it("an HTTP/1.0 request needs no Host", async () => {
    const answer = await raw(
      "GET /v1/messages HTTP/1.0\r\nAuthorization: Bearer sk_test_contractTESTS0123456789\r\n\r\n",
    );
    expect(answer).toMatch(/^HTTP\/1\.1 200 /);
  });
});

// sendBatch chunking, ordering, per-item keys and failure isolation; cursor pagination.
import { describe, expect, it } from "vitest";
import { errors } from "../../src/index.ts";
import type { BatchProgress } from "../../src/index.ts";
import { errorBody, json, scriptedClients, wireMessage } from "../helpers/scripted-server.ts";
import type { Handler } from "../helpers/scripted-server.ts";

const clientFor = scriptedClients();

/** Accepts every item, echoing its recipient into the message so order can be checked. */
const acceptAll: Handler = (req, res) => {
  const { messages } = JSON.parse(req.body) as { messages: { to: string }[] };
  json(res, 200, {
    object: "list",
    data: messages.map((item, index) => ({
      index,
      ok: true,
      message: wireMessage({ id: `msg_${item.to}`, to: item.to }),
    })),
  });
};

const items = (count: number) =>
  Array.from({ length: count }, (_, i) => ({ template: "welcome", to: `u${i}@example.com`, vars: { n: i } }));

describe("sendBatch", () => {
  it("splits 2,500 items into 3 chunks and keeps input order", async () => {
    const { sk, srv } = await clientFor(acceptAll);
    const progress: BatchProgress[] = [];
    const results = await sk.sendBatch(items(2500), { concurrency: 3, onProgress: (p) => progress.push(p) });
    const chunkSizes = srv.requests
      .map((r) => (JSON.parse(r.body) as { messages: unknown[] }).messages.length)
      .sort((a, b) => b - a);
    expect(chunkSizes).toEqual([1000, 1000, 500]);
    expect(results).toHaveLength(2500);
    results.forEach((result, i) => {
      expect(result.index).toBe(i);
      expect(result.ok && result.message.to).toBe(`u${i}@example.com`);
    });
    expect(progress.at(-1)).toEqual({ done: 2500, total: 2500, succeeded: 2500, failed: 0 });
  });

  it("derives item keys from a base key; the chunk request relies on its items' keys", async () => {
    const { sk, srv } = await clientFor(acceptAll);
    await sk.sendBatch(items(3), { idempotencyKey: "welcome-2026-01" });
    const body = JSON.parse(srv.requests[0]!.body) as { messages: { idempotency_key: string }[] };
    expect(body.messages.map((m) => m.idempotency_key)).toEqual([
      "welcome-2026-01-0",
      "welcome-2026-01-1",
      "welcome-2026-01-2",
    ]);
    expect(srv.requests[0]!.headers["idempotency-key"]).toBeUndefined();
  });

  it("lets an item's own idempotencyKey win over the base key", async () => {
    const { sk, srv } = await clientFor(acceptAll);
    await sk.sendBatch([{ template: "welcome", to: "a@example.com", idempotencyKey: "row-17" }, ...items(1)], {
      idempotencyKey: "base",
    });
    const body = JSON.parse(srv.requests[0]!.body) as { messages: { idempotency_key: string }[] };
    expect(body.messages.map((m) => m.idempotency_key)).toEqual(["row-17", "base-1"]);
  });

  it("gives every item a fresh key without a base key, kept across retries of its chunk", async () => {
    const { sk, srv } = await clientFor((req, res, index) =>
      index === 0 ? void res.socket?.destroy() : acceptAll(req, res, index),
    );
    await sk.sendBatch(items(2));
    expect(srv.requests).toHaveLength(2);
    expect(srv.requests[0]!.body).toBe(srv.requests[1]!.body);
    const keys = (JSON.parse(srv.requests[0]!.body) as { messages: { idempotency_key: string }[] }).messages.map(
      (m) => m.idempotency_key,
    );
    expect(new Set(keys).size).toBe(2);
  });

  it("fails only the items of a chunk that failed after all retries", async () => {
    const { sk, srv } = await clientFor(
      (req, res) => {
        const { messages } = JSON.parse(req.body) as { messages: { to: string }[] };
        if (messages[0]!.to === "u2@example.com") return json(res, 503, errorBody("api_error", "unavailable"));
        return acceptAll(req, res, 0);
      },
      { maxRetries: 1 },
    );
    const results = await sk.sendBatch(items(5), { chunkSize: 2, concurrency: 1 });
    expect(results.map((r) => r.ok)).toEqual([true, true, false, false, true]);
    const failed = results[2]!;
    expect(!failed.ok && failed.error).toBeInstanceOf(errors.InternalServerError);
    expect(srv.requests).toHaveLength(4); // chunk 2 tried twice
  });

  it("reports item errors inside a 200 as typed errors, and bad items without sending them", async () => {
    const { sk, srv } = await clientFor((req, res) => {
      const { messages } = JSON.parse(req.body) as { messages: { to: string }[] };
      json(res, 200, {
        object: "list",
        data: messages.map((item, index) =>
          item.to === "suppressed@senderkit.test"
            ? {
                index,
                ok: false,
                error: { type: "validation_error", code: "recipient_suppressed", message: "suppressed", issues: [] },
              }
            : { index, ok: true, message: wireMessage({ to: item.to }) },
        ),
      });
    });
    const results = await sk.sendBatch([
      { template: "welcome", to: "a@example.com" },
      { template: "welcome", to: "not-an-address@" },
      { template: "welcome", to: "suppressed@senderkit.test" },
      { content: { type: "sms", body: "hi" }, to: "+15555550123" },
    ]);
    expect(results.map((r) => r.ok)).toEqual([true, false, false, true]);
    const local = results[1]!;
    const remote = results[2]!;
    expect(!local.ok && local.error).toBeInstanceOf(errors.ValidationError);
    expect(!local.ok && (local.error as errors.ValidationError).issues[0]!.path).toEqual(["to"]);
    expect(!remote.ok && (remote.error as errors.ValidationError).code).toBe("recipient_suppressed");
    const sent = (JSON.parse(srv.requests[0]!.body) as { messages: { to: string }[] }).messages.map((m) => m.to);
    expect(sent).toEqual(["a@example.com", "suppressed@senderkit.test", "+15555550123"]);
  });

  it("rejects bad options before sending", async () => {
    const { sk, srv } = await clientFor(acceptAll);
    await expect(sk.sendBatch(items(1), { chunkSize: 1001 })).rejects.toBeInstanceOf(errors.ValidationError);
    await expect(sk.sendBatch(items(1), { concurrency: 0 })).rejects.toBeInstanceOf(errors.ValidationError);
    await expect(sk.sendBatch(items(1), { idempotencyKey: "" })).rejects.toBeInstanceOf(errors.ValidationError);
    expect(srv.requests).toHaveLength(0);
  });
});

describe("pagination", () => {
  const pages: Record<string, { ids: string[]; next: string | null }> = {
    "": { ids: ["m5", "m4"], next: "c_2" },
    c_2: { ids: ["m3", "m2"], next: "c_3" },
    c_3: { ids: ["m1"], next: null },
  };
  const pager: Handler = (req, res) => {
    const url = new URL(req.path, "http://x");
    const page = pages[url.searchParams.get("cursor") ?? ""]!;
    json(res, 200, { object: "list", data: page.ids.map((id) => wireMessage({ id })), next_cursor: page.next });
  };

  it("list returns one page and its cursor; iter follows cursors to the end", async () => {
    const { sk, srv } = await clientFor(pager);
    const first = await sk.messages.list({
      limit: 2,
      status: "delivered",
      metadata: { user_id: "usr_1", "a b": "c&d" },
    });
    expect(first.data.map((m) => m.id)).toEqual(["m5", "m4"]);
    expect(first.nextCursor).toBe("c_2");
    const query = new URL(srv.requests[0]!.path, "http://x").searchParams;
    expect(query.get("limit")).toBe("2");
    expect(query.get("status")).toBe("delivered");
    expect(query.get("metadata[user_id]")).toBe("usr_1");
    expect(query.get("metadata[a b]")).toBe("c&d");

    const ids: string[] = [];
    for await (const message of sk.messages.iter({ limit: 2, template: "welcome" })) ids.push(message.id);
    expect(ids).toEqual(["m5", "m4", "m3", "m2", "m1"]);
    const iterQueries = srv.requests.slice(1).map((r) => new URL(r.path, "http://x").searchParams);
    expect(iterQueries.map((q) => q.get("cursor"))).toEqual([null, "c_2", "c_3"]);
    expect(iterQueries.every((q) => q.get("template") === "welcome")).toBe(true);
  });
});

// sendBatch at the edges: chunks cut by bytes as well as count, items that cannot be encoded failing
// alone, and results placed by their `index` (a shuffled or broken answer never misattributes one).
import { describe, expect, it } from "vitest";
import { APIError, ValidationError } from "../../src/index.ts";
import type { BatchItem } from "../../src/index.ts";
import { json, scriptedClients, wireMessage } from "../helpers/scripted-server.ts";
import type { Handler } from "../helpers/scripted-server.ts";

const MIB = 1_048_576;

const clientFor = scriptedClients({ maxRetries: 0 });

type WireItem = { to: string };
const itemsOf = (body: string) => (JSON.parse(body) as { messages: WireItem[] }).messages;

/** Accepts every item (refusing a body over 1 MiB as the contract does), answering in the order `order` gives. */
const acceptIn =
  (order: (results: object[]) => object[] = (r) => r): Handler =>
  (req, res) => {
    if (Buffer.byteLength(req.body) > MIB)
      return json(res, 400, { error: { type: "validation_error", code: "body_too_large", message: "too large" } });
    const results = itemsOf(req.body).map((item, index) => ({
      index,
      ok: true,
      message: wireMessage({ id: `msg_${index}`, to: item.to }),
    }));
    json(res, 200, { object: "list", data: order(results) });
  };

const padded = (count: number, bytes: number): BatchItem[] =>
  Array.from({ length: count }, (_, i) => ({
    template: "welcome",
    to: `u${i}@example.com`,
    vars: { text: "x".repeat(bytes) },
  }));

describe("chunks by bytes as well as count", () => {
  for (const size of [1024, 2048]) {
    it(`sends all of 2,500 items of ${size / 1024} KB, every request body at most 1 MiB`, async () => {
      const { sk, srv } = await clientFor(acceptIn());
      const results = await sk.sendBatch(padded(2500, size));
      expect(results.filter((r) => r.ok)).toHaveLength(2500);
      results.forEach((result, i) => expect(result.ok && result.message.to).toBe(`u${i}@example.com`));
      for (const request of srv.requests) expect(Buffer.byteLength(request.body)).toBeLessThanOrEqual(MIB);
      // Full chunks, not a chunk per item: the byte budget is used, not wasted.
      const sent = srv.requests.reduce((sum, r) => sum + Buffer.byteLength(r.body), 0);
      expect(srv.requests.length).toBe(Math.ceil(sent / MIB));
      expect(srv.requests.reduce((sum, r) => sum + itemsOf(r.body).length, 0)).toBe(2500);
    });
  }

  it("measures multi-byte text in bytes, not characters", async () => {
    const { sk, srv } = await clientFor(acceptIn());
    const items = Array.from({ length: 900 }, (_, i) => ({
      template: "welcome",
      to: `u${i}@example.com`,
      vars: { text: "é".repeat(1000) },
    }));
    expect((await sk.sendBatch(items)).every((r) => r.ok)).toBe(true);
    expect(srv.requests.length).toBeGreaterThan(1);
    for (const request of srv.requests) expect(Buffer.byteLength(request.body)).toBeLessThanOrEqual(MIB);
  });

  it("fails an item too large to fit any request on its own, naming it, and sends the rest", async () => {
    const { sk, srv } = await clientFor(acceptIn());
    const items = padded(3, 10);
    (items[1] as { vars: object }).vars = { text: "x".repeat(MIB) };
    const results = await sk.sendBatch(items);
    expect(results[0]!.ok && results[2]!.ok).toBe(true);
    const failed = results[1]!;
    expect(failed.ok).toBe(false);
    expect(!failed.ok && failed.error).toBeInstanceOf(ValidationError);
    expect(!failed.ok && failed.error.message).toMatch(
      /^\(body\): item 1 is \d+ bytes as JSON; at most \d+ fit in a request$/,
    );
    expect(srv.requests.flatMap((r) => itemsOf(r.body).map((m) => m.to))).toEqual(["u0@example.com", "u2@example.com"]);
  });
});

describe("one bad item fails alone", () => {
  it("a 20,000-deep item among 3,000 good ones fails typed and unsent; the other 2,999 are sent", async () => {
    const { sk, srv } = await clientFor(acceptIn());
    const items = padded(3000, 10);
    let deep: Record<string, unknown> = {};
    const root = deep;
    for (let i = 0; i < 20_000; i++) deep = (deep.next = {}) as Record<string, unknown>;
    (items[1234] as { vars: object }).vars = root;
    const results = await sk.sendBatch(items);
    const failures = results.filter((r) => !r.ok);
    expect(failures.map((r) => r.index)).toEqual([1234]);
    const error = !failures[0]!.ok ? failures[0]!.error : undefined;
    expect(error).toBeInstanceOf(ValidationError);
    expect(error!.message).toBe("(body): item 1234 cannot be sent as JSON: it is nested too deeply");
    const sent = srv.requests.flatMap((r) => itemsOf(r.body).map((m) => m.to));
    expect(sent).toHaveLength(2999);
    expect(sent).not.toContain("u1234@example.com");
  });

  it("cycles, BigInt, lone surrogates and throwing toJSON each fail their own item only", async () => {
    const { sk, srv } = await clientFor(acceptIn());
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const bad = [
      { cyclic },
      { n: 10n },
      { text: "a\uD800b" },
      {
        x: {
          toJSON: () => {
            throw new Error("no\nsecond line");
          },
        },
      },
    ];
    const items: BatchItem[] = [
      ...padded(1, 1),
      ...bad.map((vars, i) => ({ template: "welcome", to: `bad${i}@example.com`, vars })),
      ...padded(1, 1),
    ];
    const results = await sk.sendBatch(items);
    expect(results.map((r) => r.ok)).toEqual([true, false, false, false, false, true]);
    const messages = results.map((r) => (r.ok ? "" : r.error.message));
    expect(messages.slice(1, 5)).toEqual([
      "(body): item 1 cannot be sent as JSON: it contains a circular reference",
      "(body): item 2 cannot be sent as JSON: it contains a BigInt",
      "(body): item 3 cannot be sent as JSON: a string holds a lone UTF-16 surrogate (not valid Unicode)",
      "(body): item 4 cannot be sent as JSON: no",
    ]);
    results.forEach((r) => !r.ok && expect(r.error).toBeInstanceOf(ValidationError));
    expect(srv.requests).toHaveLength(1);
    // A well-formed pair and an escaped backslash before "ud800" are fine.
    const fine = await sk.sendBatch([
      { template: "welcome", to: "ok@example.com", vars: { t: "\uD83D\uDE00 \\ud800" } },
    ]);
    expect(fine[0]!.ok).toBe(true);
  });

  it("send and sendRaw reject an unencodable body with a ValidationError, sending nothing", async () => {
    const { sk, srv } = await clientFor(acceptIn());
    await expect(sk.send("welcome", "a@example.com", { vars: { n: 1n } })).rejects.toThrow(ValidationError);
    const content = { type: "sms" as const, body: "hi" };
    await expect(sk.sendRaw("+15005550006", content, { vars: { x: "x".repeat(MIB) } })).rejects.toThrow(
      /at most 1048576 fit/,
    );
    expect(srv.requests).toHaveLength(0);
  });
});

describe("results by index", () => {
  it("places a reversed answer by index: every result points at its own recipient", async () => {
    const { sk } = await clientFor(acceptIn((results) => results.reverse()));
    const results = await sk.sendBatch(padded(5, 1));
    results.forEach((result, i) => expect(result.ok && result.message.to).toBe(`u${i}@example.com`));
  });

  it("a missing, duplicated or out-of-range index fails exactly the items it leaves unaccounted for", async () => {
    const { sk } = await clientFor(
      acceptIn((results) => {
        const [r0, , r2, r3, r4] = results as { index: number }[];
        return [r0!, r2!, { ...r2!, ok: true }, { ...r3!, index: 99 }, { ...r4!, index: 1.5 }, r4!];
      }),
    );
    const results = await sk.sendBatch(padded(5, 1), { idempotencyKey: "base" });
    expect(results.map((r) => r.ok)).toEqual([true, false, false, false, true]);
    for (const i of [1, 2, 3]) {
      const result = results[i]!;
      expect(!result.ok && result.error).toBeInstanceOf(APIError);
      expect(!result.ok && (result.error as APIError).code).toBe("invalid_response");
      expect(!result.ok && result.error.idempotencyKey).toBe(`base-${i}`);
    }
    expect(!results[2]!.ok && results[2]!.error.message).toContain("more than one result");
    expect(!results[1]!.ok && results[1]!.error.message).toContain("no result");
  });

  it("a short answer (wrong count) fails only the items without a result", async () => {
    const { sk } = await clientFor(acceptIn((results) => results.slice(0, 2)));
    const results = await sk.sendBatch(padded(4, 1));
    expect(results.map((r) => r.ok)).toEqual([true, true, false, false]);
  });
});

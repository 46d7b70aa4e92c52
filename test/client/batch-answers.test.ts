// sendBatch's checks on both sides of the wire, as fast paths: batch items are checked by a
// compiled schema that hands a bad item to the full one, and a batch answer is checked by one
// compiled parse of the whole list. Neither may lose an issue, an unknown field or a broken result.
import { describe, expect, it } from "vitest";
import { APIError, ValidationError } from "../../src/index.ts";
import type { BatchItem } from "../../src/index.ts";
import { json, scriptedClients, wireMessage } from "../helpers/scripted-server.ts";

const clientFor = scriptedClients({ maxRetries: 0 });

const itemsOf = (body: string) => (JSON.parse(body) as { messages: { to: string }[] }).messages;

describe("batch items", () => {
  it("a bad item fails with the same issues as the same send on its own", async () => {
    const { sk } = await clientFor((req, res) => {
      const data = itemsOf(req.body).map((item, index) => ({ index, ok: true, message: wireMessage({ to: item.to }) }));
      json(res, 200, { object: "list", data });
    });
    // No template nor content, and bad fields: the full schema reports the template/content
    // rule next to the type errors, as it does for the single send.
    const bad = { to: "a@example.com", vars: "not an object", metadata: { k: 1 } } as unknown as BatchItem;
    const results = await sk.sendBatch([{ template: "welcome", to: "ok@example.com" }, bad]);
    expect(results[0]!.ok).toBe(true);
    const error = !results[1]!.ok ? results[1]!.error : undefined;
    expect(error).toBeInstanceOf(ValidationError);
    const alone = await sk.messages
      .send(undefined as never, "a@example.com", { vars: "not an object", metadata: { k: 1 } } as never)
      .catch((e: unknown) => e as ValidationError);
    const paths = (e: unknown) => (e as ValidationError).issues.map((issue) => issue.path.join("."));
    expect(paths(error)).toEqual(expect.arrayContaining(["vars", "metadata.k", "template"]));
    expect(paths(error)).toEqual(paths(alone));
  });

  it("a valid item goes out as the bytes of the single send's body, plus its key", async () => {
    let sent: unknown;
    const { sk } = await clientFor((req, res) => {
      sent = itemsOf(req.body)[0];
      json(res, 200, { object: "list", data: [{ index: 0, ok: true, message: wireMessage() }] });
    });
    const item = {
      template: "welcome",
      to: "a@example.com",
      vars: { n: 1 },
      metadata: { m: "x" },
      replyTo: "r@example.com",
    };
    await sk.sendBatch([item], { idempotencyKey: "base" });
    expect(JSON.stringify(sent)).toBe(
      '{"template":"welcome","to":"a@example.com","vars":{"n":1},"metadata":{"m":"x"},"reply_to":"r@example.com",' +
        '"idempotency_key":"base-0"}',
    );
  });
});

describe("batch answers", () => {
  it("keeps the unknown fields of every result in raw", async () => {
    const { sk } = await clientFor((req, res) => {
      const data = itemsOf(req.body).map((item, index) =>
        index === 1
          ? {
              index,
              ok: false,
              error: { type: "validation_error", code: "invalid_recipient", message: "no", hint: "h" },
            }
          : { index, ok: true, message: wireMessage({ to: item.to, segments: 2, extra: { deep: [1] } }), trace: "t" },
      );
      json(res, 200, { object: "list", data, next: "unused" });
    });
    const results = await sk.sendBatch([
      { template: "welcome", to: "a@example.com" },
      { template: "welcome", to: "b@example.com" },
    ]);
    const first = results[0]!;
    expect(first.ok && first.message.raw).toMatchObject({ segments: 2, extra: { deep: [1] } });
    const second = results[1]!;
    expect(!second.ok && (second.error as APIError).code).toBe("invalid_recipient");
  });

  it("one result breaking the contract fails the chunk as invalid_response, naming the field", async () => {
    const { sk } = await clientFor((req, res) => {
      const data = itemsOf(req.body).map((item, index) => ({
        index,
        ok: true,
        message: wireMessage({ to: item.to, status: index === 2 ? "teleported" : "queued" }),
      }));
      json(res, 200, { object: "list", data });
    });
    const items = Array.from({ length: 4 }, (_, i) => ({ template: "welcome", to: `u${i}@example.com` }));
    const results = await sk.sendBatch(items, { idempotencyKey: "k" });
    expect(results).toHaveLength(4);
    for (const [i, result] of results.entries()) {
      expect(result.ok).toBe(false);
      const error = !result.ok ? (result.error as APIError) : undefined;
      expect(error?.code).toBe("invalid_response");
      expect(error?.message).toContain("data[2].message.status");
      expect(error?.idempotencyKey).toBe(`k-${i}`);
    }
  });

  it("a result whose ok is neither true nor false breaks the contract", async () => {
    const { sk } = await clientFor((_req, res) => {
      json(res, 200, { object: "list", data: [{ index: 0, ok: "yes", message: wireMessage() }] });
    });
    const [result] = await sk.sendBatch([{ template: "welcome", to: "a@example.com" }]);
    expect(!result!.ok && (result!.error as APIError).code).toBe("invalid_response");
  });
});

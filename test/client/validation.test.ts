// Bad input is rejected before any request is made, with issues naming each bad field.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SenderKit, errors } from "../../src/index.ts";
import { TEST_KEY, json, startScriptedServer, wireMessage } from "../helpers/scripted-server.ts";
import type { ScriptedServer } from "../helpers/scripted-server.ts";

let server: ScriptedServer;
let sk: SenderKit;
beforeAll(async () => {
  server = await startScriptedServer((_q, r) => json(r, 202, wireMessage()));
  sk = new SenderKit({ apiKey: TEST_KEY, baseUrl: server.url });
});
afterAll(async () => {
  await sk.close();
  await server.close();
});

async function rejection(call: () => Promise<unknown>): Promise<errors.ValidationError> {
  const before = server.requests.length;
  const error = await call().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(errors.ValidationError);
  expect(server.requests.length).toBe(before); // nothing was sent
  const validation = error as errors.ValidationError;
  expect(validation.status).toBeUndefined();
  expect(validation.requestId).toBeUndefined();
  return validation;
}

const paths = (error: errors.ValidationError) => error.issues.map((issue) => issue.path.join("."));

describe("send and sendRaw", () => {
  it.each([
    ["email", "bob@", "not a valid email address"],
    ["email", "bob smith@example.com", "not a valid email address"],
    ["email", "a@b@example.com", "not a valid email address"],
    ["email", `${"a".repeat(250)}@example.com`, "not a valid email address"],
    ["sms", "5555550123", "E.164"],
    ["sms", "+05555550123", "E.164"],
    ["sms", "+1234567890123456", "E.164"],
  ] as const)("rejects a bad %s recipient %j", async (type, to, message) => {
    const content = type === "email" ? { type, subject: "s", html: "<p>h</p>" } : { type, body: "b" };
    const error = await rejection(() => sk.sendRaw(to, content));
    expect(paths(error)).toEqual(["to"]);
    expect(error.issues[0]!.message).toContain(message);
  });

  it("rejects a push token over 4096 characters and a web push subscription without keys", async () => {
    const push = await rejection(() => sk.sendRaw("x".repeat(4097), { type: "push", title: "t", body: "b" }));
    expect(paths(push)).toEqual(["to"]);
    const web = await rejection(() =>
      sk.sendRaw(
        { endpoint: "https://push.example.com/1", keys: { p256dh: "k" } },
        { type: "web_push", title: "t", body: "b" },
      ),
    );
    expect(paths(web)).toEqual(["to"]);
  });

  it("accepts a web push subscription as an object or as its JSON string", async () => {
    const subscription = { endpoint: "https://push.example.com/1", keys: { p256dh: "k", auth: "a" } };
    await sk.sendRaw(subscription, { type: "web_push", title: "t", body: "b" });
    await sk.sendRaw(JSON.stringify(subscription), { type: "web_push", title: "t", body: "b" });
    expect(JSON.parse(server.requests.at(-1)!.body).to).toBe(JSON.stringify(subscription));
  });

  it("rejects metadata over the limits, naming each key", async () => {
    const tooMany = Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`k${i}`, "v"]));
    expect(paths(await rejection(() => sk.send("welcome", "a@example.com", { metadata: tooMany })))).toEqual([
      "metadata",
    ]);
    const error = await rejection(() =>
      sk.send("welcome", "a@example.com", {
        metadata: { ["k".repeat(41)]: "v", long: "v".repeat(501), n: 5 as unknown as string },
      }),
    );
    expect(paths(error).sort()).toEqual(
      ["metadata.kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk", "metadata.long", "metadata.n"].sort(),
    );
  });

  it("counts metadata lengths in code points", async () => {
    await sk.send("welcome", "a@example.com", { metadata: { note: "😀".repeat(500) } });
    await rejection(() => sk.send("welcome", "a@example.com", { metadata: { note: "😀".repeat(501) } }));
  });

  it("rejects content with missing, empty, mistyped and unknown fields", async () => {
    const error = await rejection(() =>
      sk.sendRaw("a@example.com", { type: "email", subject: "", html: 5, footer: "x" } as never),
    );
    expect(paths(error).sort()).toEqual(["content.footer", "content.html", "content.subject"]);
    const sms = await rejection(() => sk.sendRaw("+15555550123", { type: "sms", body: "x".repeat(1601) }));
    expect(paths(sms)).toEqual(["content.body"]);
    const type = await rejection(() => sk.sendRaw("+15555550123", { type: "fax", body: "b" } as never));
    expect(paths(type)).toEqual(["content.type"]);
  });

  it.each([
    ["not a date", "next tuesday"],
    ["no time zone", "2027-01-01T09:00:00"],
    ["an invalid Date", new Date("nope")],
  ])("rejects scheduledAt that is %s", async (_what, scheduledAt) => {
    expect(paths(await rejection(() => sk.send("welcome", "a@example.com", { scheduledAt })))).toEqual(["scheduledAt"]);
  });

  it("sends a Date scheduledAt as UTC ISO-8601", async () => {
    await sk.send("welcome", "a@example.com", { scheduledAt: new Date(Date.UTC(2027, 0, 1, 9)) });
    expect(JSON.parse(server.requests.at(-1)!.body).scheduled_at).toBe("2027-01-01T09:00:00.000Z");
  });

  it("rejects a bad cc address, replyTo and idempotency key", async () => {
    const error = await rejection(() =>
      sk.send("welcome", "a@example.com", { cc: ["ok@example.com", "nope"], replyTo: "x" }),
    );
    expect(paths(error)).toEqual(["cc.1", "replyTo"]);
    expect(paths(await rejection(() => sk.send("welcome", "a@example.com", { idempotencyKey: "é" })))).toEqual([
      "idempotencyKey",
    ]);
    expect(
      paths(await rejection(() => sk.send("welcome", "a@example.com", { idempotencyKey: "k".repeat(256) }))),
    ).toEqual(["idempotencyKey"]);
  });

  it("rejects a template send whose recipient claims to be an address or a number and is not", async () => {
    expect(paths(await rejection(() => sk.send("welcome", "bob@")))).toEqual(["to"]);
    expect(paths(await rejection(() => sk.send("welcome", "+0")))).toEqual(["to"]);
    expect(paths(await rejection(() => sk.send("", "a@example.com")))).toEqual(["template"]);
  });

  it("sends the wire body in snake_case without absent fields", async () => {
    await sk.send("order-shipped", "user@example.com", {
      vars: { order: "#1234" },
      metadata: { order_id: "ord_1" },
      cc: ["ops@example.com"],
      replyTo: "support@example.com",
    });
    expect(JSON.parse(server.requests.at(-1)!.body)).toEqual({
      template: "order-shipped",
      to: "user@example.com",
      vars: { order: "#1234" },
      metadata: { order_id: "ord_1" },
      cc: ["ops@example.com"],
      reply_to: "support@example.com",
    });
  });
});

describe("other calls", () => {
  it("rejects a template with a bad slug, content or placeholder, with line and column", async () => {
    const error = await rejection(() =>
      sk.templates.create({
        slug: "Bad Slug",
        name: "n",
        channel: "email",
        content: { subject: "Hi", html: "<p>\n  {{ name </p>" },
      }),
    );
    expect(paths(error)).toEqual(["slug", "content.html"]);
    expect(error.issues[1]).toMatchObject({ message: "unclosed placeholder", line: 2, column: 3 });
  });

  it("rejects bad webhook endpoints and rotation windows", async () => {
    const error = await rejection(() =>
      sk.webhookEndpoints.create({ url: "ftp://example.com", events: ["message.exploded" as never] }),
    );
    expect(paths(error)).toEqual(["url", "events"]);
    await rejection(() => sk.webhookEndpoints.create({ url: "http://localhost.evil.com/hook", events: ["*"] }));
    await rejection(() => sk.webhookEndpoints.rotateSecret("we_1", { expirePreviousAfterSeconds: 604801 }));
  });

  it("rejects bad list parameters and empty ids", async () => {
    await rejection(() => sk.messages.list({ limit: 101 }));
    await rejection(() => sk.messages.list({ status: "lost" as never }));
    await rejection(() => sk.messages.get(""));
  });

  it("rejects a missing or malformed API key without echoing it", () => {
    const saved = process.env.SENDERKIT_API_KEY;
    delete process.env.SENDERKIT_API_KEY;
    try {
      expect(() => new SenderKit({})).toThrow(/apiKey: missing/);
      expect(() => new SenderKit({ apiKey: "sk_prod_secretsecretsecret" })).toThrow(errors.ValidationError);
      try {
        new SenderKit({ apiKey: "sk_prod_secretsecretsecret" });
      } catch (error) {
        expect((error as Error).message).not.toContain("secretsecret");
      }
    } finally {
      if (saved !== undefined) process.env.SENDERKIT_API_KEY = saved;
    }
  });

  it("reads the key and base URL from the environment and reports the mode", () => {
    const saved = { key: process.env.SENDERKIT_API_KEY, url: process.env.SENDERKIT_BASE_URL };
    process.env.SENDERKIT_API_KEY = "sk_live_abcdefghijklmnop1234";
    process.env.SENDERKIT_BASE_URL = "http://127.0.0.1:9";
    try {
      const fromEnv = new SenderKit();
      expect(fromEnv.mode).toBe("live");
      expect(fromEnv.baseUrl).toBe("http://127.0.0.1:9");
      expect(sk.mode).toBe("test");
    } finally {
      for (const [name, value] of [
        ["SENDERKIT_API_KEY", saved.key],
        ["SENDERKIT_BASE_URL", saved.url],
      ] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });
});

describe("timestamps", () => {
  it.each(["2099-02-30T00:00:00Z", "2027-04-31T09:00:00Z", "2027-13-01T09:00:00Z", "2097-02-29T00:00:00+01:00"])(
    "rejects scheduledAt %s, a day the calendar does not have",
    async (scheduledAt) => {
      expect(paths(await rejection(() => sk.send("welcome", "a@example.com", { scheduledAt })))).toEqual([
        "scheduledAt",
      ]);
    },
  );

  it("accepts a leap day and an offset", async () => {
    await sk.send("welcome", "a@example.com", { scheduledAt: "2096-02-29T09:00:00+02:00" });
    expect(JSON.parse(server.requests.at(-1)!.body).scheduled_at).toBe("2096-02-29T09:00:00+02:00");
  });
});

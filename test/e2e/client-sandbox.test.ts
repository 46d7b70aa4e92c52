// The client core end to end: every call of the contract, through real sockets, against the
// sandbox. Each test has its own API key, and the sandbox isolates keys, so tests don't mix.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox } from "../../sandbox/index.ts";
import type { Sandbox } from "../../sandbox/index.ts";
import { SenderKit, errors } from "../../src/index.ts";
import type { WebhookEvent } from "../../src/index.ts";
import { startReceiver } from "../../examples/webhook-receiver/receiver.ts";

let sandbox: Sandbox;
const clients: SenderKit[] = [];
beforeAll(async () => {
  sandbox = await startSandbox({ stepDelayMs: 20, isolateKeys: true, webhooks: { retryDelaysMs: [20, 40] } });
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await sandbox.close();
});

function newClient(mode: "test" | "live" = "test", options: { maxRetries?: number } = {}): SenderKit {
  const sk = new SenderKit({
    apiKey: `sk_${mode}_${randomBytes(12).toString("hex")}`,
    baseUrl: sandbox.url,
    initialRetryDelay: 10,
    maxRetryDelay: 50,
    ...options,
  });
  clients.push(sk);
  return sk;
}

async function eventually<T>(probe: () => Promise<T | undefined> | T | undefined, what: string): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const WELCOME = {
  slug: "welcome",
  name: "Welcome email",
  channel: "email" as const,
  content: { subject: "Welcome, {{ name }}", html: '<p>Hi {{ name }} — plan {{ user.plan | default: "free" }}</p>' },
};

describe("messages", () => {
  it("sends a template message, gets it, and it reaches delivered on its own", async () => {
    const sk = newClient();
    await sk.templates.create(WELCOME);
    const sent = await sk.send("welcome", "ada@example.com", { vars: { name: "Ada" }, metadata: { user_id: "usr_1" } });
    expect(sent).toMatchObject({
      status: "queued",
      channel: "email",
      template: "welcome",
      templateVersion: 1,
      metadata: { user_id: "usr_1" },
    });
    expect(sent.id).toMatch(/^msg_/);
    const delivered = await eventually(async () => {
      const m = await sk.messages.get(sent.id);
      return m.status === "delivered" ? m : undefined;
    }, "delivered");
    expect(delivered.id).toBe(sent.id);
    const stored = sandbox.messages().find((m) => m.id === sent.id)!;
    expect(stored.rendered).toMatchObject({ subject: "Welcome, Ada", html: "<p>Hi Ada — plan free</p>" });
  });

  it("sends raw content on every channel, interpolated when asked", async () => {
    const sk = newClient();
    const subscription = { endpoint: "https://push.example.com/s/1", keys: { p256dh: "BPk", auth: "au" } };
    const sms = await sk.sendRaw(
      "+15555550123",
      { type: "sms", body: "Your code is {{ code }}" },
      { interpolate: true, vars: { code: "123456" } },
    );
    const email = await sk.sendRaw("a@example.com", {
      type: "email",
      subject: "Receipt",
      html: "<p>Thanks</p>",
      text: "Thanks",
    });
    const push = await sk.sendRaw("device-token-1", {
      type: "push",
      title: "Hi",
      body: "1 new",
      badge: 1,
      data: { k: "v" },
    });
    const web = await sk.sendRaw(JSON.stringify(subscription), {
      type: "web_push",
      title: "Back",
      body: "Tap",
      click_url: "https://example.com/i",
    });
    expect([sms.channel, email.channel, push.channel, web.channel]).toEqual(["sms", "email", "push", "web_push"]);
    expect(sms.template).toBeNull();
    expect(web.to).toEqual(subscription);
    expect(sandbox.messages().find((m) => m.id === sms.id)!.rendered).toMatchObject({ body: "Your code is 123456" });
  });

  it("schedules, lists with filters and cursors, and cancels", async () => {
    const sk = newClient();
    await sk.templates.create(WELCOME);
    const scheduled = await sk.send("welcome", "s@example.com", {
      vars: { name: "S" },
      scheduledAt: new Date(Date.now() + 3_600_000),
    });
    expect(scheduled.status).toBe("scheduled");
    for (let i = 0; i < 5; i++)
      await sk.sendRaw(`+1555555010${i}`, { type: "sms", body: `n${i}` }, { metadata: { batch: "b1" } });

    const page = await sk.messages.list({ channel: "sms", limit: 2 });
    expect(page.data).toHaveLength(2);
    expect(page.nextCursor).not.toBeNull();
    const all = [];
    for await (const m of sk.messages.iter({ metadata: { batch: "b1" }, limit: 2 })) all.push(m.to);
    expect(all).toEqual(["+15555550104", "+15555550103", "+15555550102", "+15555550101", "+15555550100"]);
    expect((await sk.messages.list({ status: "scheduled" })).data.map((m) => m.id)).toEqual([scheduled.id]);

    const cancelled = await sk.messages.cancel(scheduled.id);
    expect(cancelled.status).toBe("cancelled");
    const again = await sk.messages.cancel(scheduled.id).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(errors.ConflictError);
    expect((again as errors.ConflictError).code).toBe("message_not_cancellable");
  });

  it("maps the server's validation answers to typed errors with issues and request ids", async () => {
    const sk = newClient();
    await sk.templates.create(WELCOME);
    const missing = (await sk.send("welcome", "a@example.com").catch((e: unknown) => e)) as errors.ValidationError;
    expect(missing).toBeInstanceOf(errors.ValidationError);
    expect(missing.status).toBe(422);
    expect(missing.code).toBe("missing_variables");
    expect(missing.issues.map((i) => i.path)).toEqual([["vars", "name"]]);
    expect(missing.requestId).toMatch(/^req_[0-9a-f]{24}$/);

    const unknown = (await sk.send("nope", "a@example.com").catch((e: unknown) => e)) as errors.APIError;
    expect(unknown.code).toBe("unknown_template");
    const past = (await sk
      .send("welcome", "a@example.com", { vars: { name: "A" }, scheduledAt: "2020-01-01T00:00:00Z" })
      .catch((e: unknown) => e)) as errors.APIError;
    expect(past.code).toBe("scheduled_at_in_past");
    const mismatch = (await sk
      .send("welcome", "+15555550123", { vars: { name: "A" } })
      .catch((e: unknown) => e)) as errors.APIError;
    expect(mismatch).toBeInstanceOf(errors.ValidationError);
    const notFound = await sk.messages.get("msg_doesnotexist").catch((e: unknown) => e);
    expect(notFound).toBeInstanceOf(errors.NotFoundError);
  });

  it("handles the magic recipients of section 9", async () => {
    const sk = newClient();
    const failed = await sk.sendRaw("fail@senderkit.test", { type: "email", subject: "s", html: "h" });
    const bounced = await sk.sendRaw("+15005550003", { type: "sms", body: "b" });
    const suppressed = await sk
      .sendRaw("suppressed@senderkit.test", { type: "email", subject: "s", html: "h" })
      .catch((e: unknown) => e);
    expect((suppressed as errors.APIError).code).toBe("recipient_suppressed");
    const final = await eventually(async () => {
      const [f, b] = [await sk.messages.get(failed.id), await sk.messages.get(bounced.id)];
      return f.status === "failed" && b.status === "bounced" ? { f, b } : undefined;
    }, "failed and bounced");
    expect(final.f.error).toEqual({ code: "undeliverable", message: expect.any(String) });
    expect(final.b.error?.code).toBe("hard_bounce");
    const afterBounce = await sk.sendRaw("+15005550003", { type: "sms", body: "again" }).catch((e: unknown) => e);
    expect((afterBounce as errors.APIError).code).toBe("recipient_suppressed");
  });

  it("keeps test and live worlds apart", async () => {
    const live = newClient("live");
    expect(live.mode).toBe("live");
    await live.templates.create(WELCOME);
    expect((await live.templates.get("welcome")).slug).toBe("welcome");
  });
});

describe("batch and idempotency", () => {
  it("sends 2,500 items in 3 chunks, in order, and a re-run with the same key sends nothing new", async () => {
    const sk = newClient();
    await sk.templates.create(WELCOME);
    const items = Array.from({ length: 2500 }, (_, i) => ({
      template: "welcome",
      to: `u${i}@example.com`,
      vars: { name: `U${i}` },
    }));
    items[7] = { template: "welcome", to: "suppressed@senderkit.test", vars: { name: "S" } };
    const before = sandbox.messages().length;
    const first = await sk.sendBatch(items, { idempotencyKey: "welcome-2027-01", concurrency: 2 });
    expect(first.filter((r) => r.ok)).toHaveLength(2499);
    expect(first[7]!.ok).toBe(false);
    expect(first[8]!.ok && first[8]!.message.to).toBe("u8@example.com");
    expect(sandbox.messages().length - before).toBe(2499);

    const second = await sk.sendBatch(items, { idempotencyKey: "welcome-2027-01", concurrency: 2 });
    expect(sandbox.messages().length - before).toBe(2499);
    expect(second.map((r) => (r.ok ? r.message.id : r.error.message))).toEqual(
      first.map((r) => (r.ok ? r.message.id : r.error.message)),
    );
  });

  it("a connection reset after the server committed the send, then the retry, leaves exactly one message", async () => {
    const sk = newClient();
    sandbox.failNext("reset_after_commit");
    const message = await sk.sendRaw("+15555550123", { type: "sms", body: "once" }, { idempotencyKey: "reset-once-1" });
    const stored = sandbox.messages().filter((m) => m.idempotencyKey === "reset-once-1");
    expect(stored).toHaveLength(1);
    expect(stored[0]!.id).toBe(message.id);
  });

  it("the same key with another body is a ConflictError, not a second message", async () => {
    const sk = newClient();
    await sk.sendRaw("+15555550123", { type: "sms", body: "one" }, { idempotencyKey: "k-conflict" });
    const error = await sk
      .sendRaw("+15555550123", { type: "sms", body: "two" }, { idempotencyKey: "k-conflict" })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(errors.ConflictError);
    expect((error as errors.ConflictError).code).toBe("idempotency_key_reused");
  });
});

describe("templates", () => {
  it("creates, versions, renders, updates, lists and deletes", async () => {
    const sk = newClient();
    const created = await sk.templates.create(WELCOME);
    expect(created.currentVersion).toMatchObject({
      version: 1,
      variables: ["name", "user.plan"],
      requiredVariables: ["name"],
    });
    const exists = await sk.templates.create(WELCOME).catch((e: unknown) => e);
    expect((exists as errors.ConflictError).code).toBe("template_exists");

    const same = await sk.templates.update("welcome", { content: WELCOME.content });
    expect(same.currentVersion.version).toBe(1);
    const renamed = await sk.templates.update("welcome", { name: "Renamed" });
    expect(renamed.name).toBe("Renamed");
    expect(renamed.currentVersion.version).toBe(1);
    const v2 = await sk.templates.update("welcome", {
      content: { subject: "Hello {{ name }}", html: "<p>{{ name }}</p>" },
    });
    expect(v2.currentVersion.version).toBe(2);
    expect((await sk.templates.versions("welcome")).data.map((v) => v.version)).toEqual([2, 1]);

    const rendered = await sk.templates.render("welcome", { name: "<Ada>", coupon: "X" }, { version: 1 });
    expect(rendered.output).toEqual({
      subject: "Welcome, <Ada>",
      html: "<p>Hi &lt;Ada&gt; — plan free</p>",
      text: null,
    });
    expect(rendered.missing).toEqual([]);
    expect(rendered.unused).toEqual(["coupon"]);
    const unsaved = await sk.templates.renderContent("sms", { body: "Hi {{ name }}" }, {});
    expect(unsaved.missing).toEqual(["name"]);

    await sk.templates.create({ slug: "code", name: "Code", channel: "sms", content: { body: "{{ code }}" } });
    const slugs = [];
    for await (const t of sk.templates.iter({ limit: 1 })) slugs.push(t.slug);
    expect(slugs).toEqual(["code", "welcome"]);
    expect((await sk.templates.list({ channel: "sms" })).data.map((t) => t.slug)).toEqual(["code"]);

    await sk.templates.delete("welcome");
    expect(await sk.templates.get("welcome").catch((e: unknown) => e)).toBeInstanceOf(errors.NotFoundError);
    expect(await sk.templates.delete("welcome").catch((e: unknown) => e)).toBeInstanceOf(errors.NotFoundError);
  });
});

describe("webhook endpoints", () => {
  it("creates an endpoint whose deliveries the example receiver verifies, rotates with overlap, updates and deletes", async () => {
    const sk = newClient();
    // The secret exists only once the endpoint does, so create it first, then point it at a
    // receiver that knows the secret.
    const endpoint = await sk.webhookEndpoints.create({
      url: "https://example.com/hooks",
      events: ["message.queued", "message.delivered"],
      description: "e2e",
    });
    expect(endpoint.secret).toMatch(/^whsec_[A-Za-z0-9]{32}$/);
    expect((await sk.webhookEndpoints.get(endpoint.id)).secret).toBeUndefined();

    const received = async (secret: string, send: () => Promise<unknown>, count: number): Promise<WebhookEvent[]> => {
      const events: WebhookEvent[] = [];
      const receiver = await startReceiver({ secret, onEvent: (event) => void events.push(event) });
      try {
        await sk.webhookEndpoints.update(endpoint.id, { url: receiver.url });
        await send();
        return await eventually(() => (events.length >= count ? events : undefined), `${count} verified deliveries`);
      } finally {
        await receiver.close();
      }
    };

    let sentId = "";
    const events = await received(
      endpoint.secret!,
      async () => (sentId = (await sk.sendRaw("+15555550123", { type: "sms", body: "hook me" })).id),
      2,
    );
    expect(events.map((e) => e.type)).toEqual(["message.queued", "message.delivered"]);
    expect((events[1]!.payload as { message: { id: string } }).message.id).toBe(sentId);

    const rotated = await sk.webhookEndpoints.rotateSecret(endpoint.id, { expirePreviousAfterSeconds: 3600 });
    expect(rotated.secret).toMatch(/^whsec_/);
    expect(rotated.secret).not.toBe(endpoint.secret);
    // During the overlap a receiver with only the old secret, or only the new one, accepts.
    for (const secret of [endpoint.secret!, rotated.secret!]) {
      const [event] = await received(
        secret,
        () => sk.sendRaw("+15555550123", { type: "sms", body: "after rotation" }),
        1,
      );
      expect(event!.type).toBe("message.queued");
    }

    const updated = await sk.webhookEndpoints.update(endpoint.id, { enabled: false, events: ["*"] });
    expect(updated).toMatchObject({ enabled: false, events: ["*"] });
    expect((await sk.webhookEndpoints.list()).data.map((e) => e.id)).toEqual([endpoint.id]);
    const ids = [];
    for await (const e of sk.webhookEndpoints.iter()) ids.push(e.id);
    expect(ids).toEqual([endpoint.id]);
    await sk.webhookEndpoints.delete(endpoint.id);
    expect(await sk.webhookEndpoints.get(endpoint.id).catch((e: unknown) => e)).toBeInstanceOf(errors.NotFoundError);
  });

  it("refuses plain http on localhost for a live key, before sending", async () => {
    const live = newClient("live");
    await expect(
      live.webhookEndpoints.create({ url: "http://localhost:8080/h", events: ["*"] }),
    ).rejects.toBeInstanceOf(errors.ValidationError);
  });
});

// Section 5 and section 10's send rules: sends, validation (400 versus 422 and the 422 order),
// batch, list with filters and cursors, get, cancel.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSandbox } from "../../sandbox/index.ts";
import type { Sandbox } from "../../sandbox/index.ts";
import { client, expectError, expectMessageShape, freshKey } from "./helpers.ts";

let sandbox: Sandbox;
let api: ReturnType<typeof client>;

beforeAll(async () => {
  // A long step keeps messages queued while a test looks at them.
  sandbox = await startSandbox({ stepDelayMs: 60_000, isolateKeys: true });
});
afterAll(() => sandbox.close());

/** Every test gets an account of its own (isolateKeys), with the templates it needs. */
async function account(): Promise<ReturnType<typeof client>> {
  api = client(sandbox.url, freshKey());
  const created = await api.post("/v1/templates", {
    slug: "welcome",
    name: "Welcome",
    channel: "email",
    content: { subject: "Hi {{ name }}", html: '<p>{{ user.plan | default: "free" }} {{ order.id }}</p>' },
  });
  expect(created.status).toBe(201);
  expect(
    (
      await api.post("/v1/templates", {
        slug: "code",
        name: "Code",
        channel: "sms",
        content: { body: "Code {{ code }}" },
      })
    ).status,
  ).toBe(201);
  return api;
}

const future = () => new Date(Date.now() + 3_600_000).toISOString();
const subscription = { endpoint: "https://push.example.com/abc", keys: { p256dh: "BPk", auth: "xyz" } };

describe("POST /v1/messages", () => {
  it("a template send answers 202 with the message object", async () => {
    const api = await account();
    const reply = await api.post("/v1/messages", {
      template: "welcome",
      to: "user@example.com",
      vars: { name: "Ada", order: { id: "o1" } },
      metadata: { user_id: "usr_123" },
      cc: ["ops@example.com"],
      bcc: [],
      reply_to: "support@example.com",
    });
    expect(reply.status).toBe(202);
    expectMessageShape(reply.json);
    expect(reply.json).toMatchObject({
      status: "queued",
      channel: "email",
      to: "user@example.com",
      template: "welcome",
      template_version: 1,
      metadata: { user_id: "usr_123" },
      scheduled_at: null,
      error: null,
    });
    expect(reply.json.created_at).toBe(reply.json.updated_at);
    const stored = sandbox.messages().find((message) => message.id === reply.json.id);
    expect(stored?.rendered).toEqual({ subject: "Hi Ada", html: "<p>free o1</p>", text: null });
  });

  it("raw sends on every channel; the channel comes from content.type", async () => {
    const api = await account();
    const sends = [
      { to: "a@example.com", content: { type: "email", subject: "S", html: "<b>H</b>", text: "T" } },
      { to: "+15555550123", content: { type: "sms", body: "B" } },
      { to: "device-token-1", content: { type: "push", title: "T", body: "B", badge: 3, data: { k: "v" } } },
      {
        to: subscription,
        content: { type: "web_push", title: "T", body: "B", click_url: "https://e.com", icon: "https://e.com/i.png" },
      },
    ];
    for (const send of sends) {
      const reply = await api.post("/v1/messages", send);
      expect(reply.status).toBe(202);
      expectMessageShape(reply.json);
      expect(reply.json).toMatchObject({
        channel: send.content.type,
        template: null,
        template_version: null,
        to: send.to,
      });
    }
  });

  it("a web_push recipient given as a JSON string comes back as the object", async () => {
    const api = await account();
    const reply = await api.post("/v1/messages", {
      to: JSON.stringify(subscription),
      content: { type: "web_push", title: "T", body: "B" },
    });
    expect(reply.status).toBe(202);
    expect(reply.json.to).toEqual(subscription);
  });

  it("interpolate: true renders raw content, including push data values", async () => {
    const api = await account();
    const reply = await api.post("/v1/messages", {
      to: "tok",
      content: { type: "push", title: "Hi {{ name }}", body: "{{ n }} new", data: { url: "/u/{{ name }}" } },
      interpolate: true,
      vars: { name: "Ada", n: 2 },
    });
    expect(reply.status).toBe(202);
    expect(sandbox.messages().find((message) => message.id === reply.json.id)?.rendered).toEqual({
      title: "Hi Ada",
      body: "2 new",
      badge: null,
      data: { url: "/u/Ada" },
    });
    // Without interpolate, placeholders are text and nothing is required.
    const plain = await api.post("/v1/messages", { to: "+15555550123", content: { type: "sms", body: "{{ code }}" } });
    expect(plain.status).toBe(202);
  });

  it("scheduled_at in the future gives status scheduled, echoed in UTC", async () => {
    const api = await account();
    const at = new Date(Date.now() + 3_600_000);
    const withOffset = at.toISOString().replace("Z", "+00:00");
    const reply = await api.post("/v1/messages", {
      template: "code",
      to: "+15555550123",
      vars: { code: 1 },
      scheduled_at: withOffset,
    });
    expect(reply.status).toBe(202);
    expect(reply.json.status).toBe("scheduled");
    expect(reply.json.scheduled_at).toBe(at.toISOString());
  });
});

describe("send validation (section 10)", () => {
  it("400 invalid_parameter lists every shape issue at once", async () => {
    const api = await account();
    const error = expectError(
      await api.post("/v1/messages", {
        template: "welcome",
        content: { type: "sms", body: "x" },
        to: 5,
        metadata: { k: 1 },
        interpolate: "yes",
      }),
      400,
      "invalid_parameter",
    );
    const paths = error.issues.map((issue: any) => issue.path.join("."));
    expect(paths).toEqual(expect.arrayContaining(["template", "metadata.k", "interpolate", "to"]));
  });

  it("400 for missing fields, wrong types and empty required strings", async () => {
    const api = await account();
    expectError(await api.post("/v1/messages", { template: "welcome" }), 400, "invalid_parameter");
    expectError(await api.post("/v1/messages", { to: "a@example.com" }), 400, "invalid_parameter");
    expectError(await api.post("/v1/messages", { template: "", to: "a@example.com" }), 400, "invalid_parameter");
    expectError(
      await api.post("/v1/messages", { to: "", content: { type: "sms", body: "x" } }),
      400,
      "invalid_parameter",
    );
    expectError(
      await api.post("/v1/messages", { to: "+15555550123", content: { type: "sms", body: "" } }),
      400,
      "invalid_parameter",
    );
    expectError(
      await api.post("/v1/messages", { to: "+15555550123", content: { type: "fax", body: "x" } }),
      400,
      "invalid_parameter",
    );
    expectError(
      await api.post("/v1/messages", { to: ["a@example.com"], template: "welcome", vars: { name: "x" } }),
      400,
      "invalid_parameter",
    );
    expectError(await api.post("/v1/messages", { to: 12, template: "nope" }), 400, "invalid_parameter");
    expectError(
      await api.post("/v1/messages", { to: "+15555550123", content: { type: "sms", body: "x".repeat(1601) } }),
      400,
      "invalid_parameter",
    );
    expectError(
      await api.post("/v1/messages", {
        to: "+15555550123",
        content: { type: "sms", body: "x" },
        scheduled_at: "2030-01-01T09:00:00",
      }),
      400,
      "invalid_parameter",
    );
    // A code point outside the BMP counts once: 1600 of them fit.
    expect(
      (await api.post("/v1/messages", { to: "+15555550123", content: { type: "sms", body: "😀".repeat(1600) } }))
        .status,
    ).toBe(202);
  });

  it("metadata: at most 50 keys, keys of 40 and values of 500 characters, string values", async () => {
    const api = await account();
    const send = (metadata: unknown) =>
      api.post("/v1/messages", { to: "+15555550123", content: { type: "sms", body: "x" }, metadata });
    const fifty = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, "v"]));
    expect((await send(fifty)).status).toBe(202);
    expectError(await send({ ...fifty, k50: "v" }), 400, "invalid_parameter");
    expect((await send({ ["k".repeat(40)]: "v".repeat(500) })).status).toBe(202);
    expectError(await send({ ["k".repeat(41)]: "v" }), 400, "invalid_parameter");
    expectError(await send({ k: "v".repeat(501) }), 400, "invalid_parameter");
    expectError(await send({ k: 1 }), 400, "invalid_parameter");
  });

  it("422 unknown_template", async () => {
    const api = await account();
    const error = expectError(
      await api.post("/v1/messages", { template: "nope", to: "a@example.com" }),
      422,
      "unknown_template",
    );
    expect(error.issues[0].path).toEqual(["template"]);
  });

  it("422 channel_mismatch: cc, bcc and reply_to are email-only", async () => {
    const api = await account();
    const error = expectError(
      await api.post("/v1/messages", {
        template: "code",
        to: "+15555550123",
        vars: { code: 1 },
        cc: ["a@example.com"],
        reply_to: "b@example.com",
      }),
      422,
      "channel_mismatch",
    );
    expect(error.issues.map((issue: any) => issue.path)).toEqual([["cc"], ["reply_to"]]);
    const withEmptyCc = expectError(
      await api.post("/v1/messages", {
        template: "code",
        to: "+15555550123",
        vars: { code: 1 },
        cc: [],
        bcc: ["a@example.com"],
      }),
      422,
      "channel_mismatch",
    );
    expect(withEmptyCc.issues.map((issue: any) => issue.path)).toEqual([["bcc"]]);
  });

  it('an empty cc or bcc list on a non-email send is like an absent one (the contract\'s example sends "bcc": [])', async () => {
    const api = await account();
    const template = await api.post("/v1/messages", {
      template: "code",
      to: "+15555550123",
      vars: { code: 1 },
      cc: [],
      bcc: [],
    });
    expect(template.status).toBe(202);
    const raw = await api.post("/v1/messages", { to: "+15555550123", content: { type: "sms", body: "hi" }, bcc: [] });
    expect(raw.status).toBe(202);
    const batch = await api.post("/v1/messages/batch", {
      messages: [{ to: "+15555550123", content: { type: "sms", body: "hi" }, cc: [] }],
    });
    expect(batch.json.data[0].ok).toBe(true);
  });

  it("422 invalid_recipient per channel, with the contract's message", async () => {
    const api = await account();
    const error = expectError(
      await api.post("/v1/messages", { template: "welcome", to: "bob@", vars: { name: "x" } }),
      422,
      "invalid_recipient",
    );
    expect(error.message).toBe('to: "bob@" is not a valid email address');
    expect(error.issues).toEqual([{ path: ["to"], message: '"bob@" is not a valid email address' }]);
    for (const to of ["a b@example.com", "a@b@example.com", "a@example", `${"a".repeat(250)}@e.com`]) {
      expectError(
        await api.post("/v1/messages", { template: "welcome", to, vars: { name: "x" } }),
        422,
        "invalid_recipient",
      );
    }
    expectError(
      await api.post("/v1/messages", { template: "code", to: "5555550123", vars: { code: 1 } }),
      422,
      "invalid_recipient",
    );
    expectError(
      await api.post("/v1/messages", { template: "code", to: "+05555550123", vars: { code: 1 } }),
      422,
      "invalid_recipient",
    );
    expectError(
      await api.post("/v1/messages", { to: "t".repeat(4097), content: { type: "push", title: "T", body: "B" } }),
      422,
      "invalid_recipient",
    );
    expectError(
      await api.post("/v1/messages", {
        to: { endpoint: "http://insecure", keys: { p256dh: "a", auth: "b" } },
        content: { type: "web_push", title: "T", body: "B" },
      }),
      422,
      "invalid_recipient",
    );
    const cc = expectError(
      await api.post("/v1/messages", {
        template: "welcome",
        to: "a@example.com",
        vars: { name: "x" },
        cc: ["ok@example.com", "bad"],
      }),
      422,
      "invalid_recipient",
    );
    expect(cc.issues[0].path).toEqual(["cc", 1]);
  });

  it("422 recipient_suppressed for suppressed@senderkit.test, in any case", async () => {
    const api = await account();
    expectError(
      await api.post("/v1/messages", { template: "welcome", to: "Suppressed@SenderKit.test", vars: { name: "x" } }),
      422,
      "recipient_suppressed",
    );
  });

  it("422 scheduled_at_in_past (now counts as past)", async () => {
    const api = await account();
    const error = expectError(
      await api.post("/v1/messages", {
        template: "code",
        to: "+15555550123",
        vars: { code: 1 },
        scheduled_at: new Date(Date.now() - 1000).toISOString(),
      }),
      422,
      "scheduled_at_in_past",
    );
    expect(error.issues[0].path).toEqual(["scheduled_at"]);
  });

  it("422 template_syntax_error for an interpolated raw send, with line and column", async () => {
    const api = await account();
    const error = expectError(
      await api.post("/v1/messages", {
        to: "a@example.com",
        content: { type: "email", subject: "ok", html: "<p>\n  {{ name </p>" },
        interpolate: true,
      }),
      422,
      "template_syntax_error",
    );
    expect(error.issues).toEqual([{ path: ["content", "html"], message: "unclosed placeholder", line: 2, column: 3 }]);
  });

  it("422 missing_variables, one issue per variable, dotted names as one path element; nothing queued", async () => {
    const api = await account();
    const before = sandbox.messages().length;
    const error = expectError(
      await api.post("/v1/messages", { template: "welcome", to: "a@example.com", vars: { order: {} } }),
      422,
      "missing_variables",
    );
    expect(error.issues.map((issue: any) => issue.path)).toEqual([
      ["vars", "name"],
      ["vars", "order.id"],
    ]);
    expect(sandbox.messages().length).toBe(before);
    // null is missing, an empty string is a value; user.plan has a default.
    expectError(
      await api.post("/v1/messages", {
        template: "welcome",
        to: "a@example.com",
        vars: { name: null, order: { id: "1" } },
      }),
      422,
      "missing_variables",
    );
    expect(
      (
        await api.post("/v1/messages", {
          template: "welcome",
          to: "a@example.com",
          vars: { name: "", order: { id: "1" } },
        })
      ).status,
    ).toBe(202);
    const raw = expectError(
      await api.post("/v1/messages", {
        to: "+15555550123",
        content: { type: "sms", body: "{{ code }}" },
        interpolate: true,
      }),
      422,
      "missing_variables",
    );
    expect(raw.issues).toEqual([{ path: ["vars", "code"], message: expect.any(String) }]);
  });

  it("422s come in the contract's order: only the first failing rule is reported", async () => {
    const api = await account();
    const past = new Date(Date.now() - 1000).toISOString();
    // channel_mismatch before invalid_recipient, scheduled_at_in_past and missing_variables
    expectError(
      await api.post("/v1/messages", { template: "code", to: "bad", cc: ["x"], scheduled_at: past }),
      422,
      "channel_mismatch",
    );
    // invalid_recipient before scheduled_at_in_past and missing_variables
    expectError(
      await api.post("/v1/messages", { template: "code", to: "bad", scheduled_at: past }),
      422,
      "invalid_recipient",
    );
    // recipient_suppressed before scheduled_at_in_past
    expectError(
      await api.post("/v1/messages", { template: "welcome", to: "suppressed@senderkit.test", scheduled_at: past }),
      422,
      "recipient_suppressed",
    );
    // scheduled_at_in_past before template_syntax_error
    expectError(
      await api.post("/v1/messages", {
        to: "+15555550123",
        content: { type: "sms", body: "{{" },
        interpolate: true,
        scheduled_at: past,
      }),
      422,
      "scheduled_at_in_past",
    );
    // template_syntax_error before missing_variables
    expectError(
      await api.post("/v1/messages", {
        to: "+15555550123",
        content: { type: "sms", body: "{{ a }} {{" },
        interpolate: true,
      }),
      422,
      "template_syntax_error",
    );
    // and every 400 before any 422
    expectError(
      await api.post("/v1/messages", { template: "nope", to: "a@example.com", colour: 1 }),
      400,
      "invalid_parameter",
    );
  });
});

describe("POST /v1/messages/batch", () => {
  it("answers 200 with one result per item in input order; one item's failure never fails the others", async () => {
    const api = await account();
    const reply = await api.post("/v1/messages/batch", {
      messages: [
        { template: "code", to: "+15555550123", vars: { code: 1 } },
        { template: "code", to: "nope", vars: { code: 1 } },
        { template: "code", to: "+15555550124", vars: { code: 1 }, colour: "red" },
        { to: "+15555550125", content: { type: "sms", body: "raw" } },
      ],
    });
    expect(reply.status).toBe(200);
    expect(reply.json.object).toBe("list");
    const [first, second, third, fourth] = reply.json.data;
    expect(first).toMatchObject({ index: 0, ok: true });
    expectMessageShape(first.message);
    expect(second).toEqual({
      index: 1,
      ok: false,
      error: {
        type: "validation_error",
        code: "invalid_recipient",
        message: expect.any(String),
        issues: [{ path: ["to"], message: expect.any(String) }],
      },
    });
    expect(third).toMatchObject({
      index: 2,
      ok: false,
      error: { code: "invalid_parameter", issues: [{ path: ["colour"], message: "unknown parameter" }] },
    });
    expect(third.error).not.toHaveProperty("request_id");
    expect(fourth).toMatchObject({ index: 3, ok: true, message: { channel: "sms" } });
  });

  it("0 items → 400, more than 1000 → 422 batch_too_large, 1000 are accepted", async () => {
    const api = await account();
    expectError(await api.post("/v1/messages/batch", { messages: [] }), 400, "invalid_parameter");
    expectError(await api.post("/v1/messages/batch", {}), 400, "invalid_parameter");
    expectError(await api.post("/v1/messages/batch", { messages: [], extra: 1 }), 400, "invalid_parameter");
    const item = { to: "+15555550123", content: { type: "sms", body: "x" } };
    expectError(
      await api.post("/v1/messages/batch", { messages: Array.from({ length: 1001 }, () => item) }),
      422,
      "batch_too_large",
    );
    const full = await api.post("/v1/messages/batch", { messages: Array.from({ length: 1000 }, () => item) });
    expect(full.status).toBe(200);
    expect(full.json.data.every((result: any) => result.ok)).toBe(true);
  });

  it("an item that is not an object, or has neither or both of template and content, fails alone", async () => {
    const api = await account();
    const reply = await api.post("/v1/messages/batch", {
      messages: [
        "nope",
        { to: "+15555550123", content: { type: "sms", body: "x" } },
        { to: "+15555550123" },
        { to: "+15555550123", template: "code", vars: { code: 1 }, content: { type: "sms", body: "x" } },
      ],
    });
    expect(reply.json.data[0]).toMatchObject({
      index: 0,
      ok: false,
      error: { code: "invalid_parameter", issues: [{ path: [] }] },
    });
    expect(reply.json.data[1].ok).toBe(true);
    for (const index of [2, 3]) {
      expect(reply.json.data[index]).toMatchObject({
        index,
        ok: false,
        error: { code: "invalid_parameter", issues: [{ path: ["template"] }] },
      });
    }
  });
});

describe("GET /v1/messages", () => {
  it("lists newest first with filters, metadata filters and cursors independent of filters", async () => {
    const api = await account();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const reply = await api.post("/v1/messages", {
        template: "code",
        to: "+15555550123",
        vars: { code: i },
        metadata: { batch: "b1", parity: i % 2 === 0 ? "even" : "odd" },
      });
      ids.push(reply.json.id);
    }
    await api.post("/v1/messages", {
      to: "a@example.com",
      content: { type: "email", subject: "s", html: "h" },
      metadata: { batch: "b2" },
    });

    const page1 = await api.get("/v1/messages?metadata[batch]=b1&limit=2");
    expect(page1.status).toBe(200);
    expect(page1.json.data.map((message: any) => message.id)).toEqual([ids[4], ids[3]]);
    expect(page1.json.next_cursor).toEqual(expect.any(String));
    const page2 = await api.get(`/v1/messages?metadata[batch]=b1&limit=2&cursor=${page1.json.next_cursor}`);
    expect(page2.json.data.map((message: any) => message.id)).toEqual([ids[2], ids[1]]);
    const page3 = await api.get(`/v1/messages?metadata%5Bbatch%5D=b1&limit=2&cursor=${page2.json.next_cursor}`);
    expect(page3.json.data.map((message: any) => message.id)).toEqual([ids[0]]);
    expect(page3.json.next_cursor).toBeNull();

    const even = await api.get("/v1/messages?metadata[batch]=b1&metadata[parity]=even");
    expect(even.json.data.map((message: any) => message.id)).toEqual([ids[4], ids[2], ids[0]]);
    expect((await api.get("/v1/messages?channel=email")).json.data).toHaveLength(1);
    expect((await api.get("/v1/messages?template=code&status=queued")).json.data).toHaveLength(5);
    expect((await api.get("/v1/messages?status=delivered")).json.data).toHaveLength(0);
    // The cursor does not depend on the filters: page 1's cursor continues an unfiltered list.
    const unfiltered = await api.get(`/v1/messages?cursor=${page1.json.next_cursor}`);
    expect(unfiltered.json.data.map((message: any) => message.id)).toEqual([ids[2], ids[1], ids[0]]);
    // Empty values mean "not given"; the default limit is 20.
    expect((await api.get("/v1/messages?status=&limit=&cursor=")).json.data).toHaveLength(6);
  });

  it("400 invalid_parameter for unknown, repeated or bad parameters", async () => {
    const api = await account();
    for (const query of [
      "colour=red",
      "status=lost",
      "channel=fax",
      "limit=0",
      "limit=101",
      "limit=ten",
      "cursor=nope",
      "status=queued&status=sent",
      "metadata[a]=1&metadata[a]=2",
    ]) {
      const error = expectError(await api.get(`/v1/messages?${query}`), 400, "invalid_parameter");
      expect(error.issues.length).toBeGreaterThan(0);
    }
    expect((await api.get("/v1/messages?limit=100")).status).toBe(200);
    expectError(await api.get("/v1/messages/msg_x?expand=1"), 400, "invalid_parameter");
  });
});

describe("GET /v1/messages/{id} and cancel", () => {
  it("gets a message, 404 message_not_found for an unknown id", async () => {
    const api = await account();
    const sent = await api.post("/v1/messages", { template: "code", to: "+15555550123", vars: { code: 1 } });
    const got = await api.get(`/v1/messages/${sent.json.id}`);
    expect(got.status).toBe(200);
    expect(got.json).toEqual(sent.json);
    expectError(await api.get("/v1/messages/msg_AAAAAAAAAAAAAAAA"), 404, "message_not_found");
    expectError(await api.post("/v1/messages/msg_AAAAAAAAAAAAAAAA/cancel"), 404, "message_not_found");
  });

  it("cancels scheduled and queued messages; anything else is 409 message_not_cancellable", async () => {
    const api = await account();
    const scheduled = await api.post("/v1/messages", {
      template: "code",
      to: "+15555550123",
      vars: { code: 1 },
      scheduled_at: future(),
    });
    const queued = await api.post("/v1/messages", { template: "code", to: "+15555550123", vars: { code: 1 } });
    for (const sent of [scheduled, queued]) {
      const cancelled = await api.post(`/v1/messages/${sent.json.id}/cancel`);
      expect(cancelled.status).toBe(200);
      expectMessageShape(cancelled.json);
      expect(cancelled.json.status).toBe("cancelled");
      expectError(await api.post(`/v1/messages/${sent.json.id}/cancel`), 409, "message_not_cancellable");
    }
    expectError(await api.post(`/v1/messages/${queued.json.id}/cancel`, { reason: "x" }), 400, "invalid_parameter");
  });
});

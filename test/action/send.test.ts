import { describe, expect, it } from "vitest";
import { InputReader } from "../../action/inputs.ts";
import { readSendRequest, runSendMode, sendMessage, sendSummary } from "../../action/send.ts";
import type { SendClient, SendRequest } from "../../action/send.ts";
import type { Message } from "../../src/objects.ts";
import { githubContext, recordingRunner } from "./helpers.ts";

const context = githubContext();
const API_KEY = "sk_test_sendSENDsend0123456789";

function read(inputs: Record<string, string>) {
  const input = new InputReader(recordingRunner(inputs));
  const { request, warnings } = readSendRequest(input, context);
  return { request, warnings, problems: input.problems };
}

describe("readSendRequest", () => {
  it("reads a template send with vars, metadata and email options", () => {
    const { request, problems } = read({
      template: "welcome",
      to: "ada@example.com",
      vars: "user:\n  first_name: Ada\n",
      metadata: "order_id: 1042",
      cc: "ops@example.com, boss@example.com",
      "reply-to": "help@example.com",
      "scheduled-at": "2030-01-01T09:00:00Z",
    });
    expect(problems).toEqual([]);
    expect(request).toMatchObject({
      kind: "template",
      template: "welcome",
      to: "ada@example.com",
      options: {
        vars: { user: { first_name: "Ada" } },
        cc: ["ops@example.com", "boss@example.com"],
        replyTo: "help@example.com",
        scheduledAt: "2030-01-01T09:00:00Z",
        idempotencyKey: expect.stringMatching(/^gha:acme\/shop:1000001:notify:senderkit:[0-9a-f]{12}$/),
      },
    });
    // Traceable: where the message came from, unless the workflow says otherwise.
    expect(request!.options.metadata).toEqual({
      order_id: "1042",
      github_repository: "acme/shop",
      github_run_id: "1000001",
      github_sha: githubContext().sha,
      github_workflow: "Deploy",
      github_run_url: "https://github.com/acme/shop/actions/runs/1000001",
    });
  });

  it("reads a content send, interpolated", () => {
    const { request, problems } = read({
      content: '{"type": "sms", "body": "Code {{ code }}"}',
      to: "+15555550123",
      vars: "code: '123'",
      interpolate: "true",
    });
    expect(problems).toEqual([]);
    expect(request).toMatchObject({
      kind: "content",
      content: { type: "sms", body: "Code {{ code }}" },
      options: { interpolate: true, vars: { code: "123" } },
    });
  });

  it("uses the given idempotency key", () => {
    expect(
      read({ template: "welcome", to: "a@x.com", "idempotency-key": "deploy-42" }).request!.options.idempotencyKey,
    ).toBe("deploy-42");
  });

  it("derives the same key on a re-run attempt with the same inputs, and another for another recipient", () => {
    const key = read({ template: "welcome", to: "a@x.com", vars: "n: 1\nm: 2" }).request!.options.idempotencyKey;
    const again = readSendRequest(
      new InputReader(recordingRunner({ template: "welcome", to: "a@x.com", vars: "m: 2\nn: 1" })),
      githubContext({ runAttempt: "2" }),
    );
    expect(again.request!.options.idempotencyKey).toBe(key);
    expect(read({ template: "welcome", to: "b@x.com" }).request!.options.idempotencyKey).not.toBe(key);
  });

  it("gives matrix legs (same job and step) that send different things different keys", () => {
    const base = { template: "welcome", to: "a@x.com", vars: "n: 1" };
    const keyOf = (inputs: Record<string, string>) => read(inputs).request!.options.idempotencyKey;
    const key = keyOf(base);
    const variants: Record<string, string>[] = [
      { ...base, vars: "n: 2" },
      { ...base, metadata: "leg: linux" },
      { ...base, cc: "c@x.com" },
      { ...base, bcc: "c@x.com" },
      { ...base, "reply-to": "r@x.com" },
      { ...base, "scheduled-at": "2030-01-01T00:00:00Z" },
    ];
    const keys = variants.map(keyOf);
    for (const other of keys) expect(other).not.toBe(key);
    expect(new Set(keys).size).toBe(keys.length);
    const content = (body: string) => keyOf({ content: `type: sms\nbody: ${body}`, to: "+15555550123" });
    expect(content("one")).not.toBe(content("two"));
    expect(content("one")).toBe(content("one"));
  });

  it("names each bad input and what is wrong with it", () => {
    const cases: [Record<string, string>, string[]][] = [
      [
        { to: "a@x.com" },
        [
          "template: give `template` (the slug of a stored template) or `content` (the message itself, with its `type`)",
        ],
      ],
      [
        { template: "welcome", content: "type: sms\nbody: x", to: "+15555550123" },
        ["content: give either `template` or `content`, not both"],
      ],
      [
        { template: "welcome" },
        [
          "to: required in send mode: the recipient (an email address, a phone number, a device token or a push subscription)",
        ],
      ],
      [{ template: "welcome", to: "bob@" }, ['to: "bob@" is not a valid email address']],
      [{ template: "welcome", to: "a@x.com", vars: "name: Ada\n- x" }, [expect.stringMatching(/^vars: line 2: /)]],
      [
        { template: "welcome", to: "a@x.com", vars: "- a\n- b" },
        ["vars: line 1: expected a mapping (like `name: Ada`), got a list"],
      ],
      [
        { template: "welcome", to: "a@x.com", cc: "ok@x.com, nope" },
        ['cc: address 2: "nope" is not a valid email address'],
      ],
      [{ template: "welcome", to: "a@x.com", "reply-to": "nope" }, ['reply-to: "nope" is not a valid email address']],
      [
        { template: "welcome", to: "a@x.com", "scheduled-at": "tomorrow" },
        [expect.stringMatching(/^scheduled-at: expected a Date or an ISO-8601 string with a time zone/)],
      ],
      [
        { template: "welcome", to: "a@x.com", metadata: `${"k".repeat(41)}: v` },
        [`metadata: ${"k".repeat(41)}: keys have at most 40 characters`],
      ],
      [{ content: "type: sms", to: "+15555550123" }, ["content: body: required"]],
      [{ content: "type: sms\nbody: hi\nsubject: x", to: "+15555550123" }, ["content: subject: unknown parameter"]],
      [
        { content: "type: fax\nbody: hi", to: "+15555550123" },
        [expect.stringMatching(/^content: type: "type" must be one of email, sms, push, web_push/)],
      ],
      [
        { content: "type: sms\nbody: hi", to: "+15555550123", cc: "a@x.com" },
        ["cc: only template sends take cc, bcc and reply-to"],
      ],
      [{ template: "welcome", to: "a@x.com", interpolate: "yes" }, ['interpolate: expected true or false, got "yes"']],
      [
        { template: "welcome", to: "a@x.com", "idempotency-key": "naïve" },
        ["idempotency-key: only printable ASCII characters (0x20-0x7E)"],
      ],
    ];
    for (const [inputs, problems] of cases) {
      const result = read(inputs);
      expect(result.problems, JSON.stringify(inputs)).toEqual(problems);
      expect(result.request).toBeUndefined();
    }
  });

  it("warns that interpolate does nothing for a stored template", () => {
    expect(read({ template: "welcome", to: "a@x.com", interpolate: "true" }).warnings).toEqual([
      "interpolate: only applies to `content` sends (stored templates are always rendered); ignored",
    ]);
  });

  it("warns when the workflow's metadata leaves no room for the trace keys", () => {
    const metadata = Array.from({ length: 50 }, (_, i) => `k${i}: v`).join("\n");
    const { warnings, request } = read({ template: "welcome", to: "a@x.com", metadata });
    expect(Object.keys(request!.options.metadata!)).toHaveLength(50);
    expect(warnings).toEqual([
      "metadata: no room for github_repository, github_run_id, github_sha, github_workflow, github_run_url (at most 50 keys)",
    ]);
  });
});

const sent: Message = { id: "msg_1", status: "queued", channel: "email" } as Message;

function fakeClient(): SendClient & { calls: unknown[][]; closed: boolean } {
  const client = {
    calls: [] as unknown[][],
    closed: false,
    send: async (...args: unknown[]) => (client.calls.push(["send", ...args]), sent),
    sendRaw: async (...args: unknown[]) => (client.calls.push(["sendRaw", ...args]), sent),
    close: async () => void (client.closed = true),
  };
  return client as never;
}

describe("sendMessage", () => {
  it("calls send for a template and sendRaw for content", async () => {
    const client = fakeClient();
    const template: SendRequest = {
      kind: "template",
      template: "welcome",
      to: "a@x.com",
      options: { idempotencyKey: "k" },
    };
    const content: SendRequest = {
      kind: "content",
      content: { type: "sms", body: "hi" },
      to: "+15555550123",
      options: { idempotencyKey: "k" },
    };
    await sendMessage(client, template);
    await sendMessage(client, content);
    expect(client.calls).toEqual([
      ["send", "welcome", "a@x.com", { idempotencyKey: "k" }],
      ["sendRaw", "+15555550123", { type: "sms", body: "hi" }, { idempotencyKey: "k" }],
    ]);
  });
});

describe("runSendMode", () => {
  it("sends, writes message-id and status, and a summary", async () => {
    const runner = recordingRunner({ template: "welcome", to: "ada@example.com" });
    const client = fakeClient();
    await runSendMode(runner, context, API_KEY, () => client);
    expect(runner.outputs).toEqual({ "message-id": "msg_1", status: "queued", replayed: "false" });
    expect(runner.summary).toContain(
      "| <code>msg&#95;1</code> | queued | email | template welcome | ada@example.com |",
    );
    expect(client.closed).toBe(true);
  });

  it("fails bad inputs before creating a client", async () => {
    const runner = recordingRunner({ template: "welcome", to: "bob@" });
    let created = false;
    await expect(runSendMode(runner, context, "", () => ((created = true), fakeClient()))).rejects.toThrow(
      /^Invalid inputs:\n- api-key: required in send mode .*\n- to: "bob@" is not a valid email address$/,
    );
    expect(created).toBe(false);
  });

  it("summarises a content send", () => {
    const request: SendRequest = {
      kind: "content",
      content: { type: "sms", body: "x" },
      to: "+1555",
      options: { idempotencyKey: undefined },
    };
    expect(sendSummary(request, { ...sent, channel: "sms" })).toContain(
      "| <code>msg&#95;1</code> | queued | sms | sms content | +1555 |",
    );
  });
});

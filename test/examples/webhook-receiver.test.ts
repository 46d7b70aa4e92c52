// The example receiver refuses what it cannot verify, handles each event once, and survives what
// any client on the internet can do to it: abort mid-body, send too much, or trip its handler.
import { connect } from "node:net";
import { afterEach, expect, it } from "vitest";
import { startReceiver } from "../../examples/webhook-receiver/receiver.ts";
import type { Receiver } from "../../examples/webhook-receiver/receiver.ts";
import { signWebhook } from "../../src/index.ts";

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const event = (id: string) =>
  JSON.stringify({
    id,
    type: "message.sent",
    created_at: "2026-11-22T10:00:00.000Z",
    payload: { message: { id: "msg_1" } },
  });
const body = event("evt_1");

let receiver: Receiver | undefined;
afterEach(async () => receiver?.close());

const post = (url: string, payload: string, signature?: string) =>
  fetch(url, { method: "POST", body: payload, headers: signature ? { "x-senderkit-signature": signature } : {} });

it("answers 204 to a signed event, handles a redelivery once, and refuses bad or missing signatures with 400", async () => {
  const handled: string[] = [];
  const logged: string[] = [];
  receiver = await startReceiver({
    secret: SECRET,
    onEvent: (e) => void handled.push(e.id),
    log: (line) => logged.push(line),
  });
  expect((await post(receiver.url, body, signWebhook(SECRET, body))).status).toBe(204);
  expect((await post(receiver.url, body, signWebhook(SECRET, body))).status).toBe(204);
  expect(handled).toEqual(["evt_1"]);

  expect((await post(receiver.url, body, signWebhook("whsec_otherotherotherotherotherother12", body))).status).toBe(
    400,
  );
  expect((await post(receiver.url, body.replace("sent", "delivered"), signWebhook(SECRET, body))).status).toBe(400);
  expect((await post(receiver.url, body)).status).toBe(400);
  expect((await fetch(receiver.url)).status).toBe(405);
  expect(handled).toEqual(["evt_1"]);
  expect(logged).toEqual([
    "refused a webhook: no_matching_signature",
    "refused a webhook: no_matching_signature",
    "refused a webhook: missing_header",
    "refused a GET request",
  ]);
  expect(logged.join("\n")).not.toContain(SECRET);
});

it("keeps serving after a client aborts its request mid-body", async () => {
  const logged: string[] = [];
  receiver = await startReceiver({ secret: SECRET, onEvent: () => {}, log: (line) => logged.push(line) });
  const { port } = new URL(receiver.url);
  await new Promise<void>((resolve) => {
    const socket = connect(Number(port), "127.0.0.1", () => {
      socket.write('POST /webhooks/senderkit HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n{"id":');
      setTimeout(() => socket.destroy(), 50);
    });
    socket.on("close", () => resolve());
  });
  await expect.poll(() => logged).toContain("the client aborted the request mid-body");
  expect((await post(receiver.url, body, signWebhook(SECRET, body))).status).toBe(204);
});

it("answers 413 to an oversized body and keeps serving", async () => {
  const logged: string[] = [];
  receiver = await startReceiver({ secret: SECRET, onEvent: () => {}, log: (line) => logged.push(line) });
  const big = "x".repeat(1_048_577);
  expect((await post(receiver.url, big, signWebhook(SECRET, big)).catch(() => ({ status: "reset" }))).status).toBe(413);
  expect(logged).toEqual(["refused a body over 1048576 bytes"]);
  expect((await post(receiver.url, body, signWebhook(SECRET, body))).status).toBe(204);
});

it("answers 500 when the handler throws, logs it, keeps serving, and handles the redelivery", async () => {
  const logged: string[] = [];
  const handled: string[] = [];
  let failures = 1;
  receiver = await startReceiver({
    secret: SECRET,
    log: (line) => logged.push(line),
    onEvent: async (e) => {
      if (failures-- > 0) throw new Error("database down");
      handled.push(e.id);
    },
  });
  expect((await post(receiver.url, body, signWebhook(SECRET, body))).status).toBe(500);
  expect(logged).toEqual(["the handler failed on message.sent evt_1: database down (SenderKit will retry)"]);
  expect(handled).toEqual([]);
  // SenderKit's retry of the same event is handled now, once.
  expect((await post(receiver.url, body, signWebhook(SECRET, body))).status).toBe(204);
  expect((await post(receiver.url, body, signWebhook(SECRET, body))).status).toBe(204);
  expect(handled).toEqual(["evt_1"]);
  const other = event("evt_2");
  expect((await post(receiver.url, other, signWebhook(SECRET, other))).status).toBe(204);
  expect(handled).toEqual(["evt_1", "evt_2"]);
});

it("runs the handler once for two deliveries of one event arriving together", async () => {
  let calls = 0;
  receiver = await startReceiver({
    secret: SECRET,
    onEvent: () => new Promise((resolve) => setTimeout(() => resolve(void calls++), 50)),
  });
  const answers = await Promise.all([1, 2].map(() => post(receiver!.url, body, signWebhook(SECRET, body))));
  expect(answers.map((a) => a.status)).toEqual([204, 204]);
  expect(calls).toBe(1);
});

// The example receiver refuses what it cannot verify and handles each event once.
import { afterEach, expect, it } from "vitest";
import { startReceiver } from "../../examples/webhook-receiver/receiver.ts";
import type { Receiver } from "../../examples/webhook-receiver/receiver.ts";
import { signWebhook } from "../../src/index.ts";

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const body = JSON.stringify({ id: "evt_1", type: "message.sent", created_at: "2026-11-22T10:00:00.000Z", payload: { message: { id: "msg_1" } } });

let receiver: Receiver | undefined;
afterEach(async () => receiver?.close());

const post = (url: string, payload: string, signature?: string) =>
  fetch(url, { method: "POST", body: payload, headers: signature ? { "x-senderkit-signature": signature } : {} });

it("answers 204 to a signed event, handles a redelivery once, and refuses bad or missing signatures with 400", async () => {
  const handled: string[] = [];
  receiver = await startReceiver({ secret: SECRET, onEvent: (event) => void handled.push(event.id) });
  expect((await post(receiver.url, body, signWebhook(SECRET, body))).status).toBe(204);
  expect((await post(receiver.url, body, signWebhook(SECRET, body))).status).toBe(204);
  expect(handled).toEqual(["evt_1"]);

  expect((await post(receiver.url, body, signWebhook("whsec_otherotherotherotherotherother12", body))).status).toBe(400);
  expect((await post(receiver.url, body.replace("sent", "delivered"), signWebhook(SECRET, body))).status).toBe(400);
  expect((await post(receiver.url, body)).status).toBe(400);
  expect((await fetch(receiver.url)).status).toBe(405);
  expect(handled).toEqual(["evt_1"]);
});

// What a push or web push notification weighs on the wire, as lint and previews measure it.
// APNs refuses a notification payload over 4096 bytes and FCM a message payload over 4096 bytes;
// a web push service takes 4096 bytes of encrypted payload (RFC 8030/8291). Measured here:
//   push:     the UTF-8 bytes of the APNs JSON `{"aps":{"alert":{"title","body"},"badge"},…data}`
//             (data keys beside `aps`, as custom keys are sent);
//   web_push: the UTF-8 bytes of the JSON of the fields that have a value: title, body,
//             click_url, icon (the object a service worker receives).
// Encryption adds a little to a web push payload, so this is a lower bound there.
import type { Channel } from "../internal/rules.ts";

export const PUSH_PAYLOAD_LIMIT = 4096;

/** The JSON payload of a rendered push or web push content (see the header for its shape). */
export function pushPayload(channel: Channel, output: Record<string, unknown>): Record<string, unknown> {
  if (channel === "push") {
    const aps: Record<string, unknown> = { alert: { title: output.title ?? "", body: output.body ?? "" } };
    if (typeof output.badge === "number") aps.badge = output.badge;
    const payload: Record<string, unknown> = {};
    const data = output.data;
    if (typeof data === "object" && data !== null) {
      for (const [key, value] of Object.entries(data)) {
        Object.defineProperty(payload, key, { value, enumerable: true, writable: true, configurable: true });
      }
    }
    Object.defineProperty(payload, "aps", { value: aps, enumerable: true, writable: true, configurable: true });
    return payload;
  }
  const payload: Record<string, unknown> = {};
  for (const name of ["title", "body", "click_url", "icon"]) {
    const value = output[name];
    if (value !== null && value !== undefined) payload[name] = value;
  }
  return payload;
}

export function pushPayloadBytes(channel: Channel, output: Record<string, unknown>): number {
  return Buffer.byteLength(JSON.stringify(pushPayload(channel, output)), "utf8");
}

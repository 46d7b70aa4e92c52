// The contract's value rules (sections 1, 4, 5, 6, 8 and 10 of senderkit-api.md) as plain
// functions. The client checks input with them before sending, and the sandbox server
// enforces them, so there is one reading of each rule.
import { isPlainObject } from "./plain-objects.ts";

export type Channel = "email" | "sms" | "push" | "web_push";
export const CHANNELS: readonly Channel[] = ["email", "sms", "push", "web_push"];

export const MESSAGE_STATUSES = ["scheduled", "queued", "sent", "delivered", "failed", "bounced", "cancelled"] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

export const EVENT_TYPES = [
  "message.queued",
  "message.scheduled",
  "message.sent",
  "message.delivered",
  "message.failed",
  "message.bounced",
  "message.cancelled",
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export const API_KEY_PATTERN = /^sk_(test|live)_[A-Za-z0-9]{16,}$/;
export const SLUG_PATTERN = /^[a-z0-9][a-z0-9_-]{0,63}$/;
export const E164_PATTERN = /^\+[1-9][0-9]{1,14}$/;

export const LIMITS = {
  bodyBytes: 1_048_576,
  batchItems: 1000,
  metadataKeys: 50,
  metadataKeyLength: 40,
  metadataValueLength: 500,
  emailLength: 254,
  pushTokenLength: 4096,
  smsBodyLength: 1600,
  urlLength: 2048,
  idempotencyKeyLength: 255,
  maxRotationOverlapSeconds: 604_800,
} as const;

/** Lengths are counted in Unicode code points (section 10). */
export function codePointLength(value: string): number {
  let count = 0;
  for (let i = 0; i < value.length; i++) {
    const unit = value.charCodeAt(i);
    // A high surrogate followed by a low one is one code point.
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < value.length) {
      const next = value.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
    count++;
  }
  return count;
}

/** True when the string has at most `max` code points; cheap for short strings. */
export function fitsLength(value: string, max: number): boolean {
  return value.length <= max || codePointLength(value) <= max;
}

export function modeOfApiKey(apiKey: string): "test" | "live" | undefined {
  if (apiKey.startsWith("sk_test_")) return "test";
  if (apiKey.startsWith("sk_live_")) return "live";
  return undefined;
}

export function isValidEmail(value: string): boolean {
  if (!fitsLength(value, LIMITS.emailLength) || /\s/.test(value)) return false;
  const at = value.indexOf("@");
  if (at <= 0 || at !== value.lastIndexOf("@")) return false;
  const domain = value.slice(at + 1);
  return domain.length > 0 && domain.includes(".");
}

export interface PushSubscription {
  endpoint: string;
  keys: { p256dh: string; auth: string };
  [key: string]: unknown;
}

/** A web_push recipient is the subscription object or that object as a JSON string. */
export function parsePushSubscription(to: unknown): PushSubscription | undefined {
  let value = to;
  if (typeof value === "string") {
    try {
      value = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  if (!isPlainObject(value)) return undefined;
  const { endpoint, keys } = value;
  if (typeof endpoint !== "string" || !endpoint.startsWith("https://") || !URL.canParse(endpoint)) {
    return undefined;
  }
  if (!isPlainObject(keys)) return undefined;
  if (typeof keys.p256dh !== "string" || keys.p256dh === "") return undefined;
  if (typeof keys.auth !== "string" || keys.auth === "") return undefined;
  return value as PushSubscription;
}

/**
 * Why `to` is not a valid recipient on `channel`, or undefined when it is.
 * `kind` tells a wrong JSON type (400 invalid_parameter) from a wrong value
 * (422 invalid_recipient), as section 10 separates them.
 */
export function recipientProblem(
  channel: Channel,
  to: unknown,
): { kind: "type" | "value"; message: string } | undefined {
  if (channel === "web_push") {
    if (typeof to !== "string" && !isPlainObject(to)) {
      return { kind: "type", message: "expected a push subscription object or its JSON string" };
    }
    return parsePushSubscription(to)
      ? undefined
      : {
          kind: "value",
          message: 'not a valid push subscription (needs "endpoint" (https) and "keys" with "p256dh" and "auth")',
        };
  }
  if (typeof to !== "string") return { kind: "type", message: "expected a string" };
  if (to === "") return { kind: "type", message: "must not be empty" };
  switch (channel) {
    case "email":
      return isValidEmail(to) ? undefined : { kind: "value", message: `"${to}" is not a valid email address` };
    case "sms":
      return E164_PATTERN.test(to)
        ? undefined
        : { kind: "value", message: `"${to}" is not an E.164 phone number (like +15555550123)` };
    case "push":
      return fitsLength(to, LIMITS.pushTokenLength)
        ? undefined
        : { kind: "value", message: `a device token has at most ${LIMITS.pushTokenLength} characters` };
  }
}

/** Section 8: https, or http on localhost/127.0.0.1 in test mode, decided on the parsed host. */
export function webhookUrlProblem(url: string, mode: "test" | "live"): string | undefined {
  if (!fitsLength(url, LIMITS.urlLength)) return `at most ${LIMITS.urlLength} characters`;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return "not a valid URL";
  }
  if (parsed.protocol === "https:") return undefined;
  if (parsed.protocol === "http:" && (parsed.hostname === "localhost" || parsed.hostname === "127.0.0.1")) {
    return mode === "test" ? undefined : "http:// URLs on localhost are allowed in test mode only";
  }
  return "must be an https:// URL";
}

export function eventsProblem(events: unknown): string | undefined {
  if (!Array.isArray(events) || events.length === 0) return "expected a non-empty list of event types";
  if (events.length === 1 && events[0] === "*") return undefined;
  for (const event of events) {
    if (!(EVENT_TYPES as readonly unknown[]).includes(event)) {
      return `unknown event type ${JSON.stringify(event)} (use one of ${EVENT_TYPES.join(", ")}, or ["*"])`;
    }
  }
  return undefined;
}

/** `expire_previous_after_seconds` of a rotation: 0 to 604800 (section 8). */
export function rotationOverlapProblem(seconds: unknown): string | undefined {
  const ok =
    typeof seconds === "number" &&
    Number.isInteger(seconds) &&
    seconds >= 0 &&
    seconds <= LIMITS.maxRotationOverlapSeconds;
  return ok ? undefined : `expected an integer from 0 to ${LIMITS.maxRotationOverlapSeconds}`;
}

export function idempotencyKeyProblem(key: string): string | undefined {
  if (key.length === 0) return "must not be empty";
  if (key.length > LIMITS.idempotencyKeyLength) return `at most ${LIMITS.idempotencyKeyLength} characters`;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) return "only printable ASCII characters (0x20-0x7E)";
  }
  return undefined;
}

/**
 * An ISO-8601 timestamp that names its time zone (`Z` or `±hh:mm`), as section 10 requires;
 * undefined when the string is not one.
 */
export function parseTimestamp(value: string): Date | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/i.exec(value);
  if (!match) return undefined;
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return undefined;
  // Date quietly rolls 2099-02-30 over to March 2: a day the month does not have is no date.
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth ? date : undefined;
}

/** Re-exported for action/ and provider/, which import it from here; its home is plain-objects.ts. */
export { isPlainObject };

// The Messages resource's arguments (types in resources/messages.ts) into wire bodies.
// Turns the caller's camelCase arguments into wire bodies, and rejects bad input before
// anything is sent, with issues that name each bad field as the caller spelled it.
import { invalidInput } from "../errors.ts";
import type { Issue } from "../errors.ts";
import { CHANNELS, idempotencyKeyProblem, isValidEmail, parseTimestamp, recipientProblem } from "./rules.ts";
import type { Channel } from "./rules.ts";
import { checkSendBody, checkWire, sendBodySchema } from "./wire-schemas.ts";
import type { BatchItemBody, SendBody } from "./wire-schemas.ts";
import type {
  BatchItem,
  RawBatchItem,
  RawContent,
  SendOptions,
  SendRawOptions,
  TemplateBatchItem,
} from "../resources/messages.ts";

/** Wire names as the caller spells them, so issues point at the caller's own fields. */
const CALLER_NAMES: Record<string, string> = {
  scheduled_at: "scheduledAt",
  reply_to: "replyTo",
  idempotency_key: "idempotencyKey",
};

export function templateSendBody(template: string, to: unknown, options: SendOptions = {}): SendBody {
  return templateBody(template, to, options, false);
}

export function rawSendBody(to: unknown, content: RawContent, options: SendRawOptions = {}): SendBody {
  return rawBody(to, content, options, false);
}

/** `hot`: one body of many (a batch item), see checked(). */
function templateBody(template: string, to: unknown, options: SendOptions, hot: boolean): SendBody {
  const issues: Issue[] = [];
  // Built without absent optionals, so the body on the wire is minimal and stable (idempotency
  // fingerprints compare bodies byte for byte); always a fresh object, never the caller's.
  const body = {} as SendBody;
  if (template !== undefined) body.template = template;
  if (to !== undefined) body.to = to;
  if (options.vars !== undefined) body.vars = options.vars;
  if (options.metadata !== undefined) body.metadata = options.metadata;
  if (options.cc !== undefined) body.cc = options.cc;
  if (options.bcc !== undefined) body.bcc = options.bcc;
  if (options.replyTo !== undefined) body.reply_to = options.replyTo;
  const scheduledAt = scheduledAtToWire(options.scheduledAt, issues);
  if (scheduledAt !== undefined) body.scheduled_at = scheduledAt;
  return checked(body, undefined, issues, hot);
}

function rawBody(to: unknown, content: RawContent, options: SendRawOptions, hot: boolean): SendBody {
  const issues: Issue[] = [];
  const body = {} as SendBody;
  if (content !== undefined) body.content = content;
  if (to !== undefined) body.to = to;
  if (options.interpolate !== undefined) body.interpolate = options.interpolate;
  if (options.vars !== undefined) body.vars = options.vars;
  if (options.metadata !== undefined) body.metadata = options.metadata;
  const scheduledAt = scheduledAtToWire(options.scheduledAt, issues);
  if (scheduledAt !== undefined) body.scheduled_at = scheduledAt;
  const type = (content as { type?: unknown } | null)?.type;
  const channel = (CHANNELS as readonly unknown[]).includes(type) ? (type as Channel) : undefined;
  return checked(body, channel, issues, hot);
}

/** One batch item's wire body with its idempotency key; throws ValidationError for bad input. */
export function batchItemBody(item: BatchItem, idempotencyKey: string): BatchItemBody {
  if (typeof item !== "object" || item === null) throw invalidInput([{ path: [], message: "expected an object" }]);
  const body =
    "content" in item && item.content !== undefined
      ? rawBody(item.to, item.content, item as RawBatchItem, true)
      : templateBody((item as TemplateBatchItem).template, item.to, item as TemplateBatchItem, true);
  // `body` is a fresh object (built from the caller's fields): the key is added in place.
  (body as BatchItemBody).idempotency_key = checkIdempotencyKey(idempotencyKey);
  return body as BatchItemBody;
}

/** Section 4: 1-255 printable ASCII characters. */
export function checkIdempotencyKey(key: string): string {
  const problem = typeof key === "string" ? idempotencyKeyProblem(key) : "expected a string";
  if (problem) throw invalidInput([{ path: ["idempotencyKey"], message: problem }]);
  return key;
}

/** `hot`: one of many (a batch item), checked by the compiled schema that is faster on valid bodies. */
function checked(body: SendBody, channel: Channel | undefined, issues: Issue[], hot: boolean): SendBody {
  const result = hot ? checkSendBody(body) : checkWire(sendBodySchema(), body);
  if (!result.ok) for (const issue of result.issues) issues.push(toCallerIssue(issue));
  recipientIssues(body, channel, issues);
  if (issues.length > 0) throw invalidInput(issues);
  return body;
}

const CC_FIELDS = ["cc", "bcc"] as const;

function recipientIssues(body: SendBody, channel: Channel | undefined, issues: Issue[]): void {
  if (channel) {
    const problem = recipientProblem(channel, body.to);
    if (problem) issues.push({ path: ["to"], message: problem.message });
  } else if (body.to !== undefined && body.to !== null) {
    // A template send's channel is the template's, known only to the server; check what the
    // value itself claims to be (an address, a phone number, a token or a subscription).
    const claimed: Channel =
      typeof body.to !== "string"
        ? "web_push"
        : body.to.includes("@")
          ? "email"
          : body.to.startsWith("+")
            ? "sms"
            : "push";
    const problem = recipientProblem(claimed, body.to);
    if (problem) issues.push({ path: ["to"], message: problem.message });
  }
  for (const field of CC_FIELDS) {
    const addresses = body[field];
    // Anything but an array is a type issue zod has reported already.
    if (!Array.isArray(addresses)) continue;
    addresses.forEach((address, index) => {
      if (typeof address === "string" && !isValidEmail(address)) {
        issues.push({ path: [field, index], message: `"${address}" is not a valid email address` });
      }
    });
  }
  if (typeof body.reply_to === "string" && !isValidEmail(body.reply_to)) {
    issues.push({ path: ["replyTo"], message: `"${body.reply_to}" is not a valid email address` });
  }
}

function scheduledAtToWire(value: Date | string | undefined, issues: Issue[]): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) {
      issues.push({ path: ["scheduledAt"], message: "is an invalid Date" });
      return undefined;
    }
    return value.toISOString();
  }
  if (typeof value !== "string" || parseTimestamp(value) === undefined) {
    issues.push({
      path: ["scheduledAt"],
      message: "expected a Date or an ISO-8601 string with a time zone (like 2027-01-01T09:00:00Z)",
    });
    return undefined;
  }
  return value;
}

function toCallerIssue(issue: Issue): Issue {
  const [first, ...rest] = issue.path;
  return typeof first === "string" && first in CALLER_NAMES
    ? { ...issue, path: [CALLER_NAMES[first] as string, ...rest] }
    : issue;
}

/** The body without absent fields, so what goes on the wire is minimal and stable. */
export function withoutUndefined<T extends Record<string, unknown>>(body: T): Partial<T> {
  const kept: Record<string, unknown> = {};
  for (const key in body) if (body[key] !== undefined) kept[key] = body[key];
  return kept as Partial<T>;
}

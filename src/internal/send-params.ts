// The Messages resource's arguments (types in resources/messages.ts) into wire bodies.
// Turns the caller's camelCase arguments into wire bodies, and rejects bad input before
// anything is sent, with issues that name each bad field as the caller spelled it.
import { invalidInput } from "../errors.ts";
import type { Issue } from "../errors.ts";
import { idempotencyKeyProblem, isValidEmail, parseTimestamp, recipientProblem } from "./rules.ts";
import type { Channel } from "./rules.ts";
import { checkWire, rawContentSchema, sendBodySchema } from "./wire.ts";
import type { BatchItemBody, SendBody } from "./wire.ts";
import type { BatchItem, RawBatchItem, RawContent, SendOptions, SendRawOptions, TemplateBatchItem } from "../resources/messages.ts";

/** Wire names as the caller spells them, so issues point at the caller's own fields. */
const CALLER_NAMES: Record<string, string> = { scheduled_at: "scheduledAt", reply_to: "replyTo", idempotency_key: "idempotencyKey" };

export function templateSendBody(template: string, to: unknown, options: SendOptions = {}): SendBody {
  const issues: Issue[] = [];
  const body: SendBody = {
    template,
    to,
    vars: options.vars,
    metadata: options.metadata,
    cc: options.cc,
    bcc: options.bcc,
    reply_to: options.replyTo,
    scheduled_at: scheduledAtToWire(options.scheduledAt, issues),
  };
  return checked(body, undefined, issues);
}

export function rawSendBody(to: unknown, content: RawContent, options: SendRawOptions = {}): SendBody {
  const issues: Issue[] = [];
  const body: SendBody = {
    content,
    to,
    interpolate: options.interpolate,
    vars: options.vars,
    metadata: options.metadata,
    scheduled_at: scheduledAtToWire(options.scheduledAt, issues),
  };
  const type = (content as { type?: unknown } | null)?.type;
  const channel = rawContentSchema.options.some((option) => option.shape.type.value === type) ? (type as Channel) : undefined;
  return checked(body, channel, issues);
}

/** One batch item's wire body with its idempotency key; throws ValidationError for bad input. */
export function batchItemBody(item: BatchItem, idempotencyKey: string): BatchItemBody {
  if (typeof item !== "object" || item === null) throw invalidInput([{ path: [], message: "expected an object" }]);
  const body =
    "content" in item && item.content !== undefined
      ? rawSendBody(item.to, item.content, item as RawBatchItem)
      : templateSendBody((item as TemplateBatchItem).template, item.to, item as TemplateBatchItem);
  // `body` is a fresh object (checked() copies the caller's fields): the key is added in place.
  (body as BatchItemBody).idempotency_key = checkIdempotencyKey(idempotencyKey);
  return body as BatchItemBody;
}

/** Section 4: 1-255 printable ASCII characters. */
export function checkIdempotencyKey(key: string): string {
  const problem = typeof key === "string" ? idempotencyKeyProblem(key) : "expected a string";
  if (problem) throw invalidInput([{ path: ["idempotencyKey"], message: problem }]);
  return key;
}

function checked(body: SendBody, channel: Channel | undefined, issues: Issue[]): SendBody {
  // Drop absent optionals so the body on the wire is minimal and stable (idempotency
  // fingerprints compare bodies byte for byte).
  body = withoutUndefined(body) as SendBody;
  const result = checkWire(sendBodySchema, body);
  if (!result.ok) issues.push(...result.issues.map(toCallerIssue));
  issues.push(...recipientIssues(body, channel));
  if (issues.length > 0) throw invalidInput(issues);
  return body;
}

function recipientIssues(body: SendBody, channel: Channel | undefined): Issue[] {
  const issues: Issue[] = [];
  if (channel) {
    const problem = recipientProblem(channel, body.to);
    if (problem) issues.push({ path: ["to"], message: problem.message });
  } else if (body.to !== undefined && body.to !== null) {
    // A template send's channel is the template's, known only to the server; check what the
    // value itself claims to be (an address, a phone number, a token or a subscription).
    const claimed: Channel =
      typeof body.to !== "string" ? "web_push" : body.to.includes("@") ? "email" : body.to.startsWith("+") ? "sms" : "push";
    const problem = recipientProblem(claimed, body.to);
    if (problem) issues.push({ path: ["to"], message: problem.message });
  }
  for (const field of ["cc", "bcc"] as const) {
    body[field]?.forEach((address, index) => {
      if (typeof address === "string" && !isValidEmail(address)) {
        issues.push({ path: [field, index], message: `"${address}" is not a valid email address` });
      }
    });
  }
  if (typeof body.reply_to === "string" && !isValidEmail(body.reply_to)) {
    issues.push({ path: ["replyTo"], message: `"${body.reply_to}" is not a valid email address` });
  }
  return issues;
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

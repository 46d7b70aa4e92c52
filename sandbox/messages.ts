// Messages (section 5): send, batch, list, get, cancel. A send is validated in the order of
// section 10 (all 400 issues first, then the first failing 422 rule, then 402) by `prepareSend`,
// and stored by `commitSend`; the batch runs the same two steps per item.
import { z } from "zod";
import { analyzeContent, lookupPath } from "../src/template/index.ts";
import type { ContentAnalysis } from "../src/template/index.ts";
import {
  CHANNELS,
  MESSAGE_STATUSES,
  LIMITS,
  idempotencyKeyProblem,
  parsePushSubscription,
  parseTimestamp,
  recipientProblem,
} from "../src/internal/rules.ts";
import type { Channel, PushSubscription } from "../src/internal/rules.ts";
import { isPlainObject } from "../src/internal/plain-objects.ts";
import { batchItemSchema, checkWire, sendBodySchema } from "../src/internal/wire.ts";
import { ok } from "./api.ts";
import type { ApiRequest, ApiResult } from "./api.ts";
import { ApiError, invalidParameter, validationFailure } from "./errors.ts";
import type { Issue } from "../src/errors.ts";
import { newMessageId } from "./ids.ts";
import { SEND_PATH, storedBody } from "./idempotency.ts";
import { listJson, pageNewestFirst, parseListQuery } from "./lists.ts";
import { isoTime } from "./clock.ts";
import { currentVersion, messageJson, messageText, nextSeq, suppressionKey } from "./store.ts";
import type { StoredMessage, World } from "./store.ts";

/** A send that passed validation, ready to store. */
interface PreparedSend {
  channel: Channel;
  to: string | PushSubscription;
  template: string | null;
  templateVersion: number | null;
  metadata: Record<string, string>;
  scheduledAt: Date | undefined;
  outcome: StoredMessage["outcome"];
  content: Record<string, unknown>;
  analysis: ContentAnalysis | undefined;
  vars: Record<string, unknown>;
}

// Shared by every send that gives no vars or metadata (a frozen {} per message would be waste).
const EMPTY_VARS: Record<string, unknown> = Object.freeze({}) as Record<string, unknown>;
const EMPTY_METADATA: Record<string, string> = Object.freeze({}) as Record<string, string>;

// ---------------------------------------------------------------------------------------
// POST /v1/messages

export function sendMessage(request: ApiRequest): ApiResult {
  const prepared = prepareSend(request, request.body, sendBodySchema);
  const message = commitSend(request, prepared, request.idempotencyKey ?? null);
  return { status: 202, text: messageText(message), created: message };
}

/**
 * Validates one send (a request body or a batch item) in section 10's order. Throws the
 * first failing step's ApiError. `request` gives the world, the key and the time.
 */
function prepareSend(
  request: ApiRequest,
  input: unknown,
  schema: typeof sendBodySchema | typeof batchItemSchema,
): PreparedSend {
  const { world } = request;
  // --- 400: shape, types, unknown parameters, and a recipient of the wrong JSON type.
  const checked = checkWire(schema, input);
  const raw = isPlainObject(input) ? input : undefined;
  const template = typeof raw?.template === "string" ? world.templates.get(raw.template) : undefined;
  const channel = channelOf(raw, template?.channel);
  const toTypeProblem = raw === undefined ? undefined : recipientTypeProblem(channel, raw.to);
  if (!checked.ok || toTypeProblem !== undefined) {
    const issues: Issue[] = checked.ok ? [] : checked.issues;
    if (toTypeProblem !== undefined && !issues.some((issue) => issue.path.length === 1 && issue.path[0] === "to")) {
      issues.push({ path: ["to"], message: toTypeProblem });
    }
    throw invalidParameter(issues);
  }
  const body = checked.value;

  // --- 422, first failing rule only.
  if (body.template != null && template === undefined) {
    throw validationFailure(
      "unknown_template",
      [{ path: ["template"], message: `no template with the slug "${body.template}"` }],
      "unknown template",
    );
  }
  // The schema guarantees exactly one of template and content, so the channel is known here.
  if (channel === undefined)
    throw invalidParameter([{ path: ["template"], message: "give exactly one of template and content" }]);
  const sendChannel = channel;

  if (sendChannel !== "email") {
    const issues: Issue[] = [];
    for (const field of ["cc", "bcc", "reply_to"] as const) {
      const value = body[field];
      // An empty cc or bcc list asks for nothing, like an absent one (the contract's own example sends "bcc": []).
      if (value != null && !(Array.isArray(value) && value.length === 0))
        issues.push({
          path: [field],
          message: `only the email channel accepts ${field} (this is a ${sendChannel} message)`,
        });
    }
    if (issues.length > 0) throw validationFailure("channel_mismatch", issues, "channel mismatch");
  }

  const recipientIssues = emailListIssues(body.cc, body.bcc, body.reply_to);
  const toProblem = recipientProblem(sendChannel, body.to);
  if (toProblem !== undefined) recipientIssues.unshift({ path: ["to"], message: toProblem.message });
  if (recipientIssues.length > 0) throw validationFailure("invalid_recipient", recipientIssues, "invalid recipient");
  const to: string | PushSubscription =
    sendChannel === "web_push" ? parsePushSubscription(body.to)! : (body.to as string);

  if (isSuppressed(world, sendChannel, to)) {
    throw validationFailure(
      "recipient_suppressed",
      [
        {
          path: ["to"],
          message: "this recipient is on the suppression list (an earlier hard bounce or complaint); do not retry",
        },
      ],
      "recipient suppressed",
    );
  }

  let scheduledAt: Date | undefined;
  if (body.scheduled_at != null) {
    scheduledAt = parseTimestamp(body.scheduled_at)!;
    if (scheduledAt.getTime() <= request.now) {
      throw validationFailure(
        "scheduled_at_in_past",
        [{ path: ["scheduled_at"], message: "must be in the future" }],
        "scheduled_at is in the past",
      );
    }
  }

  const vars = body.vars ?? EMPTY_VARS;
  let content: Record<string, unknown>;
  let analysis: ContentAnalysis | undefined;
  if (template !== undefined) {
    const version = currentVersion(template);
    content = version.content;
    analysis = version.analysis; // parsed once per version
  } else {
    const { type: _type, ...fields } = body.content!;
    content = fields;
    if (body.interpolate === true) {
      analysis = analyzeContent(sendChannel, content);
      if (analysis.errors.length > 0)
        throw validationFailure("template_syntax_error", analysis.errors, "template syntax error");
    }
  }
  if (analysis !== undefined) {
    const missing = missingVariableIssues(analysis.requiredVariables, vars);
    if (missing.length > 0) throw validationFailure("missing_variables", missing, "missing variables");
  }

  // --- 402 comes only after validation passed.
  if (request.key.outOfPlan)
    throw new ApiError("plan_limit_reached", "this account has reached its plan's message limit");

  return {
    channel: sendChannel,
    to,
    template: template?.slug ?? null,
    templateVersion: template === undefined ? null : currentVersion(template).version,
    metadata: body.metadata ?? EMPTY_METADATA,
    scheduledAt,
    outcome: world.mode === "test" ? magicOutcome(sendChannel, to) : "delivered",
    content,
    analysis,
    vars,
  };
}

/** The send's channel, when the input says it: `content.type` or the template's channel. */
function channelOf(
  raw: Record<string, unknown> | undefined,
  templateChannel: Channel | undefined,
): Channel | undefined {
  if (templateChannel !== undefined) return templateChannel;
  const content = raw?.content;
  if (!isPlainObject(content)) return undefined;
  return (CHANNELS as readonly unknown[]).includes(content.type) ? (content.type as Channel) : undefined;
}

/** A `to` of the wrong JSON type (400). Without a known channel, any string or object may still fit one. */
function recipientTypeProblem(channel: Channel | undefined, to: unknown): string | undefined {
  if (to === undefined || to === null) return undefined; // reported by the schema as required
  if (channel !== undefined) {
    const problem = recipientProblem(channel, to);
    return problem?.kind === "type" ? problem.message : undefined;
  }
  if (to === "") return "must not be empty";
  return typeof to === "string" || isPlainObject(to) ? undefined : "expected a string (or a push subscription object)";
}

function emailListIssues(
  cc: string[] | null | undefined,
  bcc: string[] | null | undefined,
  replyTo: string | null | undefined,
): Issue[] {
  const issues: Issue[] = [];
  const check = (value: string, path: (string | number)[]) => {
    const problem = recipientProblem("email", value);
    if (problem !== undefined) issues.push({ path, message: problem.message });
  };
  cc?.forEach((address, index) => check(address, ["cc", index]));
  bcc?.forEach((address, index) => check(address, ["bcc", index]));
  if (replyTo != null) check(replyTo, ["reply_to"]);
  return issues;
}

// Magic recipients of section 9 (test mode only); email matching is case-insensitive.
const SUPPRESSED_EMAIL = "suppressed@senderkit.test";
const FAILING: ReadonlySet<string> = new Set(["+15005550002", "fail@senderkit.test"]);
const BOUNCING: ReadonlySet<string> = new Set(["+15005550003", "bounce@senderkit.test"]);

function isSuppressed(world: World, channel: Channel, to: string | PushSubscription): boolean {
  if (world.suppressed.size > 0 && world.suppressed.has(suppressionKey(channel, to))) return true;
  return world.mode === "test" && channel === "email" && (to as string).toLowerCase() === SUPPRESSED_EMAIL;
}

function magicOutcome(channel: Channel, to: string | PushSubscription): StoredMessage["outcome"] {
  if (channel !== "email" && channel !== "sms") return "delivered";
  const key = channel === "email" ? (to as string).toLowerCase() : (to as string);
  if (FAILING.has(key)) return "failed";
  if (BOUNCING.has(key)) return "bounced";
  return "delivered";
}

function missingVariableIssues(required: readonly string[], vars: Record<string, unknown>): Issue[] {
  const issues: Issue[] = [];
  for (const path of required) {
    // The dotted name is one path element (section 10).
    if (!lookupPath(vars, path).found)
      issues.push({ path: ["vars", path], message: "required by the template but not given" });
  }
  return issues;
}

/** Stores a validated send and starts its lifecycle. */
function commitSend(request: ApiRequest, send: PreparedSend, idempotencyKey: string | null): StoredMessage {
  const { world } = request;
  const at = isoTime(request.now);
  const status = send.scheduledAt === undefined ? "queued" : "scheduled";
  const id = newMessageId(); // 16 random base-62 characters: a repeat is not a practical concern
  const message: StoredMessage = {
    seq: nextSeq(),
    id,
    status,
    channel: send.channel,
    to: send.to,
    template: send.template,
    templateVersion: send.templateVersion,
    metadata: send.metadata,
    scheduledAt: send.scheduledAt === undefined ? null : send.scheduledAt.toISOString(),
    createdAt: at,
    updatedAt: at,
    error: null,
    mode: world.mode,
    world,
    idempotencyKey,
    outcome: send.outcome,
    queuedAt: null,
    sentAt: null,
    endedAt: null,
    content: send.content,
    analysis: send.analysis,
    vars: send.vars,
  };
  world.messages.push(message);
  world.messagesById.set(id, message);
  request.lifecycle.started(message);
  return message;
}

// ---------------------------------------------------------------------------------------
// POST /v1/messages/batch

const batchBodySchema = z.strictObject({
  messages: z.array(z.unknown()).min(1, "must contain at least 1 item"),
});

type BatchItemResult =
  { index: number; ok: true; message: unknown } | { index: number; ok: false; error: Record<string, unknown> };

export function sendBatch(request: ApiRequest): ApiResult {
  const checked = checkWire(batchBodySchema, request.body);
  if (!checked.ok) throw invalidParameter(checked.issues);
  const items = checked.value.messages;
  if (items.length > LIMITS.batchItems) {
    throw validationFailure(
      "batch_too_large",
      [{ path: ["messages"], message: `at most ${LIMITS.batchItems} items, got ${items.length}` }],
      "batch too large",
    );
  }
  const data: BatchItemResult[] = [];
  for (let index = 0; index < items.length; index++) data.push(sendBatchItem(request, items[index], index));
  return ok({ object: "list", data });
}

/** One item: its own validation and idempotency key; its failure stays inside the 200. */
function sendBatchItem(request: ApiRequest, item: unknown, index: number): BatchItemResult {
  const key = isPlainObject(item) && typeof item.idempotency_key === "string" ? item.idempotency_key : undefined;
  try {
    if (key === undefined)
      return success(index, commitSend(request, prepareSend(request, item, batchItemSchema), null));

    const keyProblem = idempotencyKeyProblem(key);
    if (keyProblem !== undefined) throw invalidParameter([{ path: ["idempotency_key"], message: keyProblem }]);
    const { idempotency_key: _key, ...rest } = item as Record<string, unknown>;
    const store = request.key.idempotency;
    const begun = store.begin(key, SEND_PATH, { json: JSON.stringify(rest) }, request.now);
    if (begun.kind === "replay") return replayedItem(index, begun.record.status, storedBody(begun.record));
    // The item is recorded as the `POST /v1/messages` it stands for would have answered.
    try {
      const message = commitSend(request, prepareSend(request, item, batchItemSchema), key);
      const result = success(index, message);
      store.finish(begun.record, 202, message);
      return result;
    } catch (error) {
      if (error instanceof ApiError)
        store.finish(begun.record, error.status, JSON.stringify({ error: error.toJSON(request.requestId) }));
      else store.forget(begun.record);
      throw error;
    }
  } catch (error) {
    if (error instanceof ApiError) return { index, ok: false, error: error.toJSON() };
    console.error("senderkit-sandbox: a batch item failed unexpectedly:", error);
    return { index, ok: false, error: new ApiError("internal_error", "the sandbox failed on this item").toJSON() };
  }
}

function success(index: number, message: StoredMessage): { index: number; ok: true; message: unknown } {
  return { index, ok: true, message: messageJson(message) };
}

/** An earlier answer under the item's key, as an item result: the original, not today's state. */
function replayedItem(index: number, status: number, body: string): BatchItemResult {
  const parsed = JSON.parse(body) as Record<string, unknown>;
  if (status < 300) return { index, ok: true, message: parsed };
  const { request_id: _requestId, ...error } = parsed.error as Record<string, unknown>;
  return { index, ok: false, error };
}

// ---------------------------------------------------------------------------------------
// GET /v1/messages, GET /v1/messages/{id}, POST /v1/messages/{id}/cancel

export function listMessages(request: ApiRequest): ApiResult {
  const query = parseListQuery(request.search, {
    enums: { status: MESSAGE_STATUSES, channel: CHANNELS },
    strings: ["template"],
    metadata: true,
  });
  const status = query.filters.get("status");
  const channel = query.filters.get("channel");
  const template = query.filters.get("template");
  const metadata = [...query.metadata];
  const page = pageNewestFirst(
    request.world.messages,
    (message) => message.seq,
    query,
    (message) =>
      (status === undefined || message.status === status) &&
      (channel === undefined || message.channel === channel) &&
      (template === undefined || message.template === template) &&
      metadata.every(([key, value]) => Object.hasOwn(message.metadata, key) && message.metadata[key] === value),
  );
  return ok(listJson(page, messageJson));
}

export function getMessage(request: ApiRequest): ApiResult {
  parseListQuery(request.search, { paginated: false });
  return ok(messageJson(findMessage(request)));
}

const CANCELLABLE: ReadonlySet<string> = new Set(["scheduled", "queued"]);

/** Cancel takes no parameters. */
const cancelBodySchema = z.strictObject({});

export function cancelMessage(request: ApiRequest): ApiResult {
  const checked = checkWire(cancelBodySchema, request.body);
  if (!checked.ok) throw invalidParameter(checked.issues);
  const message = findMessage(request);
  if (!CANCELLABLE.has(message.status)) {
    throw new ApiError(
      "message_not_cancellable",
      `message ${message.id} is ${message.status}; only scheduled or queued messages can be cancelled`,
    );
  }
  request.lifecycle.cancel(message);
  return ok(messageJson(message));
}

function findMessage(request: ApiRequest): StoredMessage {
  const id = request.params[0]!;
  const message = request.world.messagesById.get(id);
  if (message === undefined) throw new ApiError("message_not_found", `no message with the id "${id}"`);
  return message;
}

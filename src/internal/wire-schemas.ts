// Zod schemas of the bytes on the wire (snake_case, as senderkit-api.md gives them), each behind
// a memoized builder: `messageSchema()` builds the schema on its first call and returns that same
// instance afterwards. Loading this module builds nothing, so a program that sends one message
// pays only for the few schemas it uses. The client imports from here; wire.ts offers the same
// schemas as values for the other floors.
//
// Request schemas check shape only: types, required fields, unknown parameters, empty
// strings and the size limits that the contract answers with `400 invalid_parameter`.
// Value rules that have a 422 code of their own live in rules.ts. Response schemas are
// loose: unknown fields are kept, because the objects will grow.
import { z } from "zod";
import { isPlainObject } from "./plain-objects.ts";
import { CHANNELS, LIMITS, MESSAGE_STATUSES, fitsLength, parseTimestamp } from "./rules.ts";
import type { Channel } from "./rules.ts";

/** `build`, run on the first call; later calls return what it built. */
export function once<T>(build: () => T): () => T {
  let built: T | undefined;
  return () => (built ??= build());
}

// ---------------------------------------------------------------------------------------
// Requests

const requiredString = () => z.string().min(1, "must not be empty");
/** `null` on an optional field means absent (section 10). */
const optional = <T extends z.ZodType>(schema: T) => schema.nullish();
const maxCodePoints = (max: number) =>
  z.string().refine((value) => fitsLength(value, max), `at most ${max} characters`);

export const metadataSchema = once(() =>
  z
    .record(
      z
        .string()
        .refine(
          (key) => fitsLength(key, LIMITS.metadataKeyLength),
          `keys have at most ${LIMITS.metadataKeyLength} characters`,
        ),
      z
        .string({ error: "values must be strings" })
        .refine(
          (value) => fitsLength(value, LIMITS.metadataValueLength),
          `values have at most ${LIMITS.metadataValueLength} characters`,
        ),
    )
    .refine((record) => Object.keys(record).length <= LIMITS.metadataKeys, `at most ${LIMITS.metadataKeys} keys`),
);

export const varsSchema = once(() => z.record(z.string(), z.unknown()));

/** A channel's content fields, without `type` (template content). */
export const contentSchemas = {
  email: once(() =>
    z.strictObject({
      subject: requiredString(),
      html: requiredString(),
      text: optional(z.string()),
    }),
  ),
  sms: once(() =>
    z.strictObject({
      body: requiredString().pipe(maxCodePoints(LIMITS.smsBodyLength)),
    }),
  ),
  push: once(() =>
    z.strictObject({
      title: requiredString(),
      body: requiredString(),
      badge: optional(z.number().int("must be an integer").min(0, "must be 0 or more")),
      data: optional(z.record(z.string(), z.string({ error: "values must be strings" }))),
    }),
  ),
  web_push: once(() =>
    z.strictObject({
      title: requiredString(),
      body: requiredString(),
      click_url: optional(z.string()),
      icon: optional(z.string()),
    }),
  ),
} satisfies Record<Channel, () => z.ZodType>;

export type EmailContent = z.infer<ReturnType<typeof contentSchemas.email>>;
export type SmsContent = z.infer<ReturnType<typeof contentSchemas.sms>>;
export type PushContent = z.infer<ReturnType<typeof contentSchemas.push>>;
export type WebPushContent = z.infer<ReturnType<typeof contentSchemas.web_push>>;

/** Raw-send content: the channel's fields plus `type`. */
export const rawContentSchema = once(() =>
  z.discriminatedUnion(
    "type",
    [
      contentSchemas.email().extend({ type: z.literal("email") }),
      contentSchemas.sms().extend({ type: z.literal("sms") }),
      contentSchemas.push().extend({ type: z.literal("push") }),
      contentSchemas.web_push().extend({ type: z.literal("web_push") }),
    ],
    { error: `"type" must be one of ${CHANNELS.join(", ")}` },
  ),
);
export type RawContent = z.infer<ReturnType<typeof rawContentSchema>>;

const timestampString = () =>
  z.string().refine((value) => parseTimestamp(value) !== undefined, {
    message: "not an ISO-8601 timestamp with a time zone (like 2027-01-01T09:00:00Z)",
  });

/** The fields of `POST /v1/messages` (and of a batch item without its key). */
const sendBodyShape = once(() => ({
  template: optional(requiredString()),
  // Built only when a body has content: a template send never needs the four channels' schemas.
  content: optional(z.lazy(rawContentSchema)),
  to: z.unknown().refine((value) => value !== undefined && value !== null, "required"),
  vars: optional(varsSchema()),
  metadata: optional(metadataSchema()),
  cc: optional(z.array(z.string())),
  bcc: optional(z.array(z.string())),
  reply_to: optional(z.string()),
  scheduled_at: optional(timestampString()),
  interpolate: optional(z.boolean()),
}));
/**
 * Exactly one of `template` and `content`; checked even when other fields have type errors, so a
 * 400 lists every issue (section 10).
 */
function exactlyOneOfTemplateAndContent(body: { template?: unknown; content?: unknown }, ctx: z.RefinementCtx): void {
  if ((body.template != null) === (body.content != null)) {
    ctx.addIssue({ code: "custom", path: ["template"], message: "give exactly one of template and content" });
  }
}
const whenObject = { when: (payload: { value: unknown }) => isPlainObject(payload.value) };

/** The body of `POST /v1/messages`. */
export const sendBodySchema = once(() =>
  z.strictObject(sendBodyShape()).superRefine(exactlyOneOfTemplateAndContent, whenObject),
);
export type SendBody = z.input<ReturnType<typeof sendBodySchema>>;

/**
 * The send body check for a hot path (every item of a batch): the same rules, compiled by zod.
 * Compiling cannot model the `when` that lets the template/content rule speak next to type
 * errors, so this schema runs that rule only on an otherwise valid body: it accepts exactly the
 * bodies sendBodySchema accepts, and a body it refuses is parsed again by sendBodySchema, whose
 * issues are the answer.
 */
const compiledSendBody = once(() =>
  z.compile(z.strictObject(sendBodyShape()).superRefine(exactlyOneOfTemplateAndContent)),
);

/** checkWire(sendBodySchema, body), faster for the valid bodies of a batch. */
export function checkSendBody(body: unknown): CheckResult<z.output<ReturnType<typeof sendBodySchema>>> {
  const fast = compiledSendBody().safeParse(body);
  return fast.success ? { ok: true, value: fast.data } : checkWire(sendBodySchema(), body);
}

/** A batch item is the body of `POST /v1/messages` plus an optional key (section 5). */
export const batchItemSchema = once(() =>
  z
    .strictObject({ ...sendBodyShape(), idempotency_key: optional(z.string()) })
    .superRefine(exactlyOneOfTemplateAndContent, whenObject),
);
export type BatchItemBody = z.input<ReturnType<typeof batchItemSchema>>;

export const createTemplateBodySchema = once(() =>
  z.strictObject({
    slug: z.string(),
    name: requiredString(),
    channel: z.enum(CHANNELS),
    description: optional(z.string()),
    content: z.record(z.string(), z.unknown()),
  }),
);
export const updateTemplateBodySchema = once(() =>
  z.strictObject({
    slug: optional(z.string()),
    channel: optional(z.string()),
    name: optional(requiredString()),
    description: optional(z.string()),
    content: optional(z.record(z.string(), z.unknown())),
  }),
);
export const renderSavedBodySchema = once(() =>
  z.strictObject({
    vars: optional(varsSchema()),
    version: optional(z.number().int().min(1)),
  }),
);
export const renderContentBodySchema = once(() =>
  z.strictObject({
    channel: z.enum(CHANNELS),
    content: z.record(z.string(), z.unknown()),
    vars: optional(varsSchema()),
  }),
);

export const createWebhookEndpointBodySchema = once(() =>
  z.strictObject({
    url: z.unknown(),
    events: z.unknown(),
    description: optional(z.string()),
    enabled: optional(z.boolean()),
  }),
);
export const updateWebhookEndpointBodySchema = once(() =>
  z.strictObject({
    url: z.unknown().optional(),
    events: z.unknown().optional(),
    description: optional(z.string()),
    enabled: optional(z.boolean()),
  }),
);
export const rotateSecretBodySchema = once(() =>
  z.strictObject({
    expire_previous_after_seconds: optional(z.number().int().min(0).max(LIMITS.maxRotationOverlapSeconds)),
  }),
);

// ---------------------------------------------------------------------------------------
// Responses

const timestamp = () => z.string();

export const messageSchema = once(() =>
  z.looseObject({
    object: z.literal("message"),
    id: z.string(),
    status: z.enum(MESSAGE_STATUSES),
    channel: z.enum(CHANNELS),
    to: z.unknown(),
    template: z.string().nullable(),
    template_version: z.number().nullable(),
    metadata: z.record(z.string(), z.string()),
    scheduled_at: timestamp().nullable(),
    created_at: timestamp(),
    updated_at: timestamp(),
    error: z.looseObject({ code: z.string(), message: z.string() }).nullable(),
  }),
);
export type WireMessage = z.infer<ReturnType<typeof messageSchema>>;

export const templateVersionSchema = once(() =>
  z.looseObject({
    version: z.number(),
    content: z.record(z.string(), z.unknown()),
    variables: z.array(z.string()),
    required_variables: z.array(z.string()),
    created_at: timestamp(),
  }),
);
export type WireTemplateVersion = z.infer<ReturnType<typeof templateVersionSchema>>;

export const templateSchema = once(() =>
  z.looseObject({
    object: z.literal("template"),
    slug: z.string(),
    name: z.string(),
    description: z.string(),
    channel: z.enum(CHANNELS),
    current_version: templateVersionSchema(),
    created_at: timestamp(),
    updated_at: timestamp(),
  }),
);
export type WireTemplate = z.infer<ReturnType<typeof templateSchema>>;

export const webhookEndpointSchema = once(() =>
  z.looseObject({
    object: z.literal("webhook_endpoint"),
    id: z.string(),
    url: z.string(),
    events: z.array(z.string()),
    description: z.string(),
    enabled: z.boolean(),
    created_at: timestamp(),
    updated_at: timestamp(),
    secret: z.string().optional(),
  }),
);
export type WireWebhookEndpoint = z.infer<ReturnType<typeof webhookEndpointSchema>>;

export const renderResultSchema = once(() =>
  z.looseObject({
    object: z.literal("render"),
    output: z.record(z.string(), z.unknown()),
    missing: z.array(z.string()),
    unused: z.array(z.string()),
  }),
);
export type WireRenderResult = z.infer<ReturnType<typeof renderResultSchema>>;

export const issueSchema = once(() =>
  z.looseObject({
    path: z.array(z.union([z.string(), z.number()])),
    message: z.string(),
    line: z.number().optional(),
    column: z.number().optional(),
  }),
);
export type WireIssue = z.infer<ReturnType<typeof issueSchema>>;

const errorObjectSchema = once(() =>
  z.looseObject({
    type: z.string(),
    code: z.string(),
    message: z.string(),
    issues: z.array(issueSchema()).optional(),
    request_id: z.string().optional(),
  }),
);
export const errorBodySchema = once(() => z.looseObject({ error: errorObjectSchema() }));
export type WireError = z.infer<ReturnType<typeof errorBodySchema>>["error"];

/** A page of `item`s; a new schema each call, so callers keep theirs behind once(). */
export const listSchema = <T extends z.ZodType>(item: T) =>
  z.looseObject({
    object: z.literal("list"),
    data: z.array(item),
    next_cursor: z.string().nullable().optional(),
  });

/**
 * The answer of `POST /v1/messages/batch`, up to 1000 results: one parse of the whole list,
 * compiled by zod (it parses every answer of a batch), each result told apart by `ok` alone.
 */
export const batchResultSchema = once(() =>
  z.compile(
    z.looseObject({
      object: z.literal("list"),
      data: z.array(
        z.discriminatedUnion("ok", [
          z.looseObject({ index: z.number(), ok: z.literal(true), message: messageSchema() }),
          z.looseObject({ index: z.number(), ok: z.literal(false), error: errorObjectSchema() }),
        ]),
      ),
    }),
  ),
);

export const webhookEventSchema = once(() =>
  z.looseObject({
    id: z.string(),
    type: z.string(),
    created_at: timestamp(),
    payload: z.record(z.string(), z.unknown()),
  }),
);

export type CheckResult<T> =
  { ok: true; value: T } | { ok: false; issues: { path: (string | number)[]; message: string }[] };

/** Checks a value against a wire schema; the issues are in the contract's `issues` form. */
export function checkWire<S extends z.ZodType>(schema: S, value: unknown): CheckResult<z.output<S>> {
  // Parsed without `reportInput` first: asking zod to keep inputs for issues slows every parse,
  // also the ones that succeed, so only a failing value is parsed again to describe what it got.
  const result = schema.safeParse(value);
  if (result.success) return { ok: true, value: result.data };
  const described = schema.safeParse(value, { reportInput: true });
  return { ok: false, issues: toWireIssues(described.success ? result.error : described.error) };
}

/** Zod issues as the contract's `issues`: one per field, unknown keys one per key. */
function toWireIssues(error: z.ZodError): { path: (string | number)[]; message: string }[] {
  const issues: { path: (string | number)[]; message: string }[] = [];
  for (const issue of error.issues) {
    const path = issue.path.filter((part): part is string | number => typeof part !== "symbol");
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) issues.push({ path: [...path, key], message: "unknown parameter" });
    } else if (issue.code === "invalid_type") {
      issues.push({
        path,
        message:
          issue.input === undefined
            ? "required"
            : `expected ${describeExpected(issue.expected)}, got ${describeValue(issue.input)}`,
      });
    } else if (issue.code === "invalid_key") {
      // A record key failing its own check (metadata keys over 40 characters): say why.
      issues.push({ path, message: issue.issues[0]?.message ?? issue.message });
    } else {
      issues.push({ path, message: issue.message });
    }
  }
  return issues;
}

function describeExpected(expected: string): string {
  if (expected === "object" || expected === "array" || expected === "integer") return `an ${expected}`;
  if (expected === "record") return "an object";
  return `a ${expected}`;
}

function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : typeof value;
}

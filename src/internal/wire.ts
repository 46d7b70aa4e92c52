// Zod schemas of the bytes on the wire (snake_case, as senderkit-api.md gives them).
//
// Request schemas check shape only: types, required fields, unknown parameters, empty
// strings and the size limits that the contract answers with `400 invalid_parameter`.
// Value rules that have a 422 code of their own live in rules.ts. Response schemas are
// loose: unknown fields are kept, because the objects will grow.
//
// Every exported schema is a `z.lazy`: it is built on its first parse, not when this module
// loads, because a program that sends one message uses a few of these and should not pay to
// build them all at start-up. The builders below are memoized, so a schema used inside another
// is the same instance as the exported one.
import { z } from "zod";
import { isPlainObject } from "./plain-objects.ts";
import { CHANNELS, EVENT_TYPES, LIMITS, MESSAGE_STATUSES, fitsLength, parseTimestamp } from "./rules.ts";
import type { Channel } from "./rules.ts";

/** `build`, run once on the first call; later calls return the same schema. */
function once<T>(build: () => T): () => T {
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

const metadata = once(() =>
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
export const metadataSchema = z.lazy(metadata);

const vars = once(() => z.record(z.string(), z.unknown()));
export const varsSchema = z.lazy(vars);

/** A channel's content fields, without `type`. */
const content = {
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

/** A channel's content fields, without `type` (template content). */
export const contentSchemas = {
  email: z.lazy(content.email),
  sms: z.lazy(content.sms),
  push: z.lazy(content.push),
  web_push: z.lazy(content.web_push),
} satisfies Record<Channel, z.ZodType>;

export type EmailContent = z.infer<typeof contentSchemas.email>;
export type SmsContent = z.infer<typeof contentSchemas.sms>;
export type PushContent = z.infer<typeof contentSchemas.push>;
export type WebPushContent = z.infer<typeof contentSchemas.web_push>;

/** Raw-send content: the channel's fields plus `type`. */
const rawContent = once(() =>
  z.discriminatedUnion(
    "type",
    [
      content.email().extend({ type: z.literal("email") }),
      content.sms().extend({ type: z.literal("sms") }),
      content.push().extend({ type: z.literal("push") }),
      content.web_push().extend({ type: z.literal("web_push") }),
    ],
    { error: `"type" must be one of ${CHANNELS.join(", ")}` },
  ),
);
export const rawContentSchema = z.lazy(rawContent);
export type RawContent = z.infer<typeof rawContentSchema>;

const timestampString = () =>
  z.string().refine((value) => parseTimestamp(value) !== undefined, {
    message: "not an ISO-8601 timestamp with a time zone (like 2027-01-01T09:00:00Z)",
  });

/** The fields of `POST /v1/messages` (and of a batch item without its key). */
const sendBodyShape = once(() => ({
  template: optional(requiredString()),
  content: optional(rawContent()),
  to: z.unknown().refine((value) => value !== undefined && value !== null, "required"),
  vars: optional(vars()),
  metadata: optional(metadata()),
  cc: optional(z.array(z.string())),
  bcc: optional(z.array(z.string())),
  reply_to: optional(z.string()),
  scheduled_at: optional(timestampString()),
  interpolate: optional(z.boolean()),
}));
/** Exactly one of `template` and `content`; checked even when other fields have type errors, so a 400 lists every issue (section 10). */
function exactlyOneOfTemplateAndContent(body: { template?: unknown; content?: unknown }, ctx: z.RefinementCtx): void {
  if ((body.template != null) === (body.content != null)) {
    ctx.addIssue({ code: "custom", path: ["template"], message: "give exactly one of template and content" });
  }
}
const whenObject = { when: (payload: { value: unknown }) => isPlainObject(payload.value) };

const sendBody = once(() => z.strictObject(sendBodyShape()).superRefine(exactlyOneOfTemplateAndContent, whenObject));
/** The body of `POST /v1/messages`. */
export const sendBodySchema = z.lazy(sendBody);
export type SendBody = z.input<typeof sendBodySchema>;

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
export function checkSendBody(body: unknown): CheckResult<z.output<typeof sendBodySchema>> {
  const fast = compiledSendBody().safeParse(body);
  return fast.success ? { ok: true, value: fast.data } : checkWire(sendBodySchema, body);
}

/** A batch item is the body of `POST /v1/messages` plus an optional key (section 5). */
export const batchItemSchema = z.lazy(() =>
  z
    .strictObject({ ...sendBodyShape(), idempotency_key: optional(z.string()) })
    .superRefine(exactlyOneOfTemplateAndContent, whenObject),
);
export type BatchItemBody = z.input<typeof batchItemSchema>;

export const createTemplateBodySchema = z.lazy(() =>
  z.strictObject({
    slug: z.string(),
    name: requiredString(),
    channel: z.enum(CHANNELS),
    description: optional(z.string()),
    content: z.record(z.string(), z.unknown()),
  }),
);
export const updateTemplateBodySchema = z.lazy(() =>
  z.strictObject({
    slug: optional(z.string()),
    channel: optional(z.string()),
    name: optional(requiredString()),
    description: optional(z.string()),
    content: optional(z.record(z.string(), z.unknown())),
  }),
);
export const renderSavedBodySchema = z.lazy(() =>
  z.strictObject({
    vars: optional(vars()),
    version: optional(z.number().int().min(1)),
  }),
);
export const renderContentBodySchema = z.lazy(() =>
  z.strictObject({
    channel: z.enum(CHANNELS),
    content: z.record(z.string(), z.unknown()),
    vars: optional(vars()),
  }),
);

export const createWebhookEndpointBodySchema = z.lazy(() =>
  z.strictObject({
    url: z.unknown(),
    events: z.unknown(),
    description: optional(z.string()),
    enabled: optional(z.boolean()),
  }),
);
export const updateWebhookEndpointBodySchema = z.lazy(() =>
  z.strictObject({
    url: z.unknown().optional(),
    events: z.unknown().optional(),
    description: optional(z.string()),
    enabled: optional(z.boolean()),
  }),
);
export const rotateSecretBodySchema = z.lazy(() =>
  z.strictObject({
    expire_previous_after_seconds: optional(z.number().int().min(0).max(LIMITS.maxRotationOverlapSeconds)),
  }),
);

// ---------------------------------------------------------------------------------------
// Responses

const timestamp = () => z.string();

const message = once(() =>
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
export const messageSchema = z.lazy(message);
export type WireMessage = z.infer<typeof messageSchema>;

const templateVersion = once(() =>
  z.looseObject({
    version: z.number(),
    content: z.record(z.string(), z.unknown()),
    variables: z.array(z.string()),
    required_variables: z.array(z.string()),
    created_at: timestamp(),
  }),
);
export const templateVersionSchema = z.lazy(templateVersion);
export type WireTemplateVersion = z.infer<typeof templateVersionSchema>;

export const templateSchema = z.lazy(() =>
  z.looseObject({
    object: z.literal("template"),
    slug: z.string(),
    name: z.string(),
    description: z.string(),
    channel: z.enum(CHANNELS),
    current_version: templateVersion(),
    created_at: timestamp(),
    updated_at: timestamp(),
  }),
);
export type WireTemplate = z.infer<typeof templateSchema>;

export const webhookEndpointSchema = z.lazy(() =>
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
export type WireWebhookEndpoint = z.infer<typeof webhookEndpointSchema>;

export const renderResultSchema = z.lazy(() =>
  z.looseObject({
    object: z.literal("render"),
    output: z.record(z.string(), z.unknown()),
    missing: z.array(z.string()),
    unused: z.array(z.string()),
  }),
);
export type WireRenderResult = z.infer<typeof renderResultSchema>;

const issue = once(() =>
  z.looseObject({
    path: z.array(z.union([z.string(), z.number()])),
    message: z.string(),
    line: z.number().optional(),
    column: z.number().optional(),
  }),
);
export const issueSchema = z.lazy(issue);
export type WireIssue = z.infer<typeof issueSchema>;

const errorObject = once(() =>
  z.looseObject({
    type: z.string(),
    code: z.string(),
    message: z.string(),
    issues: z.array(issue()).optional(),
    request_id: z.string().optional(),
  }),
);
export const errorBodySchema = z.lazy(() => z.looseObject({ error: errorObject() }));
export type WireError = z.infer<typeof errorBodySchema>["error"];

export const listSchema = <T extends z.ZodType>(item: T) =>
  z.lazy(() =>
    z.looseObject({
      object: z.literal("list"),
      data: z.array(item),
      next_cursor: z.string().nullable().optional(),
    }),
  );

/**
 * The answer of `POST /v1/messages/batch`, up to 1000 results: one parse of the whole list,
 * compiled by zod (it parses every answer of a batch), each result told apart by `ok` alone.
 */
export const batchResultSchema = z.lazy(() =>
  z.compile(
    z.looseObject({
      object: z.literal("list"),
      data: z.array(
        z.discriminatedUnion("ok", [
          z.looseObject({ index: z.number(), ok: z.literal(true), message: message() }),
          z.looseObject({ index: z.number(), ok: z.literal(false), error: errorObject() }),
        ]),
      ),
    }),
  ),
);

export const webhookEventSchema = z.lazy(() =>
  z.looseObject({
    id: z.string(),
    type: z.string(),
    created_at: timestamp(),
    payload: z.record(z.string(), z.unknown()),
  }),
);

export { EVENT_TYPES };

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

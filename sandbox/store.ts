// In-memory state. A "world" is what one account sees in one mode (section 1: test and live
// data are separate worlds): its messages, templates, webhook endpoints and suppression list.
// Records keep sandbox-only facts (idempotency key, when each status was reached) beside the wire fields;
// `messageJson` and friends give the wire objects, each written in one place.
import type { ContentAnalysis } from "../src/template/index.ts";
import type { Channel, MessageStatus, PushSubscription } from "../src/internal/rules.ts";

export type Mode = "test" | "live";

export interface MessageError {
  code: string;
  message: string;
}

export interface StoredMessage {
  /** Creation order across the sandbox; list cursors are built from it. */
  seq: number;
  id: string;
  status: MessageStatus;
  channel: Channel;
  to: string | PushSubscription;
  template: string | null;
  templateVersion: number | null;
  metadata: Record<string, string>;
  scheduledAt: string | null;
  createdAt: string;
  updatedAt: string;
  error: MessageError | null;
  // Sandbox-only facts, for the inspection API.
  mode: Mode;
  world: World;
  idempotencyKey: string | null;
  /** Where the test-mode lifecycle ends (magic recipients, section 9). */
  outcome: "delivered" | "failed" | "bounced";
  // When it reached each later status (the path is fixed: [scheduled →] queued → sent → final,
  // or cancelled from scheduled or queued), so no per-message history list is needed.
  /** When a scheduled message came due and was queued. */
  queuedAt: string | null;
  sentAt: string | null;
  /** When it reached its final status (delivered, failed, bounced or cancelled: `status`). */
  endedAt: string | null;
  /** What would be sent, rendered lazily on inspection. */
  content: Record<string, unknown>;
  analysis: ContentAnalysis | undefined;
  vars: Record<string, unknown>;
}

export interface TemplateVersion {
  version: number;
  /** Every field of the channel's content table, absent ones as null. */
  content: Record<string, unknown>;
  /** Parsed once when the version is made; sends and renders reuse it. */
  analysis: ContentAnalysis;
  createdAt: string;
}

export interface StoredTemplate {
  seq: number;
  slug: string;
  name: string;
  description: string;
  channel: Channel;
  /** Oldest first; the last one is the current version. */
  versions: TemplateVersion[];
  createdAt: string;
  updatedAt: string;
}

export interface WebhookSecret {
  value: string;
  /** Unix milliseconds; null while it is the newest secret. */
  expiresAt: number | null;
}

export interface StoredWebhookEndpoint {
  seq: number;
  id: string;
  url: string;
  events: string[];
  description: string;
  enabled: boolean;
  createdAt: string;
  updatedAt: string;
  /** Newest first. */
  secrets: WebhookSecret[];
}

let lastSeq = 0;
/** A sandbox-wide increasing number: newest-first lists and cursors order by it. */
export function nextSeq(): number {
  return ++lastSeq;
}

export class World {
  readonly mode: Mode;
  /** In creation order (ascending `seq`). */
  readonly messages: StoredMessage[] = [];
  readonly messagesById = new Map<string, StoredMessage>();
  readonly templates = new Map<string, StoredTemplate>();
  readonly webhookEndpoints = new Map<string, StoredWebhookEndpoint>();
  /** Suppressed recipients, by `suppressionKey`. */
  readonly suppressed = new Set<string>();

  constructor(mode: Mode) {
    this.mode = mode;
  }
}

/** Email matching is case-insensitive (section 10); other recipients match exactly. */
export function suppressionKey(channel: Channel, to: string | PushSubscription): string {
  if (typeof to !== "string") return `${channel}:${to.endpoint}`;
  return channel === "email" ? `email:${to.toLowerCase()}` : `${channel}:${to}`;
}

/** The message as the API gives it now: the one place its wire shape is written. */
export function messageJson(message: StoredMessage): Record<string, unknown> {
  return wireMessage(message, message.status, message.updatedAt, message.error);
}

/** The JSON text of `messageJson(message)`. */
export function messageText(message: StoredMessage): string {
  return JSON.stringify(messageJson(message));
}

/** The status a message was created with. */
function initialStatus(message: StoredMessage): MessageStatus {
  return message.scheduledAt === null ? "queued" : "scheduled";
}

/** Every status the message went through, with when, oldest first. */
export function messageHistory(message: StoredMessage): { status: MessageStatus; at: string }[] {
  const history = [{ status: initialStatus(message), at: message.createdAt }];
  if (message.queuedAt !== null) history.push({ status: "queued", at: message.queuedAt });
  if (message.sentAt !== null) history.push({ status: "sent", at: message.sentAt });
  if (message.endedAt !== null) history.push({ status: message.status, at: message.endedAt });
  return history;
}

/**
 * The message as the send that created it answered (first status, no update, no error), byte
 * for byte: an idempotent replay writes it again from the message rather than keeping a copy.
 */
export function messageTextAsCreated(message: StoredMessage): string {
  return JSON.stringify(wireMessage(message, initialStatus(message), message.createdAt, null));
}

function wireMessage(
  message: StoredMessage,
  status: MessageStatus,
  updatedAt: string,
  error: MessageError | null,
): Record<string, unknown> {
  return {
    object: "message",
    id: message.id,
    status,
    channel: message.channel,
    to: message.to,
    template: message.template,
    template_version: message.templateVersion,
    metadata: message.metadata,
    scheduled_at: message.scheduledAt,
    created_at: message.createdAt,
    updated_at: updatedAt,
    error,
  };
}

export function templateVersionJson(version: TemplateVersion): Record<string, unknown> {
  return {
    version: version.version,
    content: version.content,
    variables: version.analysis.variables,
    required_variables: version.analysis.requiredVariables,
    created_at: version.createdAt,
  };
}

export function currentVersion(template: StoredTemplate): TemplateVersion {
  return template.versions[template.versions.length - 1]!;
}

export function templateJson(template: StoredTemplate): Record<string, unknown> {
  return {
    object: "template",
    slug: template.slug,
    name: template.name,
    description: template.description,
    channel: template.channel,
    current_version: templateVersionJson(currentVersion(template)),
    created_at: template.createdAt,
    updated_at: template.updatedAt,
  };
}

/** The secret is never part of the object; create and rotate add it to their answer only. */
export function webhookEndpointJson(endpoint: StoredWebhookEndpoint): Record<string, unknown> {
  return {
    object: "webhook_endpoint",
    id: endpoint.id,
    url: endpoint.url,
    events: endpoint.events,
    description: endpoint.description,
    enabled: endpoint.enabled,
    created_at: endpoint.createdAt,
    updated_at: endpoint.updatedAt,
  };
}

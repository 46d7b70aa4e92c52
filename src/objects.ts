// The objects the client returns: the contract's objects in camelCase, each keeping the
// full API response in `raw` so fields not surfaced here are still reachable.
import type { Channel, MessageStatus } from "./internal/rules.ts";
import type {
  WireMessage,
  WireRenderResult,
  WireTemplate,
  WireTemplateVersion,
  WireWebhookEndpoint,
} from "./internal/wire.ts";

export interface Message {
  id: string;
  status: MessageStatus;
  channel: Channel;
  /** A string, or a web push subscription object. */
  to: unknown;
  template: string | null;
  templateVersion: number | null;
  metadata: Record<string, string>;
  scheduledAt: string | null;
  createdAt: string;
  updatedAt: string;
  error: { code: string; message: string } | null;
  raw: WireMessage;
}

export interface TemplateVersion {
  version: number;
  /** The channel's fields, named as in the contract (e.g. `click_url`). */
  content: Record<string, unknown>;
  variables: string[];
  requiredVariables: string[];
  createdAt: string;
  raw: WireTemplateVersion;
}

export interface Template {
  slug: string;
  name: string;
  description: string;
  channel: Channel;
  currentVersion: TemplateVersion;
  createdAt: string;
  updatedAt: string;
  raw: WireTemplate;
}

export interface WebhookEndpoint {
  id: string;
  url: string;
  events: string[];
  description: string;
  enabled: boolean;
  createdAt: string;
  updatedAt: string;
  /** The `whsec_…` signing secret: only on the results of create and rotateSecret. */
  secret?: string;
  raw: WireWebhookEndpoint;
}

export interface RenderResult {
  output: Record<string, unknown>;
  missing: string[];
  unused: string[];
  raw: WireRenderResult;
}

export interface Page<T> {
  data: T[];
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

export function toMessage(raw: WireMessage): Message {
  return {
    id: raw.id,
    status: raw.status,
    channel: raw.channel,
    to: raw.to,
    template: raw.template,
    templateVersion: raw.template_version,
    metadata: raw.metadata,
    scheduledAt: raw.scheduled_at,
    createdAt: raw.created_at,
    updatedAt: raw.updated_at,
    error: raw.error ? { code: raw.error.code, message: raw.error.message } : null,
    raw,
  };
}

export function toTemplateVersion(raw: WireTemplateVersion): TemplateVersion {
  return {
    version: raw.version,
    content: raw.content,
    variables: raw.variables,
    requiredVariables: raw.required_variables,
    createdAt: raw.created_at,
    raw,
  };
}

export function toTemplate(raw: WireTemplate): Template {
  return {
    slug: raw.slug,
    name: raw.name,
    description: raw.description,
    channel: raw.channel,
    currentVersion: toTemplateVersion(raw.current_version),
    createdAt: raw.created_at,
    updatedAt: raw.updated_at,
    raw,
  };
}

export function toWebhookEndpoint(raw: WireWebhookEndpoint): WebhookEndpoint {
  const endpoint: WebhookEndpoint = {
    id: raw.id,
    url: raw.url,
    events: raw.events,
    description: raw.description,
    enabled: raw.enabled,
    createdAt: raw.created_at,
    updatedAt: raw.updated_at,
    raw,
  };
  if (raw.secret !== undefined) endpoint.secret = raw.secret;
  return endpoint;
}

export function toRenderResult(raw: WireRenderResult): RenderResult {
  return { output: raw.output, missing: raw.missing, unused: raw.unused, raw };
}

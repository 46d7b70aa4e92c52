// The public face of the `senderkit` package: what is exported here may be imported; everything
// under src/internal/ may not (see its README).
// First, before any import that loads undici: refuse a Node.js that is too old, in one line.
import "./internal/require-node.ts";
export { SenderKit, DEFAULT_BASE_URL } from "./client.ts";
export type { SenderKitOptions } from "./client.ts";
export * as errors from "./errors.ts";
export {
  SenderKitError,
  APIError,
  AuthenticationError,
  ValidationError,
  PaymentRequiredError,
  NotFoundError,
  ConflictError,
  RateLimitError,
  InternalServerError,
  TimeoutError,
  NetworkError,
  SignatureVerificationError,
} from "./errors.ts";
export type { Issue, SignatureFailureReason } from "./errors.ts";
export { WebhookVerifier, signWebhook, SIGNATURE_HEADER } from "./webhooks.ts";
export type { WebhookEvent, WebhookVerifierOptions, RawBody, SignatureHeader } from "./webhooks.ts";
export type { Message, Template, TemplateVersion, WebhookEndpoint, RenderResult, Page } from "./objects.ts";
export type {
  SendOptions,
  SendRawOptions,
  BatchItem,
  TemplateBatchItem,
  RawBatchItem,
  RawContent,
  BatchResult,
  BatchProgress,
  SendBatchOptions,
  MessageListParams,
} from "./resources/messages.ts";
export type { TemplateListParams, TemplateCreateParams, TemplateUpdateParams } from "./resources/templates.ts";
export type {
  WebhookEndpointCreateParams,
  WebhookEndpointUpdateParams,
  RotateSecretParams,
} from "./resources/webhook-endpoints.ts";
export type { ListParams } from "./internal/pagination.ts";
export type { Channel, MessageStatus, EventType } from "./internal/rules.ts";
export { CHANNELS, EVENT_TYPES, MESSAGE_STATUSES } from "./internal/rules.ts";
export type { EmailContent, SmsContent, PushContent, WebPushContent } from "./internal/wire.ts";
export type { TemplateDefinition } from "./internal/template-definition.ts";
export * as template from "./template/index.ts";
export * as templateFiles from "./template-files/index.ts";

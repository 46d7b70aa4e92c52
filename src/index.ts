// The public API of the `senderkit` package.
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
export type { WebhookEvent, WebhookVerifierOptions, RawBody } from "./webhooks.ts";
export type { Message, Template, TemplateVersion, WebhookEndpoint, RenderResult, Page } from "./objects.ts";
export type { SendOptions, SendRawOptions, BatchItem, TemplateBatchItem, RawBatchItem, RawContent } from "./params.ts";
export type { BatchResult, BatchProgress, SendBatchOptions } from "./batch.ts";
export type { MessageListParams } from "./resources/messages.ts";
export type { TemplateListParams, TemplateCreateParams, TemplateUpdateParams } from "./resources/templates.ts";
export type { WebhookEndpointCreateParams, WebhookEndpointUpdateParams, RotateSecretParams } from "./resources/webhook-endpoints.ts";
export type { ListParams } from "./pagination.ts";
export type { Channel, MessageStatus, EventType } from "./rules.ts";
export { CHANNELS, EVENT_TYPES, MESSAGE_STATUSES } from "./rules.ts";
export type { EmailContent, SmsContent, PushContent, WebPushContent } from "./wire.ts";
export { templateDefinitionIssues } from "./template-input.ts";
export { webhookEndpointIssues } from "./resources/webhook-endpoints.ts";
export type { TemplateDefinition } from "./template-input.ts";
export * as template from "./template/index.ts";
export * as templateFiles from "./template-files/index.ts";

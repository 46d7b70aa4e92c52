// The wire schemas as values, for the floors that import them by name (sandbox/, and the core's
// template and webhook modules): each is a `z.lazy` over its builder in wire-schemas.ts, so it
// is built on its first parse and is the very instance the client uses. The client itself
// imports wire-schemas.ts, which builds nothing on load.
import { z } from "zod";
import * as schemas from "./wire-schemas.ts";

export { EVENT_TYPES } from "./rules.ts";
export { checkWire } from "./wire-schemas.ts";
export type {
  BatchItemBody,
  CheckResult,
  EmailContent,
  PushContent,
  RawContent,
  SendBody,
  SmsContent,
  WebPushContent,
  WireError,
  WireIssue,
  WireMessage,
  WireRenderResult,
  WireTemplate,
  WireTemplateVersion,
  WireWebhookEndpoint,
} from "./wire-schemas.ts";

export const metadataSchema = z.lazy(schemas.metadataSchema);
export const varsSchema = z.lazy(schemas.varsSchema);
/** A channel's content fields, without `type` (template content). */
export const contentSchemas = {
  email: z.lazy(schemas.contentSchemas.email),
  sms: z.lazy(schemas.contentSchemas.sms),
  push: z.lazy(schemas.contentSchemas.push),
  web_push: z.lazy(schemas.contentSchemas.web_push),
};
export const rawContentSchema = z.lazy(schemas.rawContentSchema);
export const sendBodySchema = z.lazy(schemas.sendBodySchema);
export const batchItemSchema = z.lazy(schemas.batchItemSchema);
export const createTemplateBodySchema = z.lazy(schemas.createTemplateBodySchema);
export const updateTemplateBodySchema = z.lazy(schemas.updateTemplateBodySchema);
export const renderSavedBodySchema = z.lazy(schemas.renderSavedBodySchema);
export const renderContentBodySchema = z.lazy(schemas.renderContentBodySchema);
export const createWebhookEndpointBodySchema = z.lazy(schemas.createWebhookEndpointBodySchema);
export const updateWebhookEndpointBodySchema = z.lazy(schemas.updateWebhookEndpointBodySchema);
export const rotateSecretBodySchema = z.lazy(schemas.rotateSecretBodySchema);

export const messageSchema = z.lazy(schemas.messageSchema);
export const templateVersionSchema = z.lazy(schemas.templateVersionSchema);
export const templateSchema = z.lazy(schemas.templateSchema);
export const webhookEndpointSchema = z.lazy(schemas.webhookEndpointSchema);
export const renderResultSchema = z.lazy(schemas.renderResultSchema);
export const issueSchema = z.lazy(schemas.issueSchema);
export const errorBodySchema = z.lazy(schemas.errorBodySchema);
export const listSchema = <T extends z.ZodType>(item: T) => z.lazy(() => schemas.listSchema(item));
export const batchResultSchema = z.lazy(schemas.batchResultSchema);
export const webhookEventSchema = z.lazy(schemas.webhookEventSchema);

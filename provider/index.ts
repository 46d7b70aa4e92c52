// `senderkit/pulumi`: SenderKit templates and webhook endpoints as Pulumi resources.
export { Template } from "./template.ts";
export type {
  TemplateArgs,
  TemplateInputs,
  TemplateOutputs,
  TemplateContentArgs,
  EmailTemplateContent,
  SmsTemplateContent,
  PushTemplateContent,
  WebPushTemplateContent,
} from "./template.ts";
export { WebhookEndpoint, DEFAULT_EXPIRE_PREVIOUS_AFTER_SECONDS } from "./webhook-endpoint.ts";
export type { WebhookEndpointArgs, WebhookEndpointInputs, WebhookEndpointOutputs } from "./webhook-endpoint.ts";
export { CONFIG_KEYS, DEFAULT_MAX_RETRIES } from "./config.ts";

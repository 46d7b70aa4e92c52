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
export { TemplateFiles, TEMPLATE_FILES_TYPE } from "./template-files.ts";
export type { TemplateFilesArgs, FailOn } from "./template-files.ts";
export { WebhookEndpoint, DEFAULT_EXPIRE_PREVIOUS_AFTER_SECONDS } from "./webhook-endpoint.ts";
export type { WebhookEndpointArgs, WebhookEndpointInputs, WebhookEndpointOutputs } from "./webhook-endpoint.ts";
export { CONFIG_KEYS, DEFAULT_RETRY_BUDGET_SECONDS, MAX_CALLS_IN_FLIGHT } from "./config.ts";
export { RetryBudgetExhaustedError } from "./rate-limiter.ts";

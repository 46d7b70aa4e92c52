import { invalidInput } from "../errors.ts";
import type { Issue } from "../errors.ts";
import type { HttpClient } from "../internal/http.ts";
import { toWebhookEndpoint } from "../objects.ts";
import type { Page, WebhookEndpoint } from "../objects.ts";
import { iteratePages, listQuery } from "../internal/pagination.ts";
import type { ListParams } from "../internal/pagination.ts";
import { withoutUndefined } from "../internal/send-params.ts";
import { eventsProblem, rotationOverlapProblem, webhookUrlProblem } from "../internal/rules.ts";
import type { EventType } from "../internal/rules.ts";
import { listSchema, once, webhookEndpointSchema } from "../internal/wire-schemas.ts";
import { segment } from "../internal/segment.ts";

export interface WebhookEndpointCreateParams {
  url: string;
  /** Event types, or ["*"] for all. */
  events: (EventType | "*")[];
  description?: string | undefined;
  enabled?: boolean | undefined;
}

export type WebhookEndpointUpdateParams = Partial<WebhookEndpointCreateParams>;

export interface RotateSecretParams {
  /** How long the previous secret stays valid: 0 to 604800 seconds, default 86400. */
  expirePreviousAfterSeconds?: number | undefined;
}

const endpointListSchema = once(() => listSchema(webhookEndpointSchema()));

export class WebhookEndpoints {
  readonly #http: HttpClient;
  readonly #mode: "test" | "live" | undefined;

  constructor(http: HttpClient, mode: "test" | "live" | undefined) {
    this.#http = http;
    this.#mode = mode;
  }

  async list(params: ListParams = {}): Promise<Page<WebhookEndpoint>> {
    const { data } = await this.#http.request({
      method: "GET",
      path: "/v1/webhook_endpoints",
      query: listQuery({ ...params }),
      schema: endpointListSchema(),
    });
    return { data: data.data.map(toWebhookEndpoint), nextCursor: data.next_cursor ?? null };
  }

  iter(params: ListParams = {}): AsyncGenerator<WebhookEndpoint, void, undefined> {
    return iteratePages(params, (page) => this.list(page));
  }

  async get(id: string): Promise<WebhookEndpoint> {
    const { data } = await this.#http.request({
      method: "GET",
      path: `/v1/webhook_endpoints/${segment(id, "id")}`,
      schema: webhookEndpointSchema(),
    });
    return toWebhookEndpoint(data);
  }

  /** The result carries `secret`, which can never be read again: store it now. */
  async create(
    params: WebhookEndpointCreateParams,
    options: { idempotencyKey?: string } = {},
  ): Promise<WebhookEndpoint> {
    this.#check(params, false);
    const { data } = await this.#http.request({
      method: "POST",
      path: "/v1/webhook_endpoints",
      body: withoutUndefined({ ...params }),
      idempotencyKey: options.idempotencyKey,
      schema: webhookEndpointSchema(),
    });
    return toWebhookEndpoint(data);
  }

  async update(id: string, params: WebhookEndpointUpdateParams): Promise<WebhookEndpoint> {
    this.#check(params, true);
    const { data } = await this.#http.request({
      method: "PATCH",
      path: `/v1/webhook_endpoints/${segment(id, "id")}`,
      body: withoutUndefined({ ...params }),
      schema: webhookEndpointSchema(),
    });
    return toWebhookEndpoint(data);
  }

  async delete(id: string): Promise<void> {
    await this.#http.request({ method: "DELETE", path: `/v1/webhook_endpoints/${segment(id, "id")}` });
  }

  /** A new secret; the previous one keeps signing deliveries until it expires. */
  async rotateSecret(
    id: string,
    params: RotateSecretParams = {},
    options: { idempotencyKey?: string } = {},
  ): Promise<WebhookEndpoint> {
    const seconds = params.expirePreviousAfterSeconds;
    const problem = seconds === undefined ? undefined : rotationOverlapProblem(seconds);
    if (problem) throw invalidInput([{ path: ["expirePreviousAfterSeconds"], message: problem }]);
    const { data } = await this.#http.request({
      method: "POST",
      path: `/v1/webhook_endpoints/${segment(id, "id")}/rotate_secret`,
      body: withoutUndefined({ expire_previous_after_seconds: seconds }),
      idempotencyKey: options.idempotencyKey,
      schema: webhookEndpointSchema(),
    });
    return toWebhookEndpoint(data);
  }

  #check(params: WebhookEndpointUpdateParams, partial: boolean): void {
    const issues = webhookEndpointIssues(params, this.#mode ?? "live", { partial });
    if (issues.length > 0) throw invalidInput(issues);
  }
}

/**
 * Every problem with a webhook endpoint's fields, as the API will judge them in `mode`;
 * `partial` for updates, where fields may be absent. The Pulumi provider's `check` uses it too.
 */
export function webhookEndpointIssues(
  params: { url?: unknown; events?: unknown; description?: unknown; enabled?: unknown },
  mode: "test" | "live",
  options: { partial?: boolean } = {},
): Issue[] {
  const issues: Issue[] = [];
  if (params.url !== undefined || !options.partial) {
    const problem = typeof params.url === "string" ? webhookUrlProblem(params.url, mode) : "expected a string";
    if (problem) issues.push({ path: ["url"], message: problem });
  }
  if (params.events !== undefined || !options.partial) {
    const problem = eventsProblem(params.events);
    if (problem) issues.push({ path: ["events"], message: problem });
  }
  if (params.description !== undefined && typeof params.description !== "string") {
    issues.push({ path: ["description"], message: "expected a string" });
  }
  if (params.enabled !== undefined && typeof params.enabled !== "boolean") {
    issues.push({ path: ["enabled"], message: "expected a boolean" });
  }
  return issues;
}

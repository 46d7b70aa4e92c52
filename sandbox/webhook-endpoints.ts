// Webhook endpoints (sections 8 and 10): CRUD and secret rotation. The secret appears only in
// the answers of create and rotate. `url` and `events` that are present but invalid, of any JSON
// type, are 422 (`invalid_url`, `invalid_events`); a missing one is 400.
import { LIMITS, eventsProblem, webhookUrlProblem } from "../src/internal/rules.ts";
import {
  checkWire,
  createWebhookEndpointBodySchema,
  rotateSecretBodySchema,
  updateWebhookEndpointBodySchema,
} from "../src/internal/wire.ts";
import { created, noContent, ok } from "./api.ts";
import type { ApiRequest, ApiResult } from "./api.ts";
import { ApiError, invalidParameter, validationFailure } from "./errors.ts";
import type { Issue } from "../src/errors.ts";
import { newWebhookEndpointId, newWebhookSecret } from "./ids.ts";
import { isoTime } from "./clock.ts";
import { listJson, pageNewestFirst, parseListQuery } from "./lists.ts";
import { nextSeq, webhookEndpointJson } from "./store.ts";
import type { Mode, StoredWebhookEndpoint } from "./store.ts";

const DEFAULT_ROTATION_OVERLAP_SECONDS = 86_400;

export function createWebhookEndpoint(request: ApiRequest): ApiResult {
  const input = request.body!;
  const checked = checkWire(createWebhookEndpointBodySchema, input);
  const issues: Issue[] = checked.ok ? [] : [...checked.issues];
  // The schema reports an absent url or events as required; null is absent too (section 10).
  for (const field of ["url", "events"] as const) {
    if (input[field] == null && !issues.some((issue) => issue.path.length === 1 && issue.path[0] === field)) {
      issues.push({ path: [field], message: "required" });
    }
  }
  if (!checked.ok || issues.length > 0) throw invalidParameter(issues);

  const url = checkUrl(input.url, request.world.mode);
  const events = checkEvents(input.events);
  const at = isoTime(request.now);
  let id = newWebhookEndpointId();
  while (request.world.webhookEndpoints.has(id)) id = newWebhookEndpointId();
  const secret = newWebhookSecret();
  const endpoint: StoredWebhookEndpoint = {
    seq: nextSeq(),
    id,
    url,
    events,
    description: checked.value.description ?? "",
    enabled: checked.value.enabled ?? true,
    createdAt: at,
    updatedAt: at,
    secrets: [{ value: secret, expiresAt: null }],
  };
  request.world.webhookEndpoints.set(id, endpoint);
  return created({ ...webhookEndpointJson(endpoint), secret });
}

function checkUrl(url: unknown, mode: Mode): string {
  const problem = typeof url === "string" ? webhookUrlProblem(url, mode) : "expected a URL string";
  if (problem !== undefined)
    throw validationFailure("invalid_url", [{ path: ["url"], message: problem }], "invalid url");
  return url as string;
}

function checkEvents(events: unknown): string[] {
  const problem = eventsProblem(events);
  if (problem !== undefined)
    throw validationFailure("invalid_events", [{ path: ["events"], message: problem }], "invalid events");
  return [...(events as string[])];
}

export function listWebhookEndpoints(request: ApiRequest): ApiResult {
  const query = parseListQuery(request.search, {});
  const endpoints = [...request.world.webhookEndpoints.values()]; // insertion order is creation order
  return ok(
    listJson(
      pageNewestFirst(endpoints, (endpoint) => endpoint.seq, query),
      webhookEndpointJson,
    ),
  );
}

export function getWebhookEndpoint(request: ApiRequest): ApiResult {
  parseListQuery(request.search, { paginated: false });
  return ok(webhookEndpointJson(findEndpoint(request)));
}

export function updateWebhookEndpoint(request: ApiRequest): ApiResult {
  const endpoint = findEndpoint(request);
  const checked = checkWire(updateWebhookEndpointBodySchema, request.body);
  if (!checked.ok) throw invalidParameter(checked.issues);
  const changes = checked.value;
  // null on an optional field means absent (section 10).
  const url = changes.url == null ? undefined : checkUrl(changes.url, request.world.mode);
  const events = changes.events == null ? undefined : checkEvents(changes.events);

  let changed = false;
  if (url !== undefined && url !== endpoint.url) {
    endpoint.url = url;
    changed = true;
  }
  if (events !== undefined && JSON.stringify(events) !== JSON.stringify(endpoint.events)) {
    endpoint.events = events;
    changed = true;
  }
  if (changes.description != null && changes.description !== endpoint.description) {
    endpoint.description = changes.description;
    changed = true;
  }
  if (changes.enabled != null && changes.enabled !== endpoint.enabled) {
    endpoint.enabled = changes.enabled;
    changed = true;
  }
  if (changed) endpoint.updatedAt = isoTime(request.now);
  return ok(webhookEndpointJson(endpoint));
}

export function deleteWebhookEndpoint(request: ApiRequest): ApiResult {
  const endpoint = findEndpoint(request);
  request.world.webhookEndpoints.delete(endpoint.id);
  return noContent;
}

/**
 * A new secret; every older unexpired one lives on for `expire_previous_after_seconds` at most
 * (a later rotation may shorten an old secret's life, never extend it; 0 expires it at once).
 */
export function rotateWebhookSecret(request: ApiRequest): ApiResult {
  const endpoint = findEndpoint(request);
  const checked = checkWire(rotateSecretBodySchema, request.body);
  if (!checked.ok) throw invalidParameter(checked.issues);
  const overlapSeconds = checked.value.expire_previous_after_seconds ?? DEFAULT_ROTATION_OVERLAP_SECONDS;
  const expiresAt = request.now + Math.min(overlapSeconds, LIMITS.maxRotationOverlapSeconds) * 1000;
  const previous = endpoint.secrets
    .map((secret) => ({ value: secret.value, expiresAt: Math.min(secret.expiresAt ?? Infinity, expiresAt) }))
    .filter((secret) => secret.expiresAt > request.now);
  const secret = newWebhookSecret();
  endpoint.secrets = [{ value: secret, expiresAt: null }, ...previous];
  endpoint.updatedAt = isoTime(request.now);
  return ok({ ...webhookEndpointJson(endpoint), secret });
}

function findEndpoint(request: ApiRequest): StoredWebhookEndpoint {
  const id = request.params[0]!;
  const endpoint = request.world.webhookEndpoints.get(id);
  if (endpoint === undefined)
    throw new ApiError("webhook_endpoint_not_found", `no webhook endpoint with the id "${id}"`);
  return endpoint;
}

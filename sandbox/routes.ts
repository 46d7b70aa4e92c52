// The routing table: method and path → handler. Anything else is `404 route_not_found`, which the
// server answers after authentication (section 10).
import type { Handler } from "./api.ts";
import { cancelMessage, getMessage, listMessages, sendBatch, sendMessage } from "./messages.ts";
import {
  createTemplate,
  deleteTemplate,
  getTemplate,
  listTemplateVersions,
  listTemplates,
  renderSavedTemplate,
  renderUnsavedContent,
  updateTemplate,
} from "./templates.ts";
import {
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  getWebhookEndpoint,
  listWebhookEndpoints,
  rotateWebhookSecret,
  updateWebhookEndpoint,
} from "./webhook-endpoints.ts";

type Method = "GET" | "POST" | "PATCH" | "DELETE";
type Methods = Partial<Record<Method, Handler>>;

export interface RouteMatch {
  handler: Handler;
  params: string[];
}

// `/v1/<collection>`, `/v1/<collection>/{id}` and `/v1/<collection>/{id}/<action>`.
interface Collection {
  root: Methods;
  /** Fixed second segments that are routes of their own for these methods (e.g. POST /v1/messages/batch). */
  fixed: Record<string, Methods>;
  item: Methods;
  actions: Record<string, Methods>;
}

const COLLECTIONS: Record<string, Collection> = {
  messages: {
    root: { GET: listMessages, POST: sendMessage },
    fixed: { batch: { POST: sendBatch } },
    item: { GET: getMessage },
    actions: { cancel: { POST: cancelMessage } },
  },
  templates: {
    root: { GET: listTemplates, POST: createTemplate },
    // Only POST /v1/templates/render is unsaved render; GET, PATCH and DELETE reach the slug "render".
    fixed: { render: { POST: renderUnsavedContent } },
    item: { GET: getTemplate, PATCH: updateTemplate, DELETE: deleteTemplate },
    actions: { versions: { GET: listTemplateVersions }, render: { POST: renderSavedTemplate } },
  },
  webhook_endpoints: {
    root: { GET: listWebhookEndpoints, POST: createWebhookEndpoint },
    fixed: {},
    item: { GET: getWebhookEndpoint, PATCH: updateWebhookEndpoint, DELETE: deleteWebhookEndpoint },
    actions: { rotate_secret: { POST: rotateWebhookSecret } },
  },
};

const NO_PARAMS: string[] = [];

export function matchRoute(method: string, path: string): RouteMatch | undefined {
  if (method === "POST" && path === "/v1/messages") return { handler: sendMessage, params: NO_PARAMS }; // the hot path
  if (!path.startsWith("/v1/")) return undefined;
  const segments = path.slice(4).split("/");
  const collection = Object.hasOwn(COLLECTIONS, segments[0]!) ? COLLECTIONS[segments[0]!] : undefined;
  if (collection === undefined || segments.length > 3) return undefined;
  const m = method as Method;
  if (segments.length === 1) return found(collection.root[m], NO_PARAMS);

  const second = segments[1]!;
  if (segments.length === 2) {
    const fixed = Object.hasOwn(collection.fixed, second) ? collection.fixed[second]![m] : undefined;
    if (fixed !== undefined) return { handler: fixed, params: NO_PARAMS };
  }
  const id = decodeSegment(second);
  if (id === undefined) return undefined;
  if (segments.length === 2) return found(collection.item[m], [id]);
  const action = segments[2]!;
  return Object.hasOwn(collection.actions, action) ? found(collection.actions[action]![m], [id]) : undefined;
}

function found(handler: Handler | undefined, params: string[]): RouteMatch | undefined {
  return handler === undefined ? undefined : { handler, params };
}

function decodeSegment(segment: string): string | undefined {
  if (segment === "") return undefined;
  if (!segment.includes("%")) return segment;
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

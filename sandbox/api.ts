// What an endpoint handler receives and returns. The server (server.ts) does everything
// around it: faults, auth, rate limit, routing, body reading, idempotency, writing the answer.
import type { KeyContext } from "./auth.ts";
import type { Lifecycle } from "./lifecycle.ts";
import type { StoredMessage, World } from "./store.ts";

export interface ApiRequest {
  key: KeyContext;
  world: World;
  lifecycle: Lifecycle;
  /** The path's variable segments, percent-decoded, e.g. `[messageId]`. */
  params: string[];
  /** The query string without `?` ("" when absent). */
  search: string;
  /** The parsed JSON object of a POST or PATCH (an empty body is `{}`); undefined for GET and DELETE. */
  body: Record<string, unknown> | undefined;
  requestId: string;
  /** The request's `Idempotency-Key`, already checked and claimed by the server. */
  idempotencyKey: string | undefined;
  /** Unix milliseconds when processing started. */
  now: number;
}

export interface ApiResult {
  status: number;
  /** Serialized as JSON; undefined for 204 (or when `text` is given). */
  body?: unknown;
  /** The body already serialized (the send path writes its JSON by hand). */
  text?: string;
  /** The message a send created; an idempotency record keeps it instead of the text. */
  created?: StoredMessage;
}

/** A handler answers or throws an ApiError. */
export type Handler = (request: ApiRequest) => ApiResult;

export const ok = (body: unknown): ApiResult => ({ status: 200, body });
export const created = (body: unknown): ApiResult => ({ status: 201, body });
export const noContent: ApiResult = { status: 204, body: undefined };

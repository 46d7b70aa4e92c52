// Helpers for the sandbox contract tests. They speak plain `fetch` on purpose: not our client,
// so the client and the sandbox cannot share a misreading of the contract.
import { expect } from "vitest";

export const TEST_KEY = "sk_test_contractTESTS0123456789";
export const LIVE_KEY = "sk_live_contractTESTS0123456789";

let keyCounter = 0;
/** A fresh well-formed key (with `isolateKeys`, a fresh account). */
export function freshKey(mode: "test" | "live" = "test"): string {
  keyCounter++;
  return `sk_${mode}_fresh${process.pid}x${keyCounter}abcdefghijklmnop`;
}

export interface Reply {
  status: number;
  headers: Headers;
  /** The raw body text, for byte-level comparisons. */
  text: string;
  /** The parsed JSON body (undefined when empty or not JSON). */
  json: any;
}

export interface CallOptions {
  key?: string | null;
  body?: unknown;
  /** Sent as is, instead of JSON-encoding `body`. */
  rawBody?: string | Uint8Array;
  headers?: Record<string, string>;
  idempotencyKey?: string;
}

/** One request with plain fetch; `key: null` sends no Authorization header. */
export async function call(baseUrl: string, method: string, path: string, options: CallOptions = {}): Promise<Reply> {
  const headers: Record<string, string> = { ...options.headers };
  const key = options.key === undefined ? TEST_KEY : options.key;
  if (key !== null) headers.authorization ??= `Bearer ${key}`;
  if (options.idempotencyKey !== undefined) headers["idempotency-key"] = options.idempotencyKey;
  let body: string | Uint8Array | undefined = options.rawBody;
  if (body === undefined && options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined) headers["content-type"] ??= "application/json";
  const response = await fetch(baseUrl + path, { method, headers, body });
  const text = await response.text();
  let json: unknown;
  try {
    json = text === "" ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** Binds `call` to one sandbox and one key. */
export function client(baseUrl: string, key: string = TEST_KEY) {
  return {
    get: (path: string, options: CallOptions = {}) => call(baseUrl, "GET", path, { key, ...options }),
    post: (path: string, body?: unknown, options: CallOptions = {}) =>
      call(baseUrl, "POST", path, { key, body, ...options }),
    patch: (path: string, body?: unknown, options: CallOptions = {}) =>
      call(baseUrl, "PATCH", path, { key, body, ...options }),
    delete: (path: string, options: CallOptions = {}) => call(baseUrl, "DELETE", path, { key, ...options }),
  };
}

export const REQUEST_ID = /^req_[0-9a-f]{24}$/;

const ERROR_TYPES: Record<number, string> = {
  400: "validation_error",
  401: "authentication_error",
  402: "payment_required",
  403: "authentication_error",
  404: "not_found",
  409: "conflict",
  422: "validation_error",
  429: "rate_limited",
  500: "api_error",
  502: "api_error",
  503: "api_error",
};

/**
 * Asserts the contract's error body: status, type, code, a message, `request_id` equal to the
 * X-Request-Id header, and `issues` present exactly on 400 and 422. Returns the error member.
 */
export function expectError(reply: Reply, status: number, code: string): any {
  expect({ status: reply.status, code: reply.json?.error?.code }).toEqual({ status, code });
  const error = reply.json.error;
  expect(error.type).toBe(ERROR_TYPES[status]);
  expect(typeof error.message).toBe("string");
  expect(error.message.length).toBeGreaterThan(0);
  expect(error.request_id).toMatch(REQUEST_ID);
  expect(reply.headers.get("x-request-id")).toBe(error.request_id);
  if (status === 400 || status === 422) expect(Array.isArray(error.issues)).toBe(true);
  else expect(error).not.toHaveProperty("issues");
  expect(reply.headers.get("content-type")).toBe("application/json; charset=utf-8");
  return error;
}

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function waitFor<T>(
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 5000,
  what = "condition",
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Asserts the exact key set and value shapes of a message object. */
export function expectMessageShape(message: any): void {
  expect(Object.keys(message)).toEqual([
    "object",
    "id",
    "status",
    "channel",
    "to",
    "template",
    "template_version",
    "metadata",
    "scheduled_at",
    "created_at",
    "updated_at",
    "error",
  ]);
  expect(message.object).toBe("message");
  expect(message.id).toMatch(/^msg_[A-Za-z0-9]{16}$/);
  expect(message.created_at).toMatch(ISO_TIME);
  expect(message.updated_at).toMatch(ISO_TIME);
}

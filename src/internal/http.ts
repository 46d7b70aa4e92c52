// The one request function every resource goes through: auth, JSON, idempotency keys,
// timeouts, retries with backoff, typed errors and response validation.
import { randomUUID } from "node:crypto";
import { Agent, EnvHttpProxyAgent, errors as undiciErrors } from "undici";
import type { Dispatcher } from "undici";
import type { z } from "zod";
import {
  APIError,
  ConflictError,
  NetworkError,
  RateLimitError,
  SenderKitError,
  TimeoutError,
  formatPath,
} from "../errors.ts";
import { errorFromResponse } from "./api-errors.ts";
import { encodeJson } from "./encode.ts";
import { redactError } from "./redact.ts";
import { LIMITS } from "./rules.ts";
import { checkWire } from "./wire-schemas.ts";
import { VERSION } from "./version.ts";

export interface HttpClientOptions {
  apiKey: string;
  baseUrl: string;
  /** Per-attempt timeout in milliseconds. */
  timeout: number;
  maxRetries: number;
  /** Backoff before retry n is about initialRetryDelay * 2^n, capped at maxRetryDelay, with jitter. */
  initialRetryDelay: number;
  maxRetryDelay: number;
  /** Bring your own undici Dispatcher (a Pool, a MockAgent, a ProxyAgent); it is not closed by close(). */
  dispatcher?: Dispatcher | undefined;
}

export interface RequestOptions<S extends z.ZodType | undefined> {
  method: "GET" | "POST" | "PATCH" | "DELETE";
  path: string;
  query?: URLSearchParams | undefined;
  /** Encoded here (a value JSON cannot hold is a ValidationError); or give `bodyText`, encoded already. */
  body?: unknown;
  /** The JSON text of the body, for callers that encoded it themselves (sendBatch measures its chunks). */
  bodyText?: string | undefined;
  /** POST only: the caller's key, else a fresh UUID v4 made once for this call. */
  idempotencyKey?: string | undefined;
  /**
   * A batch POST whose every item carries its own idempotency key: those keys already make a
   * retry replay item by item, so no request-level key is sent (storing a second copy of each
   * 1000-item answer under it would only cost the server memory and time).
   */
  keysInItems?: boolean | undefined;
  /** Validates the response body; omit for 204 answers. */
  schema?: S;
  signal?: AbortSignal | undefined;
}

export interface Response<T> {
  data: T;
  status: number;
  requestId: string | undefined;
}

/** Longest Retry-After we wait out; a longer one is surfaced as a RateLimitError. */
const MAX_RETRY_AFTER_SECONDS = 60;

/**
 * The largest answer read. The largest legitimate one is a 1000-item batch of full message
 * objects: everything a message echoes from its request (`to`, `metadata`) came in a request body
 * of at most 1 MiB, and even with every byte of it written back as a six-byte `\uXXXX` escape
 * that is 6 MiB; the fields the server adds (ids, status, timestamps, template, error) take well
 * under 2 KiB a message, 2 MiB for 1000. Anything larger is not a SenderKit answer.
 */
export const MAX_RESPONSE_BYTES = 6 * LIMITS.bodyBytes + LIMITS.batchItems * 2048;

export class HttpClient {
  readonly #options: HttpClientOptions;
  readonly #dispatcher: Dispatcher;
  readonly #ownsDispatcher: boolean;
  readonly #origin: string;
  readonly #basePath: string;
  readonly #headers: Record<string, string>;

  constructor(options: HttpClientOptions) {
    this.#options = options;
    const base = new URL(options.baseUrl);
    this.#origin = base.origin;
    this.#basePath = base.pathname.replace(/\/+$/, "");
    // One pooled, keep-alive dispatcher per client, through HTTP(S)_PROXY (minding NO_PROXY)
    // when one is set. Without a proxy a plain Agent skips the per-request NO_PROXY check.
    this.#ownsDispatcher = options.dispatcher === undefined;
    this.#dispatcher = options.dispatcher ?? defaultDispatcher();
    this.#headers = {
      authorization: `Bearer ${options.apiKey}`,
      accept: "application/json",
      "user-agent": `senderkit-node/${VERSION} node/${process.versions.node}`,
    };
  }

  /**
   * One call, retried as configured. Every failure is a SenderKitError (the caller's own abort
   * reason aside) with no secret in it; a POST's failure carries the Idempotency-Key it sent.
   */
  async request<S extends z.ZodType | undefined = undefined>(
    options: RequestOptions<S>,
  ): Promise<Response<S extends z.ZodType ? z.output<S> : undefined>> {
    const key =
      options.method === "POST" && !options.keysInItems ? (options.idempotencyKey ?? randomUUID()) : undefined;
    try {
      return await this.#request(options, key);
    } catch (error) {
      if (options.signal?.aborted && error === options.signal.reason) throw error;
      const typed =
        error instanceof SenderKitError
          ? error
          : new SenderKitError(`${options.method} ${options.path} failed: ${describe(error)}`, { cause: error });
      if (key !== undefined) typed.idempotencyKey = key;
      throw this.redact(typed);
    }
  }

  /** Scrubs the API key and any other secret from an error built from what a server said. */
  redact<E>(error: E): E {
    return redactError(error, this.#options.apiKey);
  }

  async close(): Promise<void> {
    if (this.#ownsDispatcher) await this.#dispatcher.close();
  }

  async #request<S extends z.ZodType | undefined>(
    options: RequestOptions<S>,
    idempotencyKey: string | undefined,
  ): Promise<Response<S extends z.ZodType ? z.output<S> : undefined>> {
    const headers: Record<string, string> = { ...this.#headers };
    let body = options.bodyText;
    if (body === undefined && options.body !== undefined) {
      const encoded = encodeJson(options.body, "the request body", LIMITS.bodyBytes);
      if (!encoded.ok) throw encoded.error;
      body = encoded.text;
    }
    if (body !== undefined) headers["content-type"] = "application/json; charset=utf-8";
    if (idempotencyKey !== undefined) headers["idempotency-key"] = idempotencyKey;
    const search = options.query?.toString();
    const path = `${this.#basePath}${options.path}${search ? `?${search}` : ""}`;

    for (let attempt = 0; ; attempt++) {
      const retriesLeft = attempt < this.#options.maxRetries;
      let outcome: Attempt;
      try {
        outcome = await this.#attempt(options.method, path, headers, body, options.signal);
      } catch (error) {
        if (!retriesLeft || !(error instanceof NetworkError || error instanceof TimeoutError)) throw error;
        await sleep(this.#backoff(attempt), options.signal);
        continue;
      }
      const { status, text } = outcome;
      if (text === undefined) throw tooLarge(options, status, outcome.headers);
      if (status >= 200 && status < 300) return this.#parse(options, status, outcome.headers, text);

      const error = errorFromResponse(status, flattenHeaders(outcome.headers), text);
      if (!retriesLeft || !isRetryable(error)) throw error;
      let delay = this.#backoff(attempt);
      if (error instanceof RateLimitError && error.retryAfter !== undefined) {
        if (error.retryAfter > MAX_RETRY_AFTER_SECONDS) throw error;
        // Up to a second more than asked, so that many calls limited together do not all come
        // back in the same instant and be limited again.
        delay = error.retryAfter * 1000 + Math.random() * 1000;
      }
      await sleep(delay, options.signal);
    }
  }

  async #attempt(
    method: string,
    path: string,
    headers: Record<string, string>,
    body: string | undefined,
    userSignal: AbortSignal | undefined,
  ): Promise<Attempt> {
    // A precise per-attempt deadline (undici's own headers/body timers tick once a second);
    // a plain timer and controller cost less per request than AbortSignal.timeout.
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), this.#options.timeout);
    const signal = userSignal ? AbortSignal.any([userSignal, deadline.signal]) : deadline.signal;
    try {
      const response = await this.#dispatcher.request({ origin: this.#origin, path, method, headers, body, signal });
      const text = await readBody(response.body, response.headers, MAX_RESPONSE_BYTES);
      return { status: response.statusCode, headers: response.headers, text };
    } catch (error) {
      if (userSignal?.aborted) throw userSignal.reason;
      if (deadline.signal.aborted) {
        throw new TimeoutError(`request timed out after ${this.#options.timeout} ms (${method} ${path})`, {
          cause: error,
        });
      }
      if (isNetworkError(error)) {
        throw new NetworkError(`network error on ${method} ${path}: ${describe(error)}`, { cause: error });
      }
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  #parse<S extends z.ZodType | undefined>(
    options: RequestOptions<S>,
    status: number,
    headers: RawHeaders,
    text: string,
  ): Response<S extends z.ZodType ? z.output<S> : undefined> {
    const requestId = typeof headers["x-request-id"] === "string" ? headers["x-request-id"] : undefined;
    if (options.schema === undefined) return { data: undefined as never, status, requestId };
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw invalidResponse(options, status, headers, "the response is not JSON", []);
    }
    const checked = checkWire(options.schema, json);
    if (!checked.ok) {
      const where = checked.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`).join("; ");
      throw invalidResponse(options, status, headers, `the response broke the contract (${where})`, checked.issues);
    }
    return { data: checked.value as never, status, requestId };
  }

  #backoff(attempt: number): number {
    const { initialRetryDelay, maxRetryDelay } = this.#options;
    const base = Math.min(initialRetryDelay * 2 ** attempt, maxRetryDelay);
    // Jitter spreads retries of many clients that failed together.
    return base * (0.75 + Math.random() * 0.25);
  }
}

/**
 * The body as text, or undefined when it is larger than `limit` bytes: reading stops there and
 * the connection is dropped, so a runaway answer costs at most `limit` bytes of memory.
 */
async function readBody(
  body: Dispatcher.ResponseData["body"],
  headers: RawHeaders,
  limit: number,
): Promise<string | undefined> {
  const declared = Number(headers["content-length"]);
  if (declared > limit) {
    body.destroy();
    return undefined;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      body.destroy();
      return undefined;
    }
    chunks.push(chunk);
  }
  return (chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)).toString("utf8");
}

function invalidResponse(
  options: { method: string; path: string },
  status: number,
  headers: RawHeaders,
  detail: string,
  issues: APIError["issues"],
  code = "invalid_response",
): APIError {
  return new APIError({
    status,
    type: "api_error",
    code,
    message: `${options.method} ${options.path}: ${detail}`,
    issues,
    requestId: typeof headers["x-request-id"] === "string" ? headers["x-request-id"] : undefined,
    headers: flattenHeaders(headers),
  });
}

function tooLarge(options: { method: string; path: string }, status: number, headers: RawHeaders): APIError {
  const detail = `the response (HTTP ${status}) is larger than ${MAX_RESPONSE_BYTES} bytes, more than any SenderKit answer; not read`;
  return invalidResponse(options, status, headers, detail, [], "response_too_large");
}

function defaultDispatcher(): Dispatcher {
  const options = { connections: 64, keepAliveTimeout: 30_000 };
  const env = process.env;
  const proxied = env.HTTPS_PROXY || env.https_proxy || env.HTTP_PROXY || env.http_proxy;
  return proxied ? new EnvHttpProxyAgent(options) : new Agent(options);
}

type RawHeaders = Record<string, string | string[] | undefined>;

interface Attempt {
  status: number;
  headers: RawHeaders;
  /** Undefined when the body was over MAX_RESPONSE_BYTES. */
  text: string | undefined;
}

/** Transient answers worth another try with the same idempotency key. */
function isRetryable(error: APIError): boolean {
  if (error.status === undefined) return false;
  if (error.status === 408 || error.status === 429 || error.status >= 500) return true;
  return error instanceof ConflictError && error.code === "idempotency_request_in_progress";
}

function isNetworkError(error: unknown): boolean {
  // A mistake in the request itself is no network failure, and another try would not help.
  if (error instanceof undiciErrors.InvalidArgumentError || error instanceof undiciErrors.NotSupportedError)
    return false;
  if (error instanceof undiciErrors.UndiciError) return true;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && /^(E[A-Z]+|UND_ERR_\w+)$/.test(code);
}

function describe(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  return typeof code === "string" && !message.includes(code) ? `${code} ${message}` : message;
}

function flattenHeaders(headers: RawHeaders): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(", ") : value;
  }
  return flat;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

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
  TimeoutError,
  formatPath,
} from "./errors.ts";
import { errorFromResponse } from "./api-errors.ts";
import { checkWire } from "./wire.ts";
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
  body?: unknown;
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

  async request<S extends z.ZodType | undefined = undefined>(
    options: RequestOptions<S>,
  ): Promise<Response<S extends z.ZodType ? z.output<S> : undefined>> {
    const headers: Record<string, string> = { ...this.#headers };
    let body: string | undefined;
    if (options.body !== undefined) {
      body = JSON.stringify(options.body);
      headers["content-type"] = "application/json; charset=utf-8";
    }
    if (options.method === "POST" && !options.keysInItems) headers["idempotency-key"] = options.idempotencyKey ?? randomUUID();
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

  async close(): Promise<void> {
    if (this.#ownsDispatcher) await this.#dispatcher.close();
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
      const text = await response.body.text();
      return { status: response.statusCode, headers: response.headers, text };
    } catch (error) {
      if (userSignal?.aborted) throw userSignal.reason;
      if (deadline.signal.aborted) {
        throw new TimeoutError(`request timed out after ${this.#options.timeout} ms (${method} ${path})`, { cause: error });
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
    const broken = (detail: string, issues: APIError["issues"]) =>
      new APIError({
        status,
        type: "api_error",
        code: "invalid_response",
        message: `${options.method} ${options.path}: ${detail}`,
        issues,
        requestId,
        headers: flattenHeaders(headers),
      });
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw broken("the response is not JSON", []);
    }
    const checked = checkWire(options.schema, json);
    if (!checked.ok) {
      const where = checked.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`).join("; ");
      throw broken(`the response broke the contract (${where})`, checked.issues);
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
  text: string;
}

/** Transient answers worth another try with the same idempotency key. */
function isRetryable(error: APIError): boolean {
  if (error.status === undefined) return false;
  if (error.status === 408 || error.status === 429 || error.status >= 500) return true;
  return error instanceof ConflictError && error.code === "idempotency_request_in_progress";
}

function isNetworkError(error: unknown): boolean {
  // A mistake in the request itself is no network failure, and another try would not help.
  if (error instanceof undiciErrors.InvalidArgumentError || error instanceof undiciErrors.NotSupportedError) return false;
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


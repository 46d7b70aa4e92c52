// One rate limiter per provider process, shared by every API call of an `up`.
//
// The engine starts every resource of an `up` at once. Retrying each call on its own (the core's
// retries) lets some calls lose the race for the rate limit again and again until they fail. Here
// every call goes through one gate instead:
//   - at most `maxInFlight` calls run at once;
//   - the undici interceptor reads `X-RateLimit-Remaining` / `X-RateLimit-Reset` from every
//     answer: once the window is used up, one call at a time goes ahead (it learns when the
//     window reopens) and the rest wait;
//   - a 429 pauses every call for its `Retry-After`;
//   - a failed call is retried (429, 408, 5xx, network errors, timeouts, "request in progress")
//     for as long as the retry budget allows, counted from its first failure, not a number of times.
// The core client runs with `maxRetries: 0`, so its own retries never fight this gate.
import type { Dispatcher } from "undici";
import {
  ConflictError,
  InternalServerError,
  NetworkError,
  RateLimitError,
  TimeoutError,
  APIError,
} from "../src/index.ts";

export interface RateLimiterOptions {
  /** Calls running at once. */
  maxInFlight: number;
  /** How long a failing call keeps being retried, from its first failure. */
  retryBudgetMs: number;
}

/** A call given up on: its last error's message, how long it was retried, and the request id. */
export class RetryBudgetExhaustedError extends Error {
  override name = "RetryBudgetExhaustedError";
  readonly requestId: string | undefined;
  constructor(last: unknown, retriedMs: number, budgetMs: number) {
    const message = last instanceof Error ? last.message : String(last);
    super(
      `${message} (retried for ${Math.round(retriedMs / 1000)} s; the retry budget, senderkit:retryBudgetSeconds, ` +
        `is ${Math.round(budgetMs / 1000)} s)`,
      { cause: last },
    );
    this.requestId = (last as { requestId?: string } | null)?.requestId;
  }
}

const FIRST_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 8_000;

export class RateLimiter {
  readonly #options: RateLimiterOptions;
  #inFlight = 0;
  /** No call starts before this time (ms since the epoch): set by a 429's Retry-After. */
  #pausedUntil = 0;
  /** Requests the server still allows in its current window, as its latest answer said. */
  #remaining: number | undefined;
  /** Requests sent and not yet answered: the server may not have counted them in `#remaining`. */
  #requestsInFlight = 0;
  /** When the server's current window ends (ms since the epoch), from X-RateLimit-Reset. */
  #resetAt = 0;
  /** Wakes the calls waiting for a slot: resolved and replaced on every change. */
  #changed = deferred();
  /** Idempotency keys whose answer was a replay (`Idempotent-Replayed: true`), until asked. */
  readonly #replayed = new Set<string>();

  constructor(options: RateLimiterOptions) {
    this.#options = options;
  }

  /** Runs `call` when the gate lets it, retrying transient failures within the retry budget. */
  async run<T>(call: () => Promise<T>): Promise<T> {
    let firstFailure: number | undefined;
    for (let attempt = 0; ; attempt++) {
      await this.#acquire();
      let error: unknown;
      try {
        return await call();
      } catch (caught) {
        error = caught;
      } finally {
        this.#release();
      }
      const delay = retryDelay(error, attempt);
      if (delay === undefined) throw error;
      const now = Date.now();
      firstFailure ??= now;
      if (now + delay > firstFailure + this.#options.retryBudgetMs) {
        throw new RetryBudgetExhaustedError(error, now - firstFailure, this.#options.retryBudgetMs);
      }
      if (error instanceof RateLimitError) this.#pause(now + delay);
      else await sleep(delay);
    }
  }

  /** True once if the answer to the POST with this key was a replay of an earlier one. */
  takeReplayed(idempotencyKey: string): boolean {
    return this.#replayed.delete(idempotencyKey);
  }

  /** For `dispatcher.compose(...)`: counts each request sent and reads each answer's headers. */
  readonly interceptor: Dispatcher.DispatcherComposeInterceptor = (dispatch) => (options, handler) => {
    this.#requestsInFlight++;
    let answered = false;
    const settle = (headers: Record<string, string | string[] | undefined> | undefined) => {
      if (answered) return;
      answered = true;
      this.#requestsInFlight--;
      this.#observe(headers ?? {}, idempotencyKeyOf(options.headers));
    };
    const observed: Dispatcher.DispatchHandler = {
      ...bound(handler),
      onResponseStart(controller, statusCode, headers, statusMessage) {
        if (statusCode >= 200) settle(headers as Record<string, string | string[] | undefined>);
        return handler.onResponseStart?.(controller, statusCode, headers, statusMessage);
      },
      onResponseError(controller, error) {
        settle(undefined);
        return handler.onResponseError?.(controller, error);
      },
    };
    try {
      return dispatch(options, observed);
    } catch (error) {
      settle(undefined);
      throw error;
    }
  };

  #observe(headers: Record<string, string | string[] | undefined>, key: string | undefined): void {
    const remaining = Number(header(headers, "x-ratelimit-remaining"));
    const reset = Number(header(headers, "x-ratelimit-reset"));
    if (header(headers, "x-ratelimit-remaining") !== undefined && Number.isFinite(remaining)) {
      const resetAt = Number.isFinite(reset) ? reset * 1000 : 0;
      // A later window starts afresh; within one window the lowest count is the truest (answers
      // can arrive out of order).
      this.#remaining =
        resetAt > this.#resetAt || this.#remaining === undefined ? remaining : Math.min(this.#remaining, remaining);
      this.#resetAt = Math.max(this.#resetAt, resetAt);
    }
    if (key !== undefined && header(headers, "idempotent-replayed") === "true") this.#replayed.add(key);
    this.#wake();
  }

  async #acquire(): Promise<void> {
    for (;;) {
      const now = Date.now();
      const changed = this.#changed.promise;
      if (now < this.#pausedUntil) {
        await Promise.race([changed, sleep(this.#pausedUntil - now)]);
        continue;
      }
      // The window is used up: one call goes ahead to find out when it reopens (its 429 pauses
      // everyone for Retry-After, or it succeeds and reports the new window).
      const exhausted =
        this.#remaining !== undefined && this.#remaining - this.#requestsInFlight <= 0 && now < this.#resetAt;
      if (this.#inFlight < (exhausted ? 1 : this.#options.maxInFlight)) {
        this.#inFlight++;
        return;
      }
      await (exhausted ? Promise.race([changed, sleep(this.#resetAt - now)]) : changed);
    }
  }

  #release(): void {
    this.#inFlight--;
    this.#wake();
  }

  #pause(until: number): void {
    this.#pausedUntil = Math.max(this.#pausedUntil, until);
    // After the pause the window has reopened: what the server allows is unknown until it says.
    this.#remaining = undefined;
    this.#wake();
  }

  #wake(): void {
    this.#changed.resolve();
    this.#changed = deferred();
  }
}

/** How long to wait before retrying after `error`, or undefined when another try would not help. */
function retryDelay(error: unknown, attempt: number): number | undefined {
  if (error instanceof RateLimitError) return (error.retryAfter ?? 1) * 1000;
  const transient =
    error instanceof InternalServerError ||
    error instanceof NetworkError ||
    error instanceof TimeoutError ||
    (error instanceof APIError && error.status === 408) ||
    (error instanceof ConflictError && error.code === "idempotency_request_in_progress");
  if (!transient) return undefined;
  // Jitter spreads the retries of calls that failed together.
  return Math.min(FIRST_BACKOFF_MS * 2 ** attempt, MAX_BACKOFF_MS) * (0.75 + Math.random() * 0.25);
}

function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function idempotencyKeyOf(headers: Dispatcher.DispatchOptions["headers"]): string | undefined {
  if (headers === null || headers === undefined || Array.isArray(headers) || typeof headers !== "object")
    return undefined;
  const value = (headers as Record<string, unknown>)["idempotency-key"];
  return typeof value === "string" ? value : undefined;
}

/** The handler's methods bound to it, so a wrapper can override one and forward the rest. */
function bound(handler: Dispatcher.DispatchHandler): Dispatcher.DispatchHandler {
  const methods = ["onRequestStart", "onRequestUpgrade", "onRequestSent", "onResponseData", "onResponseEnd"] as const;
  const result: Record<string, unknown> = {};
  for (const name of methods) {
    const method = handler[name] as ((...args: unknown[]) => unknown) | undefined;
    if (method) result[name] = method.bind(handler);
  }
  return result as Dispatcher.DispatchHandler;
}

/** A promise and its resolve function (Promise.withResolvers, without the ES2024 typings). */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}

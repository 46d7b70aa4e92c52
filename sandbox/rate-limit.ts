// Per-key rate limiting (section 2): a fixed window per API key. The `X-RateLimit-*` headers are
// sent on every authenticated response; without the `rateLimit` option the limit is nominal
// (UNLIMITED per second) and never answers 429.
import type { KeyContext } from "./auth.ts";

export interface RateLimitOptions {
  /** Requests allowed per key in each window. */
  limit: number;
  /** Window length; default 1 second. */
  windowSeconds?: number;
}

/** The nominal limit announced when no limiter is configured. */
const UNLIMITED = 1_000_000;

export interface RateLimitVerdict {
  limit: number;
  remaining: number;
  /** Unix seconds when the window resets. */
  reset: number;
  /** Seconds to wait (1 or more) when limited, else 0. */
  retryAfter: number;
}

export class RateLimiter {
  readonly #limit: number;
  readonly #windowMs: number;
  readonly #enforced: boolean;

  constructor(options: RateLimitOptions | undefined) {
    this.#enforced = options !== undefined;
    this.#limit = options?.limit ?? UNLIMITED;
    this.#windowMs = Math.max(1, Math.round((options?.windowSeconds ?? 1) * 1000));
    if (!Number.isInteger(this.#limit) || this.#limit < 1)
      throw new RangeError("rateLimit.limit must be an integer of at least 1");
  }

  /** Counts one request for `context` and says whether it is over the limit. */
  take(context: KeyContext, now: number): RateLimitVerdict {
    // A window opens with the first request after the previous one ended.
    if (now - context.rateWindowStart >= this.#windowMs) {
      context.rateWindowStart = now;
      context.rateCount = 0;
    }
    const windowEnd = context.rateWindowStart + this.#windowMs;
    const reset = Math.ceil(windowEnd / 1000);
    if (this.#enforced && context.rateCount >= this.#limit) {
      return { limit: this.#limit, remaining: 0, reset, retryAfter: Math.max(1, Math.ceil((windowEnd - now) / 1000)) };
    }
    context.rateCount++;
    return { limit: this.#limit, remaining: Math.max(0, this.#limit - context.rateCount), reset, retryAfter: 0 };
  }
}

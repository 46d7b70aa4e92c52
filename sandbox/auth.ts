// Authentication (sections 1 and 10). The sandbox has no account database: any well-formed key
// is accepted, its prefix picks the mode, and the options name keys that are revoked (403) or
// out of plan (402). Each key gets a context holding its per-key state (idempotency records,
// rate-limit window, its world with --isolate-keys), created on first sight. Clients choose keys
// freely, so only the most recently used MAX_KEY_CONTEXTS keys keep their state.
import { API_KEY_PATTERN, modeOfApiKey } from "../src/internal/rules.ts";
import { ApiError } from "./errors.ts";
import { IdempotencyStore } from "./idempotency.ts";
import { World } from "./store.ts";
import type { Mode } from "./store.ts";

export interface KeyContext {
  apiKey: string;
  mode: Mode;
  world: World;
  revoked: boolean;
  outOfPlan: boolean;
  /** Idempotency keys are scoped to the exact API key (section 10). */
  idempotency: IdempotencyStore;
  /** Fixed rate-limit window: its start (unix ms) and the requests counted in it. */
  rateWindowStart: number;
  rateCount: number;
}

export interface KeyRegistryOptions {
  revokedKeys: Iterable<string>;
  outOfPlanKeys: Iterable<string>;
  /** True: every key is its own account. False: all test keys share one world, all live keys another. */
  isolateKeys: boolean;
}

/**
 * Keys whose state is kept; the least recently used one beyond this is forgotten (its idempotency
 * records, and its world when keys are isolated). A local sandbox rarely sees more than a few.
 */
export const MAX_KEY_CONTEXTS = 1_000;
/** Header values already seen → their context; bounded because clients control its keys. */
const HEADER_CACHE_LIMIT = MAX_KEY_CONTEXTS;

export class KeyRegistry {
  readonly #revoked: Set<string>;
  readonly #outOfPlan: Set<string>;
  readonly #isolateKeys: boolean;
  readonly #contexts = new Map<string, KeyContext>();
  readonly #byHeader = new Map<string, KeyContext>();
  readonly #sharedWorlds: Record<Mode, World> = { test: new World("test"), live: new World("live") };

  constructor(options: KeyRegistryOptions) {
    this.#revoked = new Set(options.revokedKeys);
    this.#outOfPlan = new Set(options.outOfPlanKeys);
    this.#isolateKeys = options.isolateKeys;
  }

  /** The caller's key context, or throws the 401/403 of section 1. */
  authenticate(header: string | undefined): KeyContext {
    if (header === undefined)
      throw new ApiError("authentication_required", "no Authorization header; send `Authorization: Bearer <api key>`");
    const cached = this.#byHeader.get(header);
    if (cached !== undefined) {
      // Most recently used last: eviction takes the first.
      this.#contexts.delete(cached.apiKey);
      this.#contexts.set(cached.apiKey, cached);
      return checkRevoked(cached);
    }

    const apiKey = parseBearer(header);
    if (apiKey === undefined)
      throw new ApiError("authentication_required", "the Authorization header must be `Bearer <api key>`");
    const mode = modeOfApiKey(apiKey);
    if (mode === undefined || !API_KEY_PATTERN.test(apiKey)) {
      // Never echo the key: it may be a real secret sent to the wrong place.
      throw new ApiError(
        "invalid_api_key",
        "the API key is malformed: expected sk_test_ or sk_live_ followed by at least 16 letters or digits",
      );
    }
    const context = this.#contextFor(apiKey, mode);
    if (this.#byHeader.size >= HEADER_CACHE_LIMIT) this.#byHeader.clear();
    this.#byHeader.set(header, context);
    return checkRevoked(context);
  }

  /** Keys whose state is kept (tests, inspection). */
  get size(): number {
    return this.#contexts.size;
  }

  /** Every world that exists so far (inspection). */
  worlds(): World[] {
    const worlds = new Set<World>([this.#sharedWorlds.test, this.#sharedWorlds.live]);
    for (const context of this.#contexts.values()) worlds.add(context.world);
    return [...worlds];
  }

  #contextFor(apiKey: string, mode: Mode): KeyContext {
    let context = this.#contexts.get(apiKey);
    if (context !== undefined) {
      this.#contexts.delete(apiKey);
      this.#contexts.set(apiKey, context);
    } else {
      context = {
        apiKey,
        mode,
        world: this.#isolateKeys ? new World(mode) : this.#sharedWorlds[mode],
        revoked: this.#revoked.has(apiKey),
        outOfPlan: this.#outOfPlan.has(apiKey),
        idempotency: new IdempotencyStore(),
        rateWindowStart: 0,
        rateCount: 0,
      };
      this.#contexts.set(apiKey, context);
      if (this.#contexts.size > MAX_KEY_CONTEXTS) {
        const [oldest] = this.#contexts.keys();
        this.#contexts.delete(oldest!);
        this.#byHeader.clear(); // it may point at the forgotten context
      }
    }
    return context;
  }
}

function checkRevoked(context: KeyContext): KeyContext {
  if (context.revoked) throw new ApiError("api_key_revoked", "this API key has been revoked");
  return context;
}

/** The key of `Bearer <key>` (scheme word case-insensitive), or undefined. */
function parseBearer(header: string): string | undefined {
  const trimmed = header.trim();
  const space = trimmed.indexOf(" ");
  if (space < 0 || trimmed.slice(0, space).toLowerCase() !== "bearer") return undefined;
  const key = trimmed.slice(space + 1).trim();
  return key === "" ? undefined : key;
}

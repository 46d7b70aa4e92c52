// Credentials and settings for the provider process, and the one client every call shares. The
// engine hands the stack config to the dynamic provider's `configure`; the API key then lives only
// in this module's state, in the process that runs the provider: never in the serialized provider
// text (the state does hold the stack config elsewhere: see provider/README.md, "Credentials").
import type * as pulumi from "@pulumi/pulumi";
import { Agent } from "undici";
import { SenderKit } from "../src/index.ts";
import type { ProviderOperations } from "./lazy-provider.ts";
import { RateLimiter } from "./rate-limiter.ts";
import { API_KEY_PATTERN, modeOfApiKey } from "../src/internal/rules.ts";

/** Stack config keys (`pulumi config set --secret senderkit:apiKey …`). */
export const CONFIG_KEYS = {
  apiKey: "senderkit:apiKey",
  baseUrl: "senderkit:baseUrl",
  retryBudgetSeconds: "senderkit:retryBudgetSeconds",
} as const;

/** Replaced by retryBudgetSeconds: still set, it fails configure with what to do. */
const RETIRED_MAX_RETRIES_KEY = "senderkit:maxRetries";

/** How long a failing call is retried, from its first failure: long enough for a large `up` at a low limit. */
export const DEFAULT_RETRY_BUDGET_SECONDS = 300;

/**
 * API calls in flight at once from this provider process. The engine runs every resource of an
 * `up` in parallel; past this many, calls queue in the rate limiter.
 */
export const MAX_CALLS_IN_FLIGHT = 8;

export interface ProviderSettings {
  apiKey: string | undefined;
  baseUrl: string | undefined;
  retryBudgetSeconds: number;
}

type ConfigSource = Pick<pulumi.dynamic.Config, "get">;

/** Stack config first, then SENDERKIT_API_KEY / SENDERKIT_BASE_URL. */
export function readSettings(config: ConfigSource | undefined, env: NodeJS.ProcessEnv = process.env): ProviderSettings {
  const apiKey = config?.get(CONFIG_KEYS.apiKey) || env.SENDERKIT_API_KEY || undefined;
  const baseUrl = config?.get(CONFIG_KEYS.baseUrl) || env.SENDERKIT_BASE_URL || undefined;
  if (config?.get(RETIRED_MAX_RETRIES_KEY) !== undefined) {
    throw new Error(
      `${RETIRED_MAX_RETRIES_KEY} is no longer read: calls are now retried for a time, not a number of times. ` +
        `Run \`pulumi config rm ${RETIRED_MAX_RETRIES_KEY}\` (and, to change the default of ` +
        `${DEFAULT_RETRY_BUDGET_SECONDS} s, \`pulumi config set ${CONFIG_KEYS.retryBudgetSeconds} 600\`)`,
    );
  }
  const budget = config?.get(CONFIG_KEYS.retryBudgetSeconds);
  let retryBudgetSeconds = DEFAULT_RETRY_BUDGET_SECONDS;
  if (budget !== undefined && budget !== "") {
    retryBudgetSeconds = Number(budget);
    if (!Number.isFinite(retryBudgetSeconds) || retryBudgetSeconds < 0 || !/^\s*\d+(\.\d+)?\s*$/.test(budget)) {
      throw new Error(
        `${CONFIG_KEYS.retryBudgetSeconds} must be a number of seconds, 0 or more (got ${JSON.stringify(budget)})`,
      );
    }
  }
  return { apiKey, baseUrl, retryBudgetSeconds };
}

/** The client and the limiter every call of this process goes through. */
export interface Api {
  sk: SenderKit;
  limiter: RateLimiter;
}

let settings: ProviderSettings | undefined;
let api: (Api & { close(): Promise<void> }) | undefined;
/**
 * Why the last `configure` failed. The engine's plugin caches the provider before configure
 * settles, so later calls must keep failing with this, not quietly fall back to the environment
 * (which could point at another account).
 */
let configureError: Error | undefined;

/** Called by the providers' `configure`; replaces earlier settings. */
export async function configureProvider(config: ConfigSource | undefined): Promise<void> {
  let next: ProviderSettings;
  try {
    next = readSettings(config);
  } catch (error) {
    configureError = error as Error;
    settings = undefined;
    await api?.close();
    api = undefined;
    throw error;
  }
  configureError = undefined;
  // Both resource types are configured with the same stack config: keep the client and limiter then.
  if (settings && api && sameSettings(settings, next)) return;
  const previous = api;
  settings = next;
  api = undefined;
  await previous?.close();
}

/** The client and limiter for this process; from the environment alone if `configure` never ran. */
export function apiClient(): Api {
  if (configureError) throw configureError;
  if (api) return api;
  settings ??= readSettings(undefined);
  if (!settings.apiKey) {
    throw new Error(
      `no SenderKit API key: run \`pulumi config set --secret ${CONFIG_KEYS.apiKey} sk_test_…\` or set SENDERKIT_API_KEY`,
    );
  }
  const limiter = new RateLimiter({
    maxInFlight: MAX_CALLS_IN_FLIGHT,
    retryBudgetMs: settings.retryBudgetSeconds * 1000,
  });
  const agent = new Agent({ connections: MAX_CALLS_IN_FLIGHT * 2, keepAliveTimeout: 30_000 });
  // The limiter owns every retry, so the core makes one attempt per call.
  const sk = new SenderKit({
    apiKey: settings.apiKey,
    baseUrl: settings.baseUrl,
    maxRetries: 0,
    dispatcher: agent.compose(limiter.interceptor),
  });
  api = {
    sk,
    limiter,
    async close() {
      await sk.close();
      await agent.close();
    },
  };
  return api;
}

/** "test" or "live" from the configured key, or undefined when there is no well-formed key. */
export function apiKeyMode(): "test" | "live" | undefined {
  if (configureError) throw configureError;
  settings ??= readSettings(undefined);
  const key = settings.apiKey;
  return key !== undefined && API_KEY_PATTERN.test(key) ? modeOfApiKey(key) : undefined;
}

function sameSettings(a: ProviderSettings, b: ProviderSettings): boolean {
  return a.apiKey === b.apiKey && a.baseUrl === b.baseUrl && a.retryBudgetSeconds === b.retryBudgetSeconds;
}

/** The operations with `configure` shared by both resource types. */
export type Operations<Inputs, Outputs> = Omit<ProviderOperations<Inputs, Outputs>, "configure">;

export function withConfigure<Inputs, Outputs>(
  operations: Operations<Inputs, Outputs>,
): ProviderOperations<Inputs, Outputs> {
  return {
    async configure(request) {
      await configureProvider(request.config);
    },
    ...operations,
  };
}

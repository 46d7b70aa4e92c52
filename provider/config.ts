// Credentials for the provider process. The engine hands the stack config to the dynamic
// provider's `configure`; the API key then lives only in this module's state, in the process
// that runs the provider: never in the serialized provider text, so never in the state file.
import type * as pulumi from "@pulumi/pulumi";
import { SenderKit } from "../src/index.ts";
import type { ProviderOperations } from "./lazy-provider.ts";
import { API_KEY_PATTERN, modeOfApiKey } from "../src/rules.ts";

/** Stack config keys (`pulumi config set --secret senderkit:apiKey …`). */
export const CONFIG_KEYS = {
  apiKey: "senderkit:apiKey",
  baseUrl: "senderkit:baseUrl",
  maxRetries: "senderkit:maxRetries",
} as const;

/**
 * Retries per request. Higher than the client's default (2) so that a large `up`, whose
 * parallel calls hit the rate limit, waits out each 429's Retry-After instead of failing.
 */
export const DEFAULT_MAX_RETRIES = 10;

export interface ProviderSettings {
  apiKey: string | undefined;
  baseUrl: string | undefined;
  maxRetries: number;
}

type ConfigSource = Pick<pulumi.dynamic.Config, "get">;

/** Stack config first, then SENDERKIT_API_KEY / SENDERKIT_BASE_URL. */
export function readSettings(config: ConfigSource | undefined, env: NodeJS.ProcessEnv = process.env): ProviderSettings {
  const apiKey = config?.get(CONFIG_KEYS.apiKey) || env.SENDERKIT_API_KEY || undefined;
  const baseUrl = config?.get(CONFIG_KEYS.baseUrl) || env.SENDERKIT_BASE_URL || undefined;
  const retries = config?.get(CONFIG_KEYS.maxRetries);
  let maxRetries = DEFAULT_MAX_RETRIES;
  if (retries !== undefined && retries !== "") {
    maxRetries = Number(retries);
    if (!Number.isInteger(maxRetries) || maxRetries < 0) {
      throw new Error(`${CONFIG_KEYS.maxRetries} must be an integer of 0 or more (got ${JSON.stringify(retries)})`);
    }
  }
  return { apiKey, baseUrl, maxRetries };
}

let settings: ProviderSettings | undefined;
let client: SenderKit | undefined;
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
    await client?.close();
    client = undefined;
    throw error;
  }
  configureError = undefined;
  // Both resource types are configured with the same stack config: keep the pooled client then.
  if (settings && client && sameSettings(settings, next)) return;
  const previous = client;
  settings = next;
  client = undefined;
  await previous?.close();
}

/** The client for this process; from the environment alone if `configure` never ran. */
export function senderKit(): SenderKit {
  if (configureError) throw configureError;
  if (client) return client;
  settings ??= readSettings(undefined);
  if (!settings.apiKey) {
    throw new Error(
      `no SenderKit API key: run \`pulumi config set --secret ${CONFIG_KEYS.apiKey} sk_test_…\` or set SENDERKIT_API_KEY`,
    );
  }
  client = new SenderKit({ apiKey: settings.apiKey, baseUrl: settings.baseUrl, maxRetries: settings.maxRetries });
  return client;
}

/** "test" or "live" from the configured key, or undefined when there is no well-formed key. */
export function apiKeyMode(): "test" | "live" | undefined {
  if (configureError) throw configureError;
  settings ??= readSettings(undefined);
  const key = settings.apiKey;
  return key !== undefined && API_KEY_PATTERN.test(key) ? modeOfApiKey(key) : undefined;
}

function sameSettings(a: ProviderSettings, b: ProviderSettings): boolean {
  return a.apiKey === b.apiKey && a.baseUrl === b.baseUrl && a.maxRetries === b.maxRetries;
}

/**
 * API calls in flight at once from this provider process. The engine runs every resource of an
 * `up` in parallel; past this many, calls queue here instead of all meeting the rate limit at
 * once and spending their retries on 429s.
 */
export const MAX_CALLS_IN_FLIGHT = 8;

const waiting: (() => void)[] = [];
let inFlight = 0;

/** Runs `call` once fewer than `limit` (default MAX_CALLS_IN_FLIGHT) calls are running. */
export async function limited<T>(call: () => Promise<T>, limit = MAX_CALLS_IN_FLIGHT): Promise<T> {
  while (inFlight >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
  inFlight++;
  try {
    return await call();
  } finally {
    inFlight--;
    waiting.shift()?.();
  }
}

/** The same operations, with every call that talks to the API (create, read, update, delete) limited. */
export function withCallLimit<Inputs, Outputs>(operations: ProviderOperations<Inputs, Outputs>): ProviderOperations<Inputs, Outputs> {
  return {
    ...operations,
    create: (inputs) => limited(() => operations.create(inputs)),
    read: (id, props) => limited(() => operations.read(id, props)),
    update: (id, olds, news) => limited(() => operations.update(id, olds, news)),
    delete: (id, props) => limited(() => operations.delete(id, props)),
  };
}

// senderkit/sandbox: a local SenderKit API server on 127.0.0.1 that needs no account, plus an
// inspection API so tests can see what it holds. See sandbox/README.md.
//
//   const sandbox = await startSandbox({ stepDelayMs: 20 });
//   // point a client at sandbox.url with any sk_test_… key
//   expect(sandbox.messages()).toHaveLength(1);
//   await sandbox.close();
import type { AddressInfo } from "node:net";
import { renderAnalyzedContent } from "../src/template/index.ts";
import { KeyRegistry } from "./auth.ts";
import { DEFAULT_DELIVERY_TIMEOUT_MS, DEFAULT_RETRY_DELAYS_MS, Deliveries } from "./deliveries.ts";
import type { WebhookDelivery } from "./deliveries.ts";
import { FaultInjector } from "./faults.ts";
import type { FaultOptions, ForcedFaultKind } from "./faults.ts";
import { Lifecycle, TimerQueue } from "./lifecycle.ts";
import { RateLimiter } from "./rate-limit.ts";
import type { RateLimitOptions } from "./rate-limit.ts";
import { ApiServer } from "./server.ts";
import type { RequestCounters } from "./server.ts";
import { messageHistory, messageText } from "./store.ts";
import type { Mode, StoredMessage } from "./store.ts";

export { FAULT_KINDS } from "./faults.ts";
export type { FaultKind, FaultOptions, ForcedFaultKind } from "./faults.ts";
export type { RateLimitOptions } from "./rate-limit.ts";
export type { DeliveryAttempt, WebhookDelivery } from "./deliveries.ts";
export type { RequestCounters } from "./server.ts";
export type { Mode } from "./store.ts";

export interface SandboxOptions {
  /** TCP port on 127.0.0.1; 0 (the default) picks a free one. */
  port?: number;
  /** Test-mode lifecycle step (queued → sent → delivered takes two); default 1000 ms. */
  stepDelayMs?: number;
  /** Injected faults; none by default. Can be changed later with `setFaults`. */
  faults?: FaultOptions;
  /** Enforced per-key rate limit; off by default (the headers then announce a nominal limit). */
  rateLimit?: RateLimitOptions;
  /** Keys answered with `403 api_key_revoked`. */
  revokedKeys?: readonly string[];
  /** Keys whose sends fail with `402 plan_limit_reached` (after validation). */
  outOfPlanKeys?: readonly string[];
  /**
   * False (default): one account; every `sk_test_` key sees the test world, every `sk_live_` key
   * the live world. True: every key is an account of its own (isolates parallel tests).
   */
  isolateKeys?: boolean;
  webhooks?: {
    /** Waits between delivery attempts; default 0.5 s doubling to 32 s, then 60 s (8 retries). */
    retryDelaysMs?: readonly number[];
    /** An attempt without an answer by then fails; default 10 000 ms. */
    timeoutMs?: number;
  };
}

/** A stored message as the inspection API shows it. */
export interface SandboxMessage {
  /** The wire object as `GET /v1/messages/{id}` would give it now. */
  message: Record<string, unknown>;
  id: string;
  status: string;
  mode: Mode;
  /** The Idempotency-Key (or batch item key) it was created under, or null. */
  idempotencyKey: string | null;
  /** Every status it went through, with when. */
  history: { status: string; at: string }[];
  /** The content that would have been sent: templates rendered with the send's vars (computed on first read). */
  readonly rendered: Record<string, unknown>;
}

export interface Sandbox {
  /** e.g. `http://127.0.0.1:54321` (no trailing slash). */
  readonly url: string;
  readonly port: number;
  /** Stops the server, its timers and webhook deliveries. */
  close(): Promise<void>;
  /** Every stored message of every world, oldest first. */
  messages(filter?: { mode?: Mode }): SandboxMessage[];
  /** Every webhook delivery made or pending, oldest first. */
  deliveries(): WebhookDelivery[];
  /** Request counters (a snapshot). */
  readonly requests: RequestCounters;
  /** Replaces the fault configuration (undefined: no faults); the seeded sequence restarts. */
  setFaults(faults: FaultOptions | undefined): void;
  /**
   * Makes the next `count` requests (default 1) fail with `kind`, whatever the fault rate; besides
   * the FAULT_KINDS, `500_in_handler` fails inside the handler, after the Idempotency-Key is claimed.
   */
  failNext(kind: ForcedFaultKind, count?: number): void;
}

export const DEFAULT_STEP_DELAY_MS = 1000;

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const stepDelayMs = options.stepDelayMs ?? DEFAULT_STEP_DELAY_MS;
  if (!(stepDelayMs >= 0)) throw new RangeError("stepDelayMs must be 0 or more");
  const timers = new TimerQueue();
  const deliveries = new Deliveries(
    {
      retryDelaysMs: options.webhooks?.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS,
      timeoutMs: options.webhooks?.timeoutMs ?? DEFAULT_DELIVERY_TIMEOUT_MS,
    },
    timers,
  );
  const lifecycle = new Lifecycle(timers, stepDelayMs, (world, message) => deliveries.messageChanged(world, message));
  const keys = new KeyRegistry({
    revokedKeys: options.revokedKeys ?? [],
    outOfPlanKeys: options.outOfPlanKeys ?? [],
    isolateKeys: options.isolateKeys ?? false,
  });
  const faults = new FaultInjector(options.faults);
  const counters: RequestCounters = { total: 0, byStatus: {}, faults: {} };
  const api = new ApiServer({ keys, limiter: new RateLimiter(options.rateLimit), faults, lifecycle, counters });

  await new Promise<void>((resolve, reject) => {
    api.server.once("error", reject);
    api.server.listen(options.port ?? 0, "127.0.0.1", () => {
      api.server.off("error", reject);
      resolve();
    });
  });
  const port = (api.server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close() {
      closing ??= (async () => {
        timers.close();
        lifecycle.close();
        deliveries.close();
        await api.close();
      })();
      return closing;
    },
    messages(filter) {
      let stored: StoredMessage[] = [];
      for (const world of keys.worlds()) {
        // concat, not push(...): a world may hold more messages than a call takes arguments
        if (filter?.mode === undefined || world.mode === filter.mode) stored = stored.concat(world.messages);
      }
      return stored.sort((a, b) => a.seq - b.seq).map(inspectMessage);
    },
    deliveries() {
      // Snapshots: a test holding one sees it as it was, and cannot change the sandbox's state.
      return deliveries
        .records()
        .map((delivery) => ({ ...delivery, attempts: delivery.attempts.map((attempt) => ({ ...attempt })) }));
    },
    get requests() {
      return structuredClone(counters);
    },
    setFaults(faultOptions) {
      faults.configure(faultOptions);
    },
    failNext(kind, count = 1) {
      faults.force(kind, count);
    },
  };
}

function inspectMessage(message: StoredMessage): SandboxMessage {
  return {
    message: JSON.parse(messageText(message)) as Record<string, unknown>, // a copy, detached from the store
    id: message.id,
    status: message.status,
    mode: message.mode,
    idempotencyKey: message.idempotencyKey,
    history: messageHistory(message),
    // Rendered on first read only: tests poll messages() often and rarely look at this.
    get rendered() {
      const rendered =
        message.analysis === undefined
          ? { ...message.content }
          : renderAnalyzedContent(message.channel, message.content, message.analysis, message.vars).output;
      Object.defineProperty(this, "rendered", { value: rendered, enumerable: true });
      return rendered;
    },
  };
}

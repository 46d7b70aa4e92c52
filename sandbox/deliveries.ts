// Webhook events and their deliveries (sections 8 and 10). Each status change of a message is an
// event `message.<status>`; it is POSTed, signed, to every enabled endpoint of the message's world
// subscribed to it. A non-2xx answer (3xx included), a network error or no answer within the
// timeout is retried after each of `retryDelaysMs` in turn; retries stop when the endpoint is
// deleted or disabled. Each attempt is signed anew with the current time and live secrets.
import { signWebhook } from "../src/webhooks.ts";
import { newDeliveryId, newEventId } from "./ids.ts";
import type { TimerQueue } from "./lifecycle.ts";
import { messageJson } from "./store.ts";
import type { StoredMessage, StoredWebhookEndpoint, World } from "./store.ts";

export interface DeliveryOptions {
  /** Waits between attempts; their count is the number of retries. */
  retryDelaysMs: readonly number[];
  /** An attempt with no answer by then counts as failed (the contract's 10 s). */
  timeoutMs: number;
}

export const DEFAULT_RETRY_DELAYS_MS: readonly number[] = [500, 1000, 2000, 4000, 8000, 16000, 32000, 60000];
export const DEFAULT_DELIVERY_TIMEOUT_MS = 10_000;

export interface DeliveryAttempt {
  /** ISO time the attempt started. */
  at: string;
  /** The receiver's status code, or null when there was no answer. */
  statusCode: number | null;
  /** Why there was no answer (network error, timeout), else null. */
  error: string | null;
}

export interface WebhookDelivery {
  id: string;
  endpointId: string;
  /** The URL of the latest attempt (a PATCH may change it between attempts). */
  url: string;
  eventId: string;
  eventType: string;
  messageId: string;
  mode: "test" | "live";
  /** `pending` while attempts remain; `abandoned` when the endpoint was deleted or disabled. */
  status: "pending" | "succeeded" | "failed" | "abandoned";
  attempts: DeliveryAttempt[];
  /** Status code of the latest attempt, or null. */
  statusCode: number | null;
  /** The exact event body that was signed. */
  body: string;
}

export class Deliveries {
  readonly #options: DeliveryOptions;
  readonly #timers: TimerQueue;
  readonly #records: WebhookDelivery[] = [];
  /** Aborts in-flight attempts when the sandbox closes. */
  readonly #closing = new AbortController();

  constructor(options: DeliveryOptions, timers: TimerQueue) {
    this.#options = options;
    this.#timers = timers;
  }

  /** The event for the message's current status, sent to each subscribed enabled endpoint. */
  messageChanged(world: World, message: StoredMessage): void {
    if (world.webhookEndpoints.size === 0) return; // the common case: nobody listens
    const type = `message.${message.status}`;
    let body: string | undefined;
    let eventId = "";
    for (const endpoint of world.webhookEndpoints.values()) {
      if (!endpoint.enabled || !subscribes(endpoint, type)) continue;
      if (body === undefined) {
        eventId = newEventId();
        // Exactly these keys, in this order (section 10).
        body = JSON.stringify({
          id: eventId,
          type,
          created_at: message.updatedAt,
          payload: { message: messageJson(message) },
        });
      }
      const delivery: WebhookDelivery = {
        id: newDeliveryId(),
        endpointId: endpoint.id,
        url: endpoint.url,
        eventId,
        eventType: type,
        messageId: message.id,
        mode: world.mode,
        status: "pending",
        attempts: [],
        statusCode: null,
        body,
      };
      this.#records.push(delivery);
      this.#timers.schedule(Date.now(), this.#attempt, { world, delivery });
    }
  }

  records(): WebhookDelivery[] {
    return this.#records;
  }

  close(): void {
    this.#closing.abort();
  }

  readonly #attempt = (job: { world: World; delivery: WebhookDelivery }): void => {
    void this.#deliver(job.world, job.delivery);
  };

  async #deliver(world: World, delivery: WebhookDelivery): Promise<void> {
    const endpoint = world.webhookEndpoints.get(delivery.endpointId);
    if (endpoint === undefined || !endpoint.enabled) {
      delivery.status = "abandoned";
      return;
    }
    delivery.url = endpoint.url;
    const attempt: DeliveryAttempt = { at: new Date().toISOString(), statusCode: null, error: null };
    delivery.attempts.push(attempt);
    try {
      const response = await fetch(endpoint.url, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "user-agent": "SenderKit-Sandbox-Webhooks/1",
          "x-senderkit-event-id": delivery.eventId,
          "x-senderkit-signature": signWebhook(liveSecrets(endpoint), delivery.body),
        },
        body: delivery.body,
        redirect: "manual", // a 3xx is a failure, not something to follow
        signal: AbortSignal.any([AbortSignal.timeout(this.#options.timeoutMs), this.#closing.signal]),
      });
      attempt.statusCode = response.status;
      delivery.statusCode = response.status;
      await response.body?.cancel();
    } catch (error) {
      attempt.error = describeFailure(error);
      delivery.statusCode = null;
    }
    if (this.#closing.signal.aborted) return;
    if (attempt.statusCode !== null && attempt.statusCode >= 200 && attempt.statusCode < 300) {
      delivery.status = "succeeded";
      return;
    }
    const delay = this.#options.retryDelaysMs[delivery.attempts.length - 1];
    if (delay === undefined) {
      delivery.status = "failed";
      return;
    }
    this.#timers.schedule(Date.now() + delay, this.#attempt, { world, delivery });
  }
}

function subscribes(endpoint: StoredWebhookEndpoint, type: string): boolean {
  return endpoint.events.includes(type) || (endpoint.events.length === 1 && endpoint.events[0] === "*");
}

/** The unexpired secrets, newest first; expired ones are dropped for good. */
function liveSecrets(endpoint: StoredWebhookEndpoint): string[] {
  const now = Date.now();
  endpoint.secrets = endpoint.secrets.filter((secret) => secret.expiresAt === null || secret.expiresAt > now);
  return endpoint.secrets.map((secret) => secret.value);
}

function describeFailure(error: unknown): string {
  if (error instanceof Error) {
    if (error.name === "TimeoutError") return "no answer in time";
    const cause = (error as { cause?: unknown }).cause;
    if (cause instanceof Error && cause.message !== "") return cause.message;
    return error.message;
  }
  return String(error);
}

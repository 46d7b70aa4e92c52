// The SenderKit client: configuration, the send calls, and the resources.
import type { Dispatcher } from "undici";
import { invalidInput } from "./errors.ts";
import { HttpClient } from "./internal/http.ts";
import type { Message } from "./objects.ts";
import type {
  BatchItem,
  BatchResult,
  RawContent,
  SendBatchOptions,
  SendOptions,
  SendRawOptions,
} from "./resources/messages.ts";
import { Messages } from "./resources/messages.ts";
import { Templates } from "./resources/templates.ts";
import { WebhookEndpoints } from "./resources/webhook-endpoints.ts";
import { API_KEY_PATTERN, modeOfApiKey } from "./internal/rules.ts";

export const DEFAULT_BASE_URL = "https://api.senderkit.com";

export interface SenderKitOptions {
  /** Default: the SENDERKIT_API_KEY environment variable. */
  apiKey?: string | undefined;
  /** Default: SENDERKIT_BASE_URL, then https://api.senderkit.com. */
  baseUrl?: string | undefined;
  /** Per-attempt timeout in milliseconds. Default 30000. */
  timeout?: number | undefined;
  /** Retries of transient failures (network, timeout, 408, 409 in progress, 429, 5xx). Default 2. */
  maxRetries?: number | undefined;
  /** First backoff in milliseconds (then doubling, with jitter). Default 500. */
  initialRetryDelay?: number | undefined;
  /** Longest backoff in milliseconds. Default 8000. */
  maxRetryDelay?: number | undefined;
  /** An undici Dispatcher to send through (pooling, proxies, TLS, mocks). */
  dispatcher?: Dispatcher | undefined;
}

export class SenderKit {
  /** "test" for sk_test_ keys, "live" for sk_live_ keys. */
  readonly mode: "test" | "live";
  readonly baseUrl: string;
  readonly messages: Messages;
  readonly templates: Templates;
  readonly webhookEndpoints: WebhookEndpoints;
  readonly #http: HttpClient;

  constructor(options: SenderKitOptions = {}) {
    const apiKey = options.apiKey ?? process.env.SENDERKIT_API_KEY;
    const baseUrl = options.baseUrl ?? (process.env.SENDERKIT_BASE_URL || DEFAULT_BASE_URL);
    const timeout = options.timeout ?? 30_000;
    const maxRetries = options.maxRetries ?? 2;
    const initialRetryDelay = options.initialRetryDelay ?? 500;
    const maxRetryDelay = options.maxRetryDelay ?? 8_000;

    // Never echo the key itself: only say what is wrong with it.
    const issues = [];
    if (typeof apiKey !== "string" || apiKey === "") {
      issues.push({ path: ["apiKey"], message: "missing: pass apiKey or set SENDERKIT_API_KEY" });
    } else if (!API_KEY_PATTERN.test(apiKey)) {
      issues.push({
        path: ["apiKey"],
        message: "malformed: expected sk_test_ or sk_live_ followed by at least 16 letters and digits",
      });
    }
    if (!URL.canParse(baseUrl) || !/^https?:$/.test(new URL(baseUrl).protocol)) {
      issues.push({ path: ["baseUrl"], message: "expected an http(s) URL" });
    }
    if (!Number.isFinite(timeout) || timeout <= 0)
      issues.push({ path: ["timeout"], message: "expected milliseconds above 0" });
    if (!Number.isInteger(maxRetries) || maxRetries < 0)
      issues.push({ path: ["maxRetries"], message: "expected an integer of 0 or more" });
    if (issues.length > 0) throw invalidInput(issues);

    this.mode = modeOfApiKey(apiKey as string)!;
    this.baseUrl = baseUrl;
    this.#http = new HttpClient({
      apiKey: apiKey as string,
      baseUrl,
      timeout,
      maxRetries,
      initialRetryDelay,
      maxRetryDelay,
      dispatcher: options.dispatcher,
    });
    this.messages = new Messages(this.#http);
    this.templates = new Templates(this.#http);
    this.webhookEndpoints = new WebhookEndpoints(this.#http, this.mode);
  }

  /** Shortcut for `messages.send`: a stored template to one recipient. */
  send(template: string, to: unknown, options: SendOptions = {}): Promise<Message> {
    return this.messages.send(template, to, options);
  }

  /** Shortcut for `messages.sendRaw`: inline content, its channel is `content.type`. */
  sendRaw(to: unknown, content: RawContent, options: SendRawOptions = {}): Promise<Message> {
    return this.messages.sendRaw(to, content, options);
  }

  /** Shortcut for `messages.sendBatch`: chunks of up to 1000 items and 1 MiB; results in input order. */
  sendBatch(items: readonly BatchItem[], options: SendBatchOptions = {}): Promise<BatchResult[]> {
    return this.messages.sendBatch(items, options);
  }

  /** Closes the pooled connections (not those of a dispatcher you passed in). */
  close(): Promise<void> {
    return this.#http.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

// The messages resource: sending (one, raw, many) and reading back (list, get, cancel).
import { randomUUID } from "node:crypto";
import { sendBatch } from "../internal/batch.ts";
import type { SenderKitError } from "../errors.ts";
import type { HttpClient } from "../internal/http.ts";
import { checkIdempotencyKey, rawSendBody, templateSendBody } from "../internal/send-params.ts";
import type { RawContent } from "../internal/wire-schemas.ts";
import type { SendBody } from "../internal/wire-schemas.ts";
import { toMessage } from "../objects.ts";
import type { Message, Page } from "../objects.ts";
import { iteratePages, listQuery } from "../internal/pagination.ts";
import type { ListParams } from "../internal/pagination.ts";
import { invalidInput } from "../errors.ts";
import { CHANNELS, MESSAGE_STATUSES } from "../internal/rules.ts";
import type { Channel, MessageStatus } from "../internal/rules.ts";
import { listSchema, messageSchema, once } from "../internal/wire-schemas.ts";
import { segment } from "../internal/segment.ts";

export type { RawContent };

interface CommonSendOptions {
  vars?: Record<string, unknown> | undefined;
  metadata?: Record<string, string> | undefined;
  /** A Date, or an ISO-8601 string with a time zone. */
  scheduledAt?: Date | string | undefined;
  idempotencyKey?: string | undefined;
}

export interface SendOptions extends CommonSendOptions {
  cc?: string[] | undefined;
  bcc?: string[] | undefined;
  replyTo?: string | undefined;
}

export interface SendRawOptions extends CommonSendOptions {
  /** Apply the template language to the content's fields with `vars`. */
  interpolate?: boolean | undefined;
}

export type TemplateBatchItem = { template: string; to: unknown } & SendOptions;
export type RawBatchItem = { content: RawContent; to: unknown } & SendRawOptions;
export type BatchItem = TemplateBatchItem | RawBatchItem;

export type BatchResult =
  { index: number; ok: true; message: Message } | { index: number; ok: false; error: SenderKitError };

export interface BatchProgress {
  done: number;
  total: number;
  succeeded: number;
  failed: number;
}

export interface SendBatchOptions {
  /** Chunks in flight at once. Default 4. */
  concurrency?: number | undefined;
  /** Most items per request, 1 to 1000. Default 1000; a chunk also ends before 1 MiB of body. */
  chunkSize?: number | undefined;
  /**
   * Base key: item i is sent with `${idempotencyKey}-${i}`, so re-running the batch replays.
   * An item's own `idempotencyKey` wins (callers that feed rows in windows key them by row).
   */
  idempotencyKey?: string | undefined;
  /** Called after each chunk settles. */
  onProgress?: ((progress: BatchProgress) => void) | undefined;
  signal?: AbortSignal | undefined;
}

export interface MessageListParams extends ListParams {
  status?: MessageStatus | undefined;
  channel?: Channel | undefined;
  template?: string | undefined;
  /** Every pair must match. */
  metadata?: Record<string, string> | undefined;
}

const messageListSchema = once(() => listSchema(messageSchema()));

export class Messages {
  readonly #http: HttpClient;

  constructor(http: HttpClient) {
    this.#http = http;
  }

  /**
   * Sends a stored template; resolves once SenderKit accepted it (status "queued" or "scheduled").
   * Every failure is a rejection carrying the `idempotencyKey` used: retry with it, never without.
   */
  async send(template: string, to: unknown, options: SendOptions = {}): Promise<Message> {
    return this.#create(templateSendBody(template, to, options), options.idempotencyKey);
  }

  /** Sends content given inline; its channel is `content.type`. */
  async sendRaw(to: unknown, content: RawContent, options: SendRawOptions = {}): Promise<Message> {
    return this.#create(rawSendBody(to, content, options), options.idempotencyKey);
  }

  /** Many sends in chunks of up to 1000 items and 1 MiB; one result per item, in input order. */
  sendBatch(items: readonly BatchItem[], options: SendBatchOptions = {}): Promise<BatchResult[]> {
    return sendBatch(this.#http, items, options);
  }

  async #create(body: SendBody, idempotencyKey: string | undefined): Promise<Message> {
    // The key is made here, once, so that even a failure before the first attempt names it.
    const key = idempotencyKey === undefined ? randomUUID() : checkIdempotencyKey(idempotencyKey);
    const { data } = await this.#http.request({
      method: "POST",
      path: "/v1/messages",
      body,
      idempotencyKey: key,
      schema: messageSchema(),
    });
    return toMessage(data);
  }

  /** One page, newest first. */
  async list(params: MessageListParams = {}): Promise<Page<Message>> {
    const { metadata, ...rest } = params;
    if (rest.status !== undefined && !MESSAGE_STATUSES.includes(rest.status)) {
      throw invalidInput([{ path: ["status"], message: `expected one of ${MESSAGE_STATUSES.join(", ")}` }]);
    }
    if (rest.channel !== undefined && !CHANNELS.includes(rest.channel)) {
      throw invalidInput([{ path: ["channel"], message: `expected one of ${CHANNELS.join(", ")}` }]);
    }
    const { data } = await this.#http.request({
      method: "GET",
      path: "/v1/messages",
      query: listQuery(rest, metadata),
      schema: messageListSchema(),
    });
    return { data: data.data.map(toMessage), nextCursor: data.next_cursor ?? null };
  }

  /** Every matching message, following cursors. */
  iter(params: MessageListParams = {}): AsyncGenerator<Message, void, undefined> {
    return iteratePages(params, (page) => this.list(page));
  }

  async get(id: string): Promise<Message> {
    const { data } = await this.#http.request({
      method: "GET",
      path: `/v1/messages/${segment(id, "id")}`,
      schema: messageSchema(),
    });
    return toMessage(data);
  }

  /** Only while `scheduled` or `queued`; otherwise a ConflictError (`message_not_cancellable`). */
  async cancel(id: string, options: { idempotencyKey?: string } = {}): Promise<Message> {
    const { data } = await this.#http.request({
      method: "POST",
      path: `/v1/messages/${segment(id, "id")}/cancel`,
      idempotencyKey: options.idempotencyKey,
      schema: messageSchema(),
    });
    return toMessage(data);
  }
}

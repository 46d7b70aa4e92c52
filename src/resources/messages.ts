// The messages resource: sending (one, raw, many) and reading back (list, get, cancel).
import { randomUUID } from "node:crypto";
import { sendBatch } from "../batch.ts";
import type { BatchResult, SendBatchOptions } from "../batch.ts";
import type { HttpClient } from "../http.ts";
import { checkIdempotencyKey, rawSendBody, templateSendBody } from "../params.ts";
import type { BatchItem, RawContent, SendOptions, SendRawOptions } from "../params.ts";
import type { SendBody } from "../wire.ts";
import { toMessage } from "../objects.ts";
import type { Message, Page } from "../objects.ts";
import { iteratePages, listQuery } from "../pagination.ts";
import type { ListParams } from "../pagination.ts";
import { invalidInput } from "../errors.ts";
import { CHANNELS, MESSAGE_STATUSES } from "../rules.ts";
import type { Channel, MessageStatus } from "../rules.ts";
import { listSchema, messageSchema } from "../wire.ts";
import { segment } from "./segment.ts";

export interface MessageListParams extends ListParams {
  status?: MessageStatus | undefined;
  channel?: Channel | undefined;
  template?: string | undefined;
  /** Every pair must match. */
  metadata?: Record<string, string> | undefined;
}

const messageListSchema = listSchema(messageSchema);

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
    const { data } = await this.#http.request({ method: "POST", path: "/v1/messages", body, idempotencyKey: key, schema: messageSchema });
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
      schema: messageListSchema,
    });
    return { data: data.data.map(toMessage), nextCursor: data.next_cursor ?? null };
  }

  /** Every matching message, following cursors. */
  iter(params: MessageListParams = {}): AsyncGenerator<Message, void, undefined> {
    return iteratePages(params, (page) => this.list(page));
  }

  async get(id: string): Promise<Message> {
    const { data } = await this.#http.request({ method: "GET", path: `/v1/messages/${segment(id, "id")}`, schema: messageSchema });
    return toMessage(data);
  }

  /** Only while `scheduled` or `queued`; otherwise a ConflictError (`message_not_cancellable`). */
  async cancel(id: string, options: { idempotencyKey?: string } = {}): Promise<Message> {
    const { data } = await this.#http.request({
      method: "POST",
      path: `/v1/messages/${segment(id, "id")}/cancel`,
      idempotencyKey: options.idempotencyKey,
      schema: messageSchema,
    });
    return toMessage(data);
  }
}

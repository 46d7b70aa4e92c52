import type { HttpClient } from "../http.ts";
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

// sendBatch: many sends through POST /v1/messages/batch, in chunks of at most 1000 items,
// `concurrency` chunks in flight. Every item carries its own idempotency key, so retrying a
// chunk (by us after a reset, or by the caller re-running the batch with the same base key)
// never sends an item twice. One result per input item, in input order.
import { randomUUID } from "node:crypto";
import { errorFromBatchItem } from "./api-errors.ts";
import { SenderKitError, invalidInput } from "./errors.ts";
import type { Issue } from "./errors.ts";
import type { HttpClient } from "./http.ts";
import { toMessage } from "./objects.ts";
import type { Message } from "./objects.ts";
import { batchItemBody, checkIdempotencyKey } from "./params.ts";
import type { BatchItem } from "./params.ts";
import { LIMITS } from "./rules.ts";
import { batchResultSchema } from "./wire.ts";
import type { BatchItemBody } from "./wire.ts";

export type BatchResult =
  | { index: number; ok: true; message: Message }
  | { index: number; ok: false; error: SenderKitError };

export interface BatchProgress {
  done: number;
  total: number;
  succeeded: number;
  failed: number;
}

export interface SendBatchOptions {
  /** Chunks in flight at once. Default 4. */
  concurrency?: number | undefined;
  /** Items per request, 1 to 1000. Default 1000. */
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

export async function sendBatch(http: HttpClient, items: readonly BatchItem[], options: SendBatchOptions = {}): Promise<BatchResult[]> {
  const concurrency = options.concurrency ?? 4;
  const chunkSize = options.chunkSize ?? LIMITS.batchItems;
  checkOptions(concurrency, chunkSize);
  const base = options.idempotencyKey === undefined ? undefined : checkIdempotencyKey(options.idempotencyKey);

  const results: BatchResult[] = new Array(items.length);
  const progress: BatchProgress = { done: 0, total: items.length, succeeded: 0, failed: 0 };
  const settle = (result: BatchResult) => {
    results[result.index] = result;
    progress.done++;
    if (result.ok) progress.succeeded++;
    else progress.failed++;
  };

  // Each worker takes the next items, checks and builds their bodies, and sends them as one
  // chunk: building just in time keeps the first request from waiting on the whole batch.
  // A bad item fails on its own, without being sent; the rest of its chunk goes out.
  let nextItem = 0;
  const takeChunk = (): Chunk => {
    const chunk: Chunk = { indexes: [], bodies: [] };
    while (chunk.bodies.length < chunkSize && nextItem < items.length) {
      const index = nextItem++;
      const item = items[index]!;
      try {
        const own = (item as { idempotencyKey?: string } | null)?.idempotencyKey;
        chunk.bodies.push(batchItemBody(item, own ?? (base === undefined ? randomUUID() : `${base}-${index}`)));
        chunk.indexes.push(index);
      } catch (error) {
        settle({ index, ok: false, error: error as SenderKitError });
      }
    }
    return chunk;
  };

  const worker = async () => {
    while (nextItem < items.length) {
      const chunk = takeChunk();
      if (chunk.bodies.length > 0) {
        await sendChunk(http, chunk, options.signal).then(
          (chunkResults) => chunkResults.forEach(settle),
          (error: unknown) => {
            if (!(error instanceof SenderKitError)) throw error;
            // A chunk that failed after all retries fails only its own items.
            for (const index of chunk.indexes) settle({ index, ok: false, error });
          },
        );
      }
      options.onProgress?.({ ...progress });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return results;
}

interface Chunk {
  indexes: number[];
  bodies: BatchItemBody[];
}

async function sendChunk(
  http: HttpClient,
  chunk: Chunk,
  signal: AbortSignal | undefined,
): Promise<BatchResult[]> {
  const { data } = await http.request({
    method: "POST",
    path: "/v1/messages/batch",
    body: { messages: chunk.bodies },
    keysInItems: true,
    schema: batchResultSchema,
    signal,
  });
  if (data.data.length !== chunk.bodies.length) {
    throw new SenderKitError(`the batch answer has ${data.data.length} results for ${chunk.bodies.length} items`);
  }
  return data.data.map((item, position) => {
    const index = chunk.indexes[position]!;
    return item.ok ? { index, ok: true, message: toMessage(item.message) } : { index, ok: false, error: errorFromBatchItem(item.error) };
  });
}

function checkOptions(concurrency: number, chunkSize: number): void {
  const issues: Issue[] = [];
  if (!Number.isInteger(concurrency) || concurrency < 1) issues.push({ path: ["concurrency"], message: "expected an integer of 1 or more" });
  if (!Number.isInteger(chunkSize) || chunkSize < 1 || chunkSize > LIMITS.batchItems) {
    issues.push({ path: ["chunkSize"], message: `expected an integer from 1 to ${LIMITS.batchItems}` });
  }
  if (issues.length > 0) throw invalidInput(issues);
}

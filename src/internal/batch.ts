// sendBatch: many sends through POST /v1/messages/batch, `concurrency` chunks in flight. A chunk
// holds at most 1000 items and its body stays within the contract's 1 MiB, measured on the very
// bytes sent: each item is checked and encoded once, and the chunk body is those texts joined.
// Every item carries its own idempotency key, so retrying a chunk (by us after a reset, or by the
// caller re-running the batch with the same base key) never sends an item twice. One result per
// input item, in input order, placed by the `index` the server gave it.
import { randomUUID } from "node:crypto";
import { errorFromBatchItem } from "./api-errors.ts";
import { encodeJson } from "./encode.ts";
import { APIError, SenderKitError, invalidInput, withIdempotencyKey } from "../errors.ts";
import type { Issue } from "../errors.ts";
import type { HttpClient } from "./http.ts";
import { toMessage } from "../objects.ts";
import { batchItemBody, checkIdempotencyKey } from "./send-params.ts";
import type { BatchItem, BatchProgress, BatchResult, SendBatchOptions } from "../resources/messages.ts";
import { LIMITS } from "./rules.ts";
import { batchResultSchema } from "./wire-schemas.ts";

const BODY_START = '{"messages":[';
const BODY_END = "]}";
/** What one item may take: the whole body limit less the body's own brackets. */
const MAX_ITEM_BYTES = LIMITS.bodyBytes - BODY_START.length - BODY_END.length;

interface Chunk {
  /** Input positions of the items, in the order they are sent. */
  indexes: number[];
  keys: string[];
  /** Each item's JSON text. */
  texts: string[];
  bytes: number;
}

export async function sendBatch(
  http: HttpClient,
  items: readonly BatchItem[],
  options: SendBatchOptions = {},
): Promise<BatchResult[]> {
  if (!Array.isArray(items)) throw invalidInput([{ path: ["items"], message: "expected an array of items" }]);
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

  // Each worker takes the next items, checks and encodes them, and sends them as one chunk:
  // encoding just in time keeps the first request from waiting on the whole batch. A bad item
  // (bad field, not encodable, too large alone) fails on its own, unsent; the rest go out. An
  // item that would push the chunk past 1 MiB waits for the next chunk.
  let nextItem = 0;
  let carried: { index: number; key: string; text: string; bytes: number } | undefined;
  const takeChunk = (): Chunk => {
    const chunk: Chunk = { indexes: [], keys: [], texts: [], bytes: BODY_START.length + BODY_END.length };
    const add = (entry: { index: number; key: string; text: string; bytes: number }): boolean => {
      const separator = chunk.texts.length > 0 ? 1 : 0;
      if (chunk.bytes + separator + entry.bytes > LIMITS.bodyBytes) return false;
      chunk.indexes.push(entry.index);
      chunk.keys.push(entry.key);
      chunk.texts.push(entry.text);
      chunk.bytes += separator + entry.bytes;
      return true;
    };
    if (carried !== undefined) {
      add(carried);
      carried = undefined;
    }
    while (chunk.texts.length < chunkSize && nextItem < items.length) {
      const index = nextItem++;
      const entry = encodeItem(items[index], index, base);
      if (!entry.ok) {
        settle({ index, ok: false, error: entry.error });
        continue;
      }
      if (!add(entry)) {
        carried = entry;
        break;
      }
    }
    return chunk;
  };

  const worker = async () => {
    while (nextItem < items.length || carried !== undefined) {
      const chunk = takeChunk();
      if (chunk.texts.length > 0) {
        await sendChunk(http, chunk, options.signal).then(
          (chunkResults) => chunkResults.forEach(settle),
          (error: unknown) => {
            if (!(error instanceof SenderKitError)) throw error;
            // A chunk that failed after all retries fails only its own items, each with its key.
            chunk.indexes.forEach((index, position) => {
              settle({ index, ok: false, error: withIdempotencyKey(error, chunk.keys[position]!) });
            });
          },
        );
      }
      options.onProgress?.({ ...progress });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return results;
}

type EncodedItem =
  { ok: true; index: number; key: string; text: string; bytes: number } | { ok: false; error: SenderKitError };

/** Checks one item and encodes its wire body; every way it can fail is its own ValidationError. */
function encodeItem(item: BatchItem | undefined, index: number, base: string | undefined): EncodedItem {
  const own = (item as { idempotencyKey?: unknown } | null | undefined)?.idempotencyKey;
  const key = typeof own === "string" ? own : base === undefined ? randomUUID() : `${base}-${index}`;
  let body;
  try {
    body = batchItemBody(item as BatchItem, own === undefined ? key : (own as string));
  } catch (error) {
    if (!(error instanceof SenderKitError)) throw error;
    return { ok: false, error: withIdempotencyKey(error, key) };
  }
  const encoded = encodeJson(body, `item ${index}`, MAX_ITEM_BYTES);
  if (!encoded.ok) return { ok: false, error: withIdempotencyKey(encoded.error, key) };
  return { ok: true, index, key, text: encoded.text, bytes: encoded.bytes };
}

async function sendChunk(http: HttpClient, chunk: Chunk, signal: AbortSignal | undefined): Promise<BatchResult[]> {
  const { data, status, requestId } = await http.request({
    method: "POST",
    path: "/v1/messages/batch",
    bodyText: BODY_START + chunk.texts.join(",") + BODY_END,
    keysInItems: true,
    schema: batchResultSchema(),
    signal,
  });
  // Place each result by its `index`, never by its position in the answer: a result that cannot
  // be matched to exactly one item leaves that item unaccounted for, and it fails as such.
  const count = chunk.indexes.length;
  const byPosition: ((typeof data.data)[number] | undefined)[] = new Array(count);
  const duplicated = new Set<number>();
  for (const result of data.data) {
    const position = result.index;
    if (!Number.isInteger(position) || position < 0 || position >= count) continue;
    if (byPosition[position] === undefined) byPosition[position] = result;
    else duplicated.add(position);
  }
  return chunk.indexes.map((index, position): BatchResult => {
    const key = chunk.keys[position]!;
    const result = byPosition[position];
    if (result === undefined || duplicated.has(position)) {
      const why = result === undefined ? "no result" : "more than one result";
      const error = new APIError({
        status,
        type: "api_error",
        code: "invalid_response",
        message:
          `POST /v1/messages/batch: the answer has ${why} for this item (index ${position} of ${count} sent); ` +
          "it may or may not have been sent: retry with its idempotencyKey",
        requestId,
      });
      return { index, ok: false, error: withIdempotencyKey(error, key) };
    }
    if (result.ok) return { index, ok: true, message: toMessage(result.message) };
    return { index, ok: false, error: withIdempotencyKey(http.redact(errorFromBatchItem(result.error)), key) };
  });
}

function checkOptions(concurrency: number, chunkSize: number): void {
  const issues: Issue[] = [];
  if (!Number.isInteger(concurrency) || concurrency < 1)
    issues.push({ path: ["concurrency"], message: "expected an integer of 1 or more" });
  if (!Number.isInteger(chunkSize) || chunkSize < 1 || chunkSize > LIMITS.batchItems) {
    issues.push({ path: ["chunkSize"], message: `expected an integer from 1 to ${LIMITS.batchItems}` });
  }
  if (issues.length > 0) throw invalidInput(issues);
}

// Idempotency keys (sections 4 and 10), one store per API key. A record is created when a POST
// with a key starts and holds the finished answer (status and exact body bytes) for 24 hours
// from that first request. Batch items share the namespace with `POST /v1/messages`: an item is
// recorded under the path `/v1/messages` with its JSON (without `idempotency_key`) as fingerprint.
import { ApiError } from "./errors.ts";
import { messageTextAsCreated } from "./store.ts";
import type { StoredMessage } from "./store.ts";

export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
/** The path batch items are recorded under: each is the body of a `POST /v1/messages`. */
export const SEND_PATH = "/v1/messages";

export interface IdempotencyRecord {
  key: string;
  path: string;
  /** A request's body, decoded so that equal strings mean equal bytes (see server.ts `decodeBody`). */
  rawBody: string | undefined;
  /** A batch item's JSON without `idempotency_key`. */
  itemFingerprint: string | undefined;
  state: "in_progress" | "done";
  /** The stored answer, once done: its status and either its body or the message a send created. */
  status: number;
  body: string;
  /**
   * A successful send keeps the message instead of a copy of its JSON: the answer is the message
   * as created, which `messageTextAsCreated` writes out byte for byte again (less memory per send).
   */
  createdMessage: StoredMessage | undefined;
  createdAt: number;
}

/** The exact body of a stored answer. */
export function storedBody(record: IdempotencyRecord): string {
  return record.createdMessage === undefined ? record.body : messageTextAsCreated(record.createdMessage);
}

/** What a request or item brings to compare with an earlier use of its key. */
export type RequestFingerprint = { rawBody: string; itemFingerprint?: undefined } | { rawBody?: undefined; itemFingerprint: string };

export type BeginResult = { kind: "new"; record: IdempotencyRecord } | { kind: "replay"; record: IdempotencyRecord };

export class IdempotencyStore {
  readonly #records = new Map<string, IdempotencyRecord>();

  /**
   * Starts a request under `key`: a new in-progress record, or the finished record to replay.
   * Throws the 409s of section 4 (which are not stored).
   */
  begin(key: string, path: string, fingerprint: RequestFingerprint, now: number): BeginResult {
    const existing = this.#records.get(key);
    if (existing !== undefined && now - existing.createdAt < IDEMPOTENCY_TTL_MS) {
      if (!sameRequest(existing, path, fingerprint)) {
        throw new ApiError(
          "idempotency_key_reused",
          "this Idempotency-Key was already used with a different request (path or body); use a new key for a new request",
        );
      }
      if (existing.state === "in_progress") {
        throw new ApiError(
          "idempotency_request_in_progress",
          "a request with this Idempotency-Key is still being processed; retry after a short wait",
        );
      }
      return { kind: "replay", record: existing };
    }
    const record: IdempotencyRecord = {
      key,
      path,
      rawBody: fingerprint.rawBody,
      itemFingerprint: fingerprint.itemFingerprint,
      state: "in_progress",
      status: 0,
      body: "",
      createdMessage: undefined,
      createdAt: now,
    };
    this.#records.set(key, record);
    return { kind: "new", record };
  }

  /** Stores the answer, or forgets the key when the answer is not kept (5xx, section 10). */
  finish(record: IdempotencyRecord, status: number, body: string | StoredMessage): void {
    if (status >= 500) {
      this.forget(record);
      return;
    }
    record.state = "done";
    record.status = status;
    if (typeof body === "string") record.body = body;
    else record.createdMessage = body;
  }

  /** Drops a record (its request ended without a storable answer). */
  forget(record: IdempotencyRecord): void {
    if (this.#records.get(record.key) === record) this.#records.delete(record.key);
  }
}

function sameRequest(record: IdempotencyRecord, path: string, fingerprint: RequestFingerprint): boolean {
  if (record.path !== path) return false;
  if (record.rawBody !== undefined && fingerprint.rawBody !== undefined) return record.rawBody === fingerprint.rawBody;
  // A batch item against a single send (or the other way round): compare the JSON.
  const recordJson = record.itemFingerprint ?? canonicalJson(record.rawBody);
  const requestJson = fingerprint.itemFingerprint ?? canonicalJson(fingerprint.rawBody);
  return recordJson !== undefined && recordJson === requestJson;
}

/** A raw body re-serialized the way a batch item's fingerprint is, or undefined if it is not JSON. */
function canonicalJson(rawBody: string | undefined): string | undefined {
  if (rawBody === undefined) return undefined;
  try {
    return JSON.stringify(JSON.parse(rawBody === "" ? "{}" : rawBody));
  } catch {
    return undefined;
  }
}

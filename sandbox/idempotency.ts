// Idempotency keys (sections 4 and 10), one store per API key. A record is created when a POST
// with a key starts and holds the finished answer (status and exact body bytes) for 24 hours
// from that first request, on the sandbox's clock; older records are dropped as new ones come.
// Batch items share the namespace with `POST /v1/messages`: an item is recorded under the path
// `/v1/messages` with its JSON (without `idempotency_key`) as fingerprint. Fingerprints are kept
// as SHA-256 digests, never the bodies: a record costs the same for a 1 MiB body as for a tiny one.
import { createHash } from "node:crypto";
import { ApiError } from "./errors.ts";
import { messageTextAsCreated } from "./store.ts";
import type { StoredMessage } from "./store.ts";

export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
/** The path batch items are recorded under: each is the body of a `POST /v1/messages`. */
export const SEND_PATH = "/v1/messages";

export interface IdempotencyRecord {
  key: string;
  path: string;
  /** Digest of the request's body, decoded so that equal strings mean equal bytes (server.ts `decodeBody`). */
  bodyDigest: string | undefined;
  /** Digest of its JSON: a batch item's without `idempotency_key`, or a single send's re-serialized. */
  jsonDigest: string | undefined;
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

/**
 * What a request or item brings to compare with an earlier use of its key: a request its body
 * text (and, for a single send, its JSON), a batch item its JSON only.
 */
export type RequestFingerprint = { body: string; json: string | undefined } | { body?: undefined; json: string };

export type BeginResult = { kind: "new"; record: IdempotencyRecord } | { kind: "replay"; record: IdempotencyRecord };

export class IdempotencyStore {
  /** Oldest first (a reused expired key is re-inserted), so expired records are at the front. */
  readonly #records = new Map<string, IdempotencyRecord>();

  /** Records kept (inspection and tests). */
  get size(): number {
    return this.#records.size;
  }

  /**
   * Starts a request under `key`: a new in-progress record, or the finished record to replay.
   * Throws the 409s of section 4 (which are not stored).
   */
  begin(key: string, path: string, fingerprint: RequestFingerprint, now: number): BeginResult {
    this.#dropExpired(now);
    const existing = this.#records.get(key);
    const bodyDigest = fingerprint.body === undefined ? undefined : digest(fingerprint.body);
    const jsonDigest = fingerprint.json === undefined ? undefined : digest(fingerprint.json);
    if (existing !== undefined) {
      if (!sameRequest(existing, path, bodyDigest, jsonDigest)) {
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
      bodyDigest,
      jsonDigest,
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

  /** Drops the records older than 24 hours; they are at the front of the map. */
  #dropExpired(now: number): void {
    for (const [key, record] of this.#records) {
      if (now - record.createdAt < IDEMPOTENCY_TTL_MS) break;
      this.#records.delete(key);
    }
  }

  /** Drops a record (its request ended without a storable answer). */
  forget(record: IdempotencyRecord): void {
    if (this.#records.get(record.key) === record) this.#records.delete(record.key);
  }
}

function sameRequest(
  record: IdempotencyRecord,
  path: string,
  bodyDigest: string | undefined,
  jsonDigest: string | undefined,
): boolean {
  if (record.path !== path) return false;
  if (record.bodyDigest !== undefined && bodyDigest !== undefined) return record.bodyDigest === bodyDigest;
  // A batch item against a single send (or the other way round): compare the JSON.
  return record.jsonDigest !== undefined && record.jsonDigest === jsonDigest;
}

function digest(text: string): string {
  return createHash("sha256").update(text).digest("base64");
}

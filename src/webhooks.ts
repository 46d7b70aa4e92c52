// Webhook signatures, section 8 of the contract:
//   X-SenderKit-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>[,v1=…]
import { createHmac, timingSafeEqual } from "node:crypto";
import { SignatureVerificationError, invalidInput } from "./errors.ts";
import type { Issue } from "./errors.ts";
import { webhookEventSchema } from "./internal/wire.ts";

export const SIGNATURE_HEADER = "x-senderkit-signature";
export const DEFAULT_TOLERANCE_SECONDS = 300;

export interface WebhookEvent<Payload = Record<string, unknown>> {
  id: string;
  type: string;
  createdAt: string;
  payload: Payload;
  /** The parsed body, as sent. */
  raw: Record<string, unknown>;
}

export interface WebhookVerifierOptions {
  /** The endpoint's `whsec_…` signing secret; several during a rotation. */
  secret: string | readonly string[];
  /** How far `t` may be from now, in either direction. Default 300 seconds. */
  toleranceSeconds?: number;
}

export type RawBody = string | Uint8Array;
/** The header as Node's `req.headers["x-senderkit-signature"]` gives it. */
export type SignatureHeader = string | readonly string[] | null | undefined;

/** `whsec_` and the secret's characters (the sandbox issues base64). */
const WEBHOOK_SECRET_PATTERN = /^whsec_[A-Za-z0-9+/=_-]+$/;

/**
 * Computes the `X-SenderKit-Signature` header value for a body: one `v1` per secret,
 * in the order given (newest first during a rotation).
 */
export function signWebhook(
  secret: string | readonly string[],
  rawBody: RawBody,
  options: { timestamp?: number } = {},
): string {
  const secrets = typeof secret === "string" ? [secret] : secret;
  if (secrets.length === 0) throw new TypeError("signWebhook: at least one secret is required");
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const parts = [`t=${timestamp}`];
  for (const s of secrets) parts.push(`v1=${hmacHex(s, timestamp, rawBody)}`);
  return parts.join(",");
}

export class WebhookVerifier {
  readonly #secrets: readonly string[];
  readonly #toleranceSeconds: number;

  constructor(options: WebhookVerifierOptions) {
    const given = (options as WebhookVerifierOptions | undefined)?.secret;
    const secrets: unknown[] = typeof given === "string" ? [given] : Array.isArray(given) ? [...given] : [];
    const tolerance = options?.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
    // Never echo a secret: say only what is wrong with it.
    const issues: Issue[] = [];
    if (secrets.length === 0)
      issues.push({ path: ["secret"], message: "expected a whsec_ signing secret or a list of them" });
    secrets.forEach((secret, index) => {
      if (typeof secret !== "string" || !WEBHOOK_SECRET_PATTERN.test(secret)) {
        const path = typeof given === "string" ? ["secret"] : ["secret", index];
        issues.push({
          path,
          message: "expected a whsec_ signing secret (whsec_ followed by letters, digits, +, / or =)",
        });
      }
    });
    // NaN (Number("300s")) or Infinity would accept a signature of any age.
    if (typeof tolerance !== "number" || !Number.isFinite(tolerance) || tolerance < 0) {
      issues.push({ path: ["toleranceSeconds"], message: "expected a finite number of seconds, 0 or more" });
    }
    if (issues.length > 0) throw invalidInput(issues);
    this.#secrets = secrets as string[];
    this.#toleranceSeconds = tolerance;
  }

  /**
   * Checks the signature against the raw body (before any parsing) and returns the event.
   * Throws SignatureVerificationError with a specific `reason` otherwise.
   */
  verify(rawBody: RawBody, signatureHeader: SignatureHeader, now: Date = new Date()): WebhookEvent {
    if (typeof rawBody !== "string" && !(rawBody instanceof Uint8Array)) {
      throw new SignatureVerificationError(
        "body_not_raw",
        "pass the raw request body (a string or bytes), not a parsed object",
      );
    }
    // Node gives a header repeated by a proxy as a list (or joined with ", "): the elements are
    // read as one header, as Stripe's verifier does with its comma-separated parts.
    if (Array.isArray(signatureHeader)) signatureHeader = signatureHeader.join(",");
    if (typeof signatureHeader !== "string" || signatureHeader.trim() === "") {
      throw new SignatureVerificationError("missing_header", "the X-SenderKit-Signature header is missing");
    }
    if (!(now instanceof Date) || Number.isNaN(now.getTime()))
      throw new TypeError("WebhookVerifier.verify: now must be a valid Date");
    const { timestamp, timestampText, signatures } = parseSignatureHeader(signatureHeader);
    const age = Math.floor(now.getTime() / 1000) - timestamp;
    if (Math.abs(age) > this.#toleranceSeconds) {
      throw new SignatureVerificationError(
        "timestamp_out_of_tolerance",
        `the signature timestamp is ${Math.abs(age)}s ${age >= 0 ? "old" : "in the future"} (tolerance ${this.#toleranceSeconds}s)`,
      );
    }
    const matched = this.#secrets.some((secret) => {
      // The signed message is "<t>.<body>" with t exactly as the header gives it.
      const expected = Buffer.from(hmacHex(secret, timestampText, rawBody), "utf8");
      // Compare every candidate, in constant time, so timing reveals nothing.
      let found = false;
      for (const candidate of signatures) {
        if (candidate.length === expected.length && timingSafeEqual(candidate, expected)) found = true;
      }
      return found;
    });
    if (!matched)
      throw new SignatureVerificationError("no_matching_signature", "no signature matches the body and secret");
    return parseEvent(rawBody);
  }
}

function hmacHex(secret: string, timestamp: number | string, rawBody: RawBody): string {
  return createHmac("sha256", secret).update(`${timestamp}.`).update(rawBody).digest("hex");
}

function parseSignatureHeader(header: string): { timestamp: number; timestampText: string; signatures: Buffer[] } {
  let timestampText: string | undefined;
  const signatures: Buffer[] = [];
  for (const part of header.split(",")) {
    const eq = part.indexOf("=");
    if (eq <= 0) throw malformed("an element is not key=value");
    // Spaces around elements are tolerated (as Stripe's parser does); t itself must be canonical.
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === "t") {
      if (timestampText !== undefined) throw malformed("t appears more than once");
      if (!/^(0|[1-9]\d{0,11})$/.test(value)) throw malformed("t is not a unix timestamp");
      timestampText = value;
    } else if (key === "v1") {
      // Only well-formed values can match; keep them as bytes for timingSafeEqual.
      if (/^[0-9a-f]{64}$/.test(value)) signatures.push(Buffer.from(value, "utf8"));
    }
    // Other schemes (v0, future versions) are ignored, as the contract allows new ones.
  }
  if (timestampText === undefined) throw malformed("no t= element");
  if (signatures.length === 0) throw malformed("no well-formed v1= element");
  return { timestamp: Number(timestampText), timestampText, signatures };
}

function malformed(detail: string): SignatureVerificationError {
  return new SignatureVerificationError("malformed_header", `the X-SenderKit-Signature header is malformed: ${detail}`);
}

function parseEvent(rawBody: RawBody): WebhookEvent {
  let text: string;
  try {
    text = typeof rawBody === "string" ? rawBody : new TextDecoder("utf-8", { fatal: true }).decode(rawBody);
  } catch {
    throw new SignatureVerificationError("body_not_json", "the body is not valid UTF-8");
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new SignatureVerificationError("body_not_json", "the body is not JSON");
  }
  const result = webhookEventSchema.safeParse(parsed);
  if (!result.success) {
    throw new SignatureVerificationError(
      "body_not_json",
      "the body is not a SenderKit event (id, type, created_at, payload)",
    );
  }
  const event = result.data;
  return { id: event.id, type: event.type, createdAt: event.created_at, payload: event.payload, raw: event };
}

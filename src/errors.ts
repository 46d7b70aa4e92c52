// The error hierarchy. Every error the package throws is a SenderKitError:
//
//   SenderKitError
//   ├── APIError (status, type, code, issues, requestId, headers)
//   │   ├── AuthenticationError (401, 403)   ├── ConflictError (409)
//   │   ├── ValidationError (400, 422, and    ├── RateLimitError (429, retryAfter)
//   │   │   bad input caught before sending)  └── InternalServerError (5xx)
//   │   ├── PaymentRequiredError (402)
//   │   └── NotFoundError (404)
//   ├── TimeoutError
//   ├── NetworkError
//   └── SignatureVerificationError (reason)
//
// This module loads nothing else (no zod), so code that only needs the classes (the Action's
// failure messages, lint) stays light; building errors from responses is in api-errors.ts.

export interface Issue {
  path: (string | number)[];
  message: string;
  line?: number;
  column?: number;
}

export class SenderKitError extends Error {
  override name = "SenderKitError";
  /**
   * On the failure of a POST: the Idempotency-Key that was sent (yours or the generated one), or
   * a batch item's key. The server may have committed the request before failing; retry with
   * this key and it is done exactly once.
   */
  idempotencyKey: string | undefined = undefined;
}

/** The same error (class, message, fields, stack) for another batch item, carrying that item's key. */
export function withIdempotencyKey<E extends SenderKitError>(error: E, key: string): E {
  if (error.idempotencyKey === key) return error;
  const copy = Object.create(Object.getPrototypeOf(error) as object, Object.getOwnPropertyDescriptors(error)) as E;
  copy.idempotencyKey = key;
  return copy;
}

export interface APIErrorFields {
  status: number | undefined;
  type: string;
  code: string;
  message: string;
  issues?: Issue[] | undefined;
  requestId?: string | undefined;
  headers?: Record<string, string> | undefined;
}

export class APIError extends SenderKitError {
  override name = "APIError";
  /** HTTP status; undefined for input rejected before any request was made. */
  readonly status: number | undefined;
  readonly type: string;
  readonly code: string;
  readonly issues: Issue[];
  /** Quote this in support tickets. */
  readonly requestId: string | undefined;
  readonly headers: Record<string, string>;

  constructor(fields: APIErrorFields) {
    super(fields.message);
    this.status = fields.status;
    this.type = fields.type;
    this.code = fields.code;
    this.issues = fields.issues ?? [];
    this.requestId = fields.requestId;
    this.headers = fields.headers ?? {};
  }
}

export class AuthenticationError extends APIError {
  override name = "AuthenticationError";
}
export class ValidationError extends APIError {
  override name = "ValidationError";
}
export class PaymentRequiredError extends APIError {
  override name = "PaymentRequiredError";
}
export class NotFoundError extends APIError {
  override name = "NotFoundError";
}
export class ConflictError extends APIError {
  override name = "ConflictError";
}
export class RateLimitError extends APIError {
  override name = "RateLimitError";
  /** Seconds to wait, from `Retry-After`; undefined when the header was absent. */
  readonly retryAfter: number | undefined;
  constructor(fields: APIErrorFields & { retryAfter?: number | undefined }) {
    super(fields);
    this.retryAfter = fields.retryAfter;
  }
}
export class InternalServerError extends APIError {
  override name = "InternalServerError";
}

export class TimeoutError extends SenderKitError {
  override name = "TimeoutError";
}
export class NetworkError extends SenderKitError {
  override name = "NetworkError";
}

export type SignatureFailureReason =
  | "missing_header"
  | "malformed_header"
  | "timestamp_out_of_tolerance"
  | "no_matching_signature"
  | "body_not_json"
  | "body_not_raw";

export class SignatureVerificationError extends SenderKitError {
  override name = "SignatureVerificationError";
  readonly reason: SignatureFailureReason;
  constructor(reason: SignatureFailureReason, message: string) {
    super(message);
    this.reason = reason;
  }
}

/** Input rejected before any request was made: no status, no request id. */
export function invalidInput(issues: Issue[]): ValidationError {
  const summary = issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`).join("; ");
  return new ValidationError({
    status: undefined,
    type: "validation_error",
    code: "invalid_parameter",
    message: summary,
    issues,
  });
}

export function formatPath(path: readonly (string | number)[]): string {
  if (path.length === 0) return "(body)";
  return path.map((part, i) => (typeof part === "number" ? `[${part}]` : i === 0 ? part : `.${part}`)).join("");
}

/** `Retry-After` in seconds (an integer or an HTTP date); undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, (date - now) / 1000);
}

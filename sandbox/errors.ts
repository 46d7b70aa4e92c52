// The contract's error table (section 3): every code the sandbox answers with, its status and
// type, and the JSON body of an error. Handlers throw `ApiError`; the server turns it into a body.

export type ErrorCode =
  | "invalid_json"
  | "invalid_parameter"
  | "body_too_large"
  | "authentication_required"
  | "invalid_api_key"
  | "plan_limit_reached"
  | "api_key_revoked"
  | "forbidden"
  | "message_not_found"
  | "template_not_found"
  | "webhook_endpoint_not_found"
  | "route_not_found"
  | "template_exists"
  | "message_not_cancellable"
  | "idempotency_key_reused"
  | "idempotency_request_in_progress"
  | "invalid_recipient"
  | "missing_variables"
  | "template_syntax_error"
  | "unknown_template"
  | "channel_mismatch"
  | "recipient_suppressed"
  | "scheduled_at_in_past"
  | "batch_too_large"
  | "invalid_events"
  | "invalid_url"
  | "rate_limited"
  | "internal_error"
  | "unavailable";

export interface Issue {
  path: (string | number)[];
  message: string;
  line?: number;
  column?: number;
}

type ErrorType =
  | "validation_error"
  | "authentication_error"
  | "payment_required"
  | "not_found"
  | "conflict"
  | "rate_limited"
  | "api_error";

const STATUS_AND_TYPE: Record<ErrorCode, readonly [number, ErrorType]> = {
  invalid_json: [400, "validation_error"],
  invalid_parameter: [400, "validation_error"],
  body_too_large: [400, "validation_error"],
  authentication_required: [401, "authentication_error"],
  invalid_api_key: [401, "authentication_error"],
  plan_limit_reached: [402, "payment_required"],
  api_key_revoked: [403, "authentication_error"],
  forbidden: [403, "authentication_error"],
  message_not_found: [404, "not_found"],
  template_not_found: [404, "not_found"],
  webhook_endpoint_not_found: [404, "not_found"],
  route_not_found: [404, "not_found"],
  template_exists: [409, "conflict"],
  message_not_cancellable: [409, "conflict"],
  idempotency_key_reused: [409, "conflict"],
  idempotency_request_in_progress: [409, "conflict"],
  invalid_recipient: [422, "validation_error"],
  missing_variables: [422, "validation_error"],
  template_syntax_error: [422, "validation_error"],
  unknown_template: [422, "validation_error"],
  channel_mismatch: [422, "validation_error"],
  recipient_suppressed: [422, "validation_error"],
  scheduled_at_in_past: [422, "validation_error"],
  batch_too_large: [422, "validation_error"],
  invalid_events: [422, "validation_error"],
  invalid_url: [422, "validation_error"],
  rate_limited: [429, "rate_limited"],
  internal_error: [500, "api_error"],
  unavailable: [503, "api_error"],
};

/**
 * An error answer. Not an `Error` subclass on purpose: it is thrown for ordinary validation
 * failures, and capturing a stack trace for each would only cost time.
 */
export class ApiError {
  readonly code: ErrorCode;
  readonly status: number;
  readonly type: ErrorType;
  readonly message: string;
  /** Present on 400 and 422 only (section 3). */
  readonly issues: Issue[] | undefined;

  constructor(code: ErrorCode, message: string, issues?: Issue[]) {
    const [status, type] = STATUS_AND_TYPE[code];
    this.code = code;
    this.status = status;
    this.type = type;
    this.message = message;
    this.issues = this.status === 400 || this.status === 422 ? (issues ?? []) : undefined;
  }

  /** The `error` member of the body; `requestId` is left out for batch items (section 10). */
  toJSON(requestId?: string): Record<string, unknown> {
    const error: Record<string, unknown> = { type: this.type, code: this.code, message: this.message };
    if (this.issues !== undefined) error.issues = this.issues;
    if (requestId !== undefined) error.request_id = requestId;
    return error;
  }
}

export function errorBody(error: ApiError, requestId: string): string {
  return JSON.stringify({ error: error.toJSON(requestId) });
}

/** `400 invalid_parameter` listing every issue; the message names the first. */
export function invalidParameter(issues: Issue[]): ApiError {
  return new ApiError("invalid_parameter", summarize(issues, "invalid parameters"), issues);
}

/** A 422 whose message names its first issue, like `to: "bob@" is not a valid email address`. */
export function validationFailure(code: ErrorCode, issues: Issue[], fallback: string): ApiError {
  return new ApiError(code, summarize(issues, fallback), issues);
}

function summarize(issues: Issue[], fallback: string): string {
  const first = issues[0];
  if (first === undefined) return fallback;
  const where = first.path.length > 0 ? `${first.path.join(".")}: ` : "";
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : "";
  return `${where}${first.message}${more}`;
}

/** Prefixes item-relative or field-relative issue paths. */
export function prefixIssues(prefix: (string | number)[], issues: Issue[]): Issue[] {
  return issues.map((issue) => ({ ...issue, path: [...prefix, ...issue.path] }));
}

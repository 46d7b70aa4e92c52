// The contract's error table (section 3): every error code with its HTTP status and type. The one
// source for both directions: the sandbox answers a code with its status and type, and the client
// types an answer from its status (or a batch item's error from its type) through the same rows.

export const ERROR_CODES = {
  invalid_json: { status: 400, type: "validation_error" },
  invalid_parameter: { status: 400, type: "validation_error" },
  body_too_large: { status: 400, type: "validation_error" },
  authentication_required: { status: 401, type: "authentication_error" },
  invalid_api_key: { status: 401, type: "authentication_error" },
  plan_limit_reached: { status: 402, type: "payment_required" },
  api_key_revoked: { status: 403, type: "authentication_error" },
  forbidden: { status: 403, type: "authentication_error" },
  message_not_found: { status: 404, type: "not_found" },
  template_not_found: { status: 404, type: "not_found" },
  webhook_endpoint_not_found: { status: 404, type: "not_found" },
  route_not_found: { status: 404, type: "not_found" },
  template_exists: { status: 409, type: "conflict" },
  message_not_cancellable: { status: 409, type: "conflict" },
  idempotency_key_reused: { status: 409, type: "conflict" },
  idempotency_request_in_progress: { status: 409, type: "conflict" },
  invalid_recipient: { status: 422, type: "validation_error" },
  missing_variables: { status: 422, type: "validation_error" },
  template_syntax_error: { status: 422, type: "validation_error" },
  unknown_template: { status: 422, type: "validation_error" },
  channel_mismatch: { status: 422, type: "validation_error" },
  recipient_suppressed: { status: 422, type: "validation_error" },
  scheduled_at_in_past: { status: 422, type: "validation_error" },
  batch_too_large: { status: 422, type: "validation_error" },
  invalid_events: { status: 422, type: "validation_error" },
  invalid_url: { status: 422, type: "validation_error" },
  rate_limited: { status: 429, type: "rate_limited" },
  internal_error: { status: 500, type: "api_error" },
  unavailable: { status: 503, type: "api_error" },
} as const satisfies Record<string, { status: number; type: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;
export type ErrorType = (typeof ERROR_CODES)[ErrorCode]["type"];

const TYPE_OF_STATUS = new Map<number, ErrorType>();
const STATUSES_OF_TYPE = new Map<ErrorType, Set<number>>();
for (const { status, type } of Object.values(ERROR_CODES)) {
  TYPE_OF_STATUS.set(status, type);
  STATUSES_OF_TYPE.set(type, (STATUSES_OF_TYPE.get(type) ?? new Set()).add(status));
}

/** The type the table gives a status; any 5xx is `api_error`; undefined for a status not in it. */
export function typeOfStatus(status: number): ErrorType | undefined {
  return TYPE_OF_STATUS.get(status) ?? (status >= 500 ? "api_error" : undefined);
}

/** The status of a type when the table gives it exactly one (a batch item's error has no status of its own). */
export function statusOfType(type: string): number | undefined {
  const statuses = STATUSES_OF_TYPE.get(type as ErrorType);
  return statuses?.size === 1 ? [...statuses][0] : undefined;
}

// Typed errors from the API's answers: an HTTP error response, or an item error inside a 200
// batch answer.
import {
  APIError,
  AuthenticationError,
  ConflictError,
  InternalServerError,
  NotFoundError,
  PaymentRequiredError,
  RateLimitError,
  ValidationError,
  parseRetryAfter,
} from "./errors.ts";
import type { APIErrorFields, Issue } from "./errors.ts";
import { errorBodySchema } from "./wire.ts";

/** The typed error for an HTTP error response; works from the status alone when the body is not JSON. */
export function errorFromResponse(status: number, headers: Record<string, string>, bodyText: string): APIError {
  let wire: { type?: string; code?: string; message?: string; issues?: Issue[]; request_id?: string } = {};
  try {
    const parsed = errorBodySchema.safeParse(JSON.parse(bodyText));
    if (parsed.success) wire = parsed.data.error;
  } catch {
    // A proxy's HTML page: the status decides.
  }
  const requestId = wire.request_id ?? headers["x-request-id"];
  const fields: APIErrorFields = {
    status,
    type: wire.type ?? defaultType(status),
    code: wire.code ?? (status >= 500 ? "internal_error" : "unknown_error"),
    message: wire.message ?? `HTTP ${status}${status >= 500 ? " (the response was not a SenderKit error body)" : ""}`,
    issues: wire.issues,
    requestId,
    headers,
  };
  if (status === 400 || status === 422) return new ValidationError(fields);
  if (status === 401 || status === 403) return new AuthenticationError(fields);
  if (status === 402) return new PaymentRequiredError(fields);
  if (status === 404) return new NotFoundError(fields);
  if (status === 409) return new ConflictError(fields);
  if (status === 429) return new RateLimitError({ ...fields, retryAfter: parseRetryAfter(headers["retry-after"]) });
  if (status >= 500) return new InternalServerError(fields);
  return new APIError(fields);
}

/** An item error inside a 200 batch answer: typed like a response error of its type. */
export function errorFromBatchItem(item: { type: string; code: string; message: string; issues?: Issue[] | undefined }): APIError {
  const status = STATUS_OF_TYPE[item.type];
  const fields: APIErrorFields = { status, type: item.type, code: item.code, message: item.message, issues: item.issues };
  if (item.type === "validation_error") return new ValidationError(fields);
  if (item.type === "authentication_error") return new AuthenticationError(fields);
  if (item.type === "payment_required") return new PaymentRequiredError(fields);
  if (item.type === "not_found") return new NotFoundError(fields);
  if (item.type === "conflict") return new ConflictError(fields);
  if (item.type === "rate_limited") return new RateLimitError(fields);
  if (item.type === "api_error") return new InternalServerError(fields);
  return new APIError(fields);
}

const STATUS_OF_TYPE: Record<string, number> = {
  payment_required: 402,
  not_found: 404,
  conflict: 409,
  rate_limited: 429,
  api_error: 500,
};

function defaultType(status: number): string {
  if (status === 400 || status === 422) return "validation_error";
  if (status === 401 || status === 403) return "authentication_error";
  if (status === 402) return "payment_required";
  if (status === 404) return "not_found";
  if (status === 409) return "conflict";
  if (status === 429) return "rate_limited";
  return "api_error";
}


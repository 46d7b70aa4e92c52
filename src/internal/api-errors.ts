// Typed errors from the API's answers: an HTTP error response, or an item error inside a 200
// batch answer. The class comes from the error's type, and the type of a status from the
// contract's one error table (internal/error-table.ts).
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
} from "../errors.ts";
import type { APIErrorFields, Issue } from "../errors.ts";
import { statusOfType, typeOfStatus } from "./error-table.ts";
import type { ErrorType } from "./error-table.ts";
import { errorBodySchema } from "./wire-schemas.ts";

const CLASS_OF_TYPE: Record<ErrorType, new (fields: APIErrorFields) => APIError> = {
  validation_error: ValidationError,
  authentication_error: AuthenticationError,
  payment_required: PaymentRequiredError,
  not_found: NotFoundError,
  conflict: ConflictError,
  rate_limited: RateLimitError,
  api_error: InternalServerError,
};

/** The typed error for an HTTP error response; works from the status alone when the body is not JSON. */
export function errorFromResponse(status: number, headers: Record<string, string>, bodyText: string): APIError {
  let wire: { type?: string; code?: string; message?: string; issues?: Issue[]; request_id?: string } = {};
  try {
    const parsed = errorBodySchema().safeParse(JSON.parse(bodyText));
    if (parsed.success) wire = parsed.data.error;
  } catch {
    // A proxy's HTML page: the status decides.
  }
  const statusType = typeOfStatus(status);
  const fields: APIErrorFields = {
    status,
    type: wire.type ?? statusType ?? "api_error",
    code: wire.code ?? (status >= 500 ? "internal_error" : "unknown_error"),
    message: wire.message ?? `HTTP ${status}${status >= 500 ? " (the response was not a SenderKit error body)" : ""}`,
    issues: wire.issues,
    requestId: wire.request_id ?? headers["x-request-id"],
    headers,
  };
  // The status decides the class (a body's type cannot turn a 500 into a ValidationError).
  if (statusType === "rate_limited")
    return new RateLimitError({ ...fields, retryAfter: parseRetryAfter(headers["retry-after"]) });
  return statusType === undefined ? new APIError(fields) : new CLASS_OF_TYPE[statusType](fields);
}

/** An item error inside a 200 batch answer: typed like a response error of its type. */
export function errorFromBatchItem(item: {
  type: string;
  code: string;
  message: string;
  issues?: Issue[] | undefined;
}): APIError {
  const fields: APIErrorFields = {
    status: statusOfType(item.type),
    type: item.type,
    code: item.code,
    message: item.message,
    issues: item.issues,
  };
  const Class = CLASS_OF_TYPE[item.type as ErrorType] as (new (fields: APIErrorFields) => APIError) | undefined;
  return Class === undefined ? new APIError(fields) : new Class(fields);
}

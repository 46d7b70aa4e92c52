// Error answers: handlers throw `ApiError` with a code of the contract's table (section 3, in
// src/internal/error-table.ts, which the client reads too); the server turns it into the body.
import { ERROR_CODES } from "../src/internal/error-table.ts";
import type { ErrorCode, ErrorType } from "../src/internal/error-table.ts";
import type { Issue } from "../src/errors.ts";

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
    const { status, type } = ERROR_CODES[code];
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

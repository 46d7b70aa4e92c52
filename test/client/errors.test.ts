// Every row of the contract's error table maps to the right class, with requestId and issues;
// nothing here is retried (maxRetries 0), so each case is one request.
import { afterEach, describe, expect, it } from "vitest";
import { SenderKit, errors } from "../../src/index.ts";
import { ApiError, errorBody as sandboxErrorBody } from "../../sandbox/errors.ts";
import { errorFromBatchItem, errorFromResponse } from "../../src/internal/api-errors.ts";
import { ERROR_CODES } from "../../src/internal/error-table.ts";
import { TEST_KEY, errorBody, json, startScriptedServer } from "../helpers/scripted-server.ts";
import type { ScriptedServer } from "../helpers/scripted-server.ts";

let server: ScriptedServer | undefined;
afterEach(async () => server?.close());

const TABLE: [number, string, string, new (...args: never[]) => errors.APIError][] = [
  [400, "validation_error", "invalid_json", errors.ValidationError],
  [400, "validation_error", "invalid_parameter", errors.ValidationError],
  [400, "validation_error", "body_too_large", errors.ValidationError],
  [401, "authentication_error", "authentication_required", errors.AuthenticationError],
  [401, "authentication_error", "invalid_api_key", errors.AuthenticationError],
  [402, "payment_required", "plan_limit_reached", errors.PaymentRequiredError],
  [403, "authentication_error", "api_key_revoked", errors.AuthenticationError],
  [403, "authentication_error", "forbidden", errors.AuthenticationError],
  [404, "not_found", "message_not_found", errors.NotFoundError],
  [404, "not_found", "template_not_found", errors.NotFoundError],
  [404, "not_found", "webhook_endpoint_not_found", errors.NotFoundError],
  [404, "not_found", "route_not_found", errors.NotFoundError],
  [409, "conflict", "template_exists", errors.ConflictError],
  [409, "conflict", "message_not_cancellable", errors.ConflictError],
  [409, "conflict", "idempotency_key_reused", errors.ConflictError],
  [409, "conflict", "idempotency_request_in_progress", errors.ConflictError],
  [422, "validation_error", "invalid_recipient", errors.ValidationError],
  [422, "validation_error", "missing_variables", errors.ValidationError],
  [422, "validation_error", "template_syntax_error", errors.ValidationError],
  [422, "validation_error", "unknown_template", errors.ValidationError],
  [422, "validation_error", "channel_mismatch", errors.ValidationError],
  [422, "validation_error", "recipient_suppressed", errors.ValidationError],
  [422, "validation_error", "scheduled_at_in_past", errors.ValidationError],
  [422, "validation_error", "batch_too_large", errors.ValidationError],
  [422, "validation_error", "invalid_events", errors.ValidationError],
  [422, "validation_error", "invalid_url", errors.ValidationError],
  [429, "rate_limited", "rate_limited", errors.RateLimitError],
  [500, "api_error", "internal_error", errors.InternalServerError],
  [502, "api_error", "unavailable", errors.InternalServerError],
  [503, "api_error", "unavailable", errors.InternalServerError],
  [504, "api_error", "unavailable", errors.InternalServerError],
];

describe("error table", () => {
  it.each(TABLE)("%i %s %s → %o", async (status, type, code, ErrorClass) => {
    const withIssues = status === 400 || status === 422;
    const issues = withIssues ? [{ path: ["to"], message: "not a valid email address" }] : undefined;
    server = await startScriptedServer((_req, res) =>
      json(res, status, errorBody(type, code, issues ? { issues } : {}), status === 429 ? { "retry-after": "7" } : {}),
    );
    const sk = new SenderKit({ apiKey: TEST_KEY, baseUrl: server.url, maxRetries: 0 });
    const error = await sk.messages.get("msg_1").catch((e: unknown) => e);
    await sk.close();

    expect(error).toBeInstanceOf(ErrorClass);
    expect(error).toBeInstanceOf(errors.APIError);
    expect(error).toBeInstanceOf(errors.SenderKitError);
    const apiError = error as errors.APIError;
    expect(apiError.status).toBe(status);
    expect(apiError.type).toBe(type);
    expect(apiError.code).toBe(code);
    expect(apiError.requestId).toBe("req_0f3c9e1a2b4d5e6f7a8b9c0d");
    expect(apiError.issues).toEqual(issues ?? []);
    expect(apiError.headers["content-type"]).toBe("application/json");
    if (status === 429) expect((error as errors.RateLimitError).retryAfter).toBe(7);
    expect(apiError.message).not.toContain(TEST_KEY);
  });

  it("types a 5xx with an HTML body from the status alone, with the header's request id", async () => {
    server = await startScriptedServer((_req, res) => {
      res.writeHead(502, { "content-type": "text/html", "x-request-id": "req_aaaaaaaaaaaaaaaaaaaaaaaa" });
      res.end("<html><body>Bad Gateway</body></html>");
    });
    const sk = new SenderKit({ apiKey: TEST_KEY, baseUrl: server.url, maxRetries: 0 });
    const error = (await sk.messages.get("msg_1").catch((e: unknown) => e)) as errors.APIError;
    await sk.close();
    expect(error).toBeInstanceOf(errors.InternalServerError);
    expect(error.status).toBe(502);
    expect(error.type).toBe("api_error");
    expect(error.requestId).toBe("req_aaaaaaaaaaaaaaaaaaaaaaaa");
  });

  it("reports a response that breaks the contract, naming the field", async () => {
    server = await startScriptedServer((_req, res) =>
      json(res, 200, { object: "message", id: "msg_1", status: "teleported" }),
    );
    const sk = new SenderKit({ apiKey: TEST_KEY, baseUrl: server.url, maxRetries: 0 });
    const error = (await sk.messages.get("msg_1").catch((e: unknown) => e)) as errors.APIError;
    await sk.close();
    expect(error).toBeInstanceOf(errors.APIError);
    expect(error.code).toBe("invalid_response");
    expect(error.message).toContain("status");
    expect(error.issues.map((issue) => issue.path[0])).toContain("status");
  });

  it("keeps unknown fields of a response in raw", async () => {
    server = await startScriptedServer((_req, res) =>
      json(res, 200, {
        object: "message",
        id: "msg_1",
        status: "queued",
        channel: "sms",
        to: "+15555550123",
        template: null,
        template_version: null,
        metadata: {},
        scheduled_at: null,
        created_at: "2026-11-22T10:00:00.000Z",
        updated_at: "2026-11-22T10:00:00.000Z",
        error: null,
        segments: 2,
      }),
    );
    const sk = new SenderKit({ apiKey: TEST_KEY, baseUrl: server.url });
    const message = await sk.messages.get("msg_1");
    await sk.close();
    expect(message.raw.segments).toBe(2);
    expect(message.templateVersion).toBeNull();
  });
});

describe("one error table for both sides", () => {
  it("every code the sandbox can answer becomes, in the client, the class of its type, with its code and status", () => {
    const classOfType: Record<string, new (...args: never[]) => errors.APIError> = {
      validation_error: errors.ValidationError,
      authentication_error: errors.AuthenticationError,
      payment_required: errors.PaymentRequiredError,
      not_found: errors.NotFoundError,
      conflict: errors.ConflictError,
      rate_limited: errors.RateLimitError,
      api_error: errors.InternalServerError,
    };
    const codes = Object.keys(ERROR_CODES) as (keyof typeof ERROR_CODES)[];
    // The table above is the contract's, typed out independently: the same codes.
    expect(new Set(codes)).toEqual(new Set(TABLE.map(([, , code]) => code)));
    for (const code of codes) {
      const answer = new ApiError(code, "m");
      const error = errorFromResponse(answer.status, {}, sandboxErrorBody(answer, "req_000000000000000000000001"));
      expect(error).toBeInstanceOf(classOfType[answer.type]!);
      expect([error.status, error.type, error.code]).toEqual([answer.status, answer.type, code]);
      const item = errorFromBatchItem(answer.toJSON() as { type: string; code: string; message: string });
      expect(item).toBeInstanceOf(classOfType[answer.type]!);
    }
  });
});

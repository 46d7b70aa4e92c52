// The HTTP side: one pass per request through
//   fault? → authenticate → rate limit → route → (POST/PATCH: Idempotency-Key check, read body,
//   idempotency claim or replay) → content type and JSON → handler → answer (late? reset?).
// Everything before the handler that fails answers with the contract's error body and is never
// stored under an idempotency key; everything the handler answers below 500 is (section 10).
import http from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import { isPlainObject } from "../src/internal/plain-objects.ts";
import { LIMITS, idempotencyKeyProblem } from "../src/internal/rules.ts";
import type { ApiRequest } from "./api.ts";
import type { KeyContext, KeyRegistry } from "./auth.ts";
import { ApiError, errorBody, invalidParameter } from "./errors.ts";
import type { FaultInjector, ForcedFaultKind } from "./faults.ts";
import { newRequestId } from "./ids.ts";
import { SEND_PATH, storedBody } from "./idempotency.ts";
import type { IdempotencyRecord, IdempotencyStore } from "./idempotency.ts";
import type { Lifecycle } from "./lifecycle.ts";
import type { RateLimitVerdict, RateLimiter } from "./rate-limit.ts";
import { matchRoute } from "./routes.ts";
import type { RouteMatch } from "./routes.ts";
import type { StoredMessage } from "./store.ts";

const JSON_TYPE = "application/json; charset=utf-8";
/** After answering `body_too_large`, the rest of the body is read and dropped up to this much, then the connection is cut. */
const DISCARD_LIMIT_BYTES = 16 * LIMITS.bodyBytes;
/** Keeps a leading BOM, so that equal decoded strings always mean equal bytes. */
const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
/** Starts the stand-in for a body that is not UTF-8: a lone surrogate never comes out of a UTF-8 decode. */
const NOT_UTF8 = "\uD800";
/** A body nested deeper than this (objects and arrays; the body itself is level 1) is `400 invalid_parameter`. */
const MAX_JSON_DEPTH = 64;

const BAD_GATEWAY_HTML =
  "<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>\n" +
  "<body><center><h1>502 Bad Gateway</h1></center><hr><center>senderkit-sandbox (injected fault)</center></body></html>\n";

export interface RequestCounters {
  /** Requests received. */
  total: number;
  /** Answers sent, by status code. */
  byStatus: Record<number, number>;
  /** Faults injected, by kind. */
  faults: Partial<Record<ForcedFaultKind, number>>;
}

export interface ApiServerDeps {
  keys: KeyRegistry;
  limiter: RateLimiter;
  faults: FaultInjector;
  lifecycle: Lifecycle;
  counters: RequestCounters;
}

/** One request on its way through the pipeline. */
interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  requestId: string;
  /** A fault that acts later (`late`, `reset_after_commit`, `500_in_handler`), if any. */
  fault: ForcedFaultKind | undefined;
  rate: RateLimitVerdict | undefined;
}

/** What to send; `record` is the idempotency record to store it under, just before sending. */
interface Answer {
  status: number;
  body: string;
  contentType?: string;
  replayed?: boolean;
  retryAfter?: number;
  record?: IdempotencyRecord;
  store?: IdempotencyStore;
  /** The message a send created: the record keeps it instead of `body`. */
  created?: StoredMessage;
}

export class ApiServer {
  readonly server: http.Server;
  readonly #deps: ApiServerDeps;
  /** Answers held back by the `late` fault; their timers are cleared on close. */
  readonly #lateAnswers = new Set<NodeJS.Timeout>();

  constructor(deps: ApiServerDeps) {
    this.#deps = deps;
    // Node's own answer to a request without Host is a bare 400; ours is the contract's error body.
    const options = { keepAliveTimeout: 30_000, noDelay: true, requireHostHeader: false };
    this.server = http.createServer(options, (req, res) => this.#handle(req, res));
    this.server.on("clientError", (error: NodeJS.ErrnoException, socket) => answerClientError(error, socket));
  }

  /** Stops listening, drops every connection and every held answer. */
  async close(): Promise<void> {
    for (const timer of this.#lateAnswers) clearTimeout(timer);
    this.#lateAnswers.clear();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const deps = this.#deps;
    deps.counters.total++;
    const exchange: Exchange = { req, res, requestId: newRequestId(), fault: deps.faults.next(), rate: undefined };
    if (req.headers.host === undefined && req.httpVersionMajor === 1 && req.httpVersionMinor >= 1) {
      const issues = [{ path: ["Host"], message: "required: HTTP/1.1 requests carry a Host header" }];
      this.#answerError(exchange, invalidParameter(issues));
      return;
    }
    if (exchange.fault !== undefined) {
      deps.counters.faults[exchange.fault] = (deps.counters.faults[exchange.fault] ?? 0) + 1;
      if (this.#answerEarlyFault(exchange, exchange.fault)) return;
    }

    let key: KeyContext;
    try {
      key = deps.keys.authenticate(req.headers.authorization);
    } catch (error) {
      this.#answerError(exchange, error);
      return;
    }
    const now = Date.now();
    const rate = deps.limiter.take(key, now);
    exchange.rate = rate;
    if (rate.retryAfter > 0) {
      const error = new ApiError(
        "rate_limited",
        `too many requests for this API key; retry after ${rate.retryAfter} s`,
      );
      this.#send(exchange, { status: 429, body: errorBody(error, exchange.requestId), retryAfter: rate.retryAfter });
      return;
    }

    const url = req.url ?? "/";
    const queryStart = url.indexOf("?");
    const path = queryStart < 0 ? url : url.slice(0, queryStart);
    const search = queryStart < 0 ? "" : url.slice(queryStart + 1);
    const method = req.method ?? "GET";
    const route = matchRoute(method, path);
    if (route === undefined) {
      this.#answerError(exchange, new ApiError("route_not_found", `no route for ${method} ${path}`));
      return;
    }
    const context = { exchange, key, route, path, search, now };
    if (method !== "POST" && method !== "PATCH") {
      this.#run(context, undefined, undefined, undefined);
      return;
    }

    let idempotencyKey: string | undefined;
    if (method === "POST") {
      const raw = req.headers["idempotency-key"];
      // Node joins a repeated header with ", "; the typings allow an array too.
      const header = Array.isArray(raw) ? raw.join(", ") : raw;
      if (header !== undefined) {
        const problem = idempotencyKeyProblem(header);
        if (problem !== undefined) {
          this.#answerError(exchange, invalidParameter([{ path: ["Idempotency-Key"], message: problem }]));
          return;
        }
        idempotencyKey = header;
      }
    }
    this.#readBody(exchange, (body) => this.#withBody(context, body, idempotencyKey));
  }

  /** Faults that answer (or hang up) without processing. True when the request is done with. */
  #answerEarlyFault(exchange: Exchange, fault: ForcedFaultKind): boolean {
    switch (fault) {
      case "reset_before":
        exchange.req.socket.destroy();
        return true;
      case "500":
        this.#answerError(exchange, new ApiError("internal_error", "internal error (injected fault)"));
        return true;
      case "503":
        this.#answerError(
          exchange,
          new ApiError("unavailable", "the service is temporarily unavailable (injected fault)"),
        );
        return true;
      case "502_html":
        this.#send(exchange, { status: 502, body: BAD_GATEWAY_HTML, contentType: "text/html; charset=utf-8" });
        return true;
      case "429": {
        const error = new ApiError("rate_limited", "too many requests (injected fault); retry after 1 s");
        this.#send(exchange, { status: 429, body: errorBody(error, exchange.requestId), retryAfter: 1 });
        return true;
      }
      default:
        return false; // late and reset_after_commit act on the answer, 500_in_handler in #run
    }
  }

  /** Reads the body, answering `body_too_large` as soon as it is over the limit. */
  #readBody(exchange: Exchange, onBody: (body: Buffer) => void): void {
    const { req } = exchange;
    const tooLarge = () =>
      this.#answerError(
        exchange,
        new ApiError("body_too_large", `the request body is larger than ${LIMITS.bodyBytes} bytes`),
      );
    const declared = Number(req.headers["content-length"] ?? 0);
    if (declared > LIMITS.bodyBytes) {
      tooLarge();
      discardRest(req, 0);
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > LIMITS.bodyBytes) {
        req.off("data", onData).off("end", onEnd);
        chunks.length = 0;
        tooLarge();
        discardRest(req, size);
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => onBody(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    req
      .on("data", onData)
      .on("end", onEnd)
      .on("error", () => {});
  }

  #withBody(context: RunContext, bytes: Buffer, idempotencyKey: string | undefined): void {
    const { exchange, key, path, now } = context;
    const text = decodeBody(bytes);
    // A body that is not a JSON object is refused before the endpoint runs, and so, like
    // body_too_large, stores nothing under its key (as Stripe: no endpoint ran, nothing saved).
    let body: Record<string, unknown>;
    try {
      body = parseJsonObject(text, exchange.req.headers["content-type"]);
    } catch (error) {
      this.#answerError(exchange, error);
      return;
    }
    if (idempotencyKey === undefined) {
      this.#run(context, body, undefined, undefined);
      return;
    }
    let begun;
    try {
      // The decoded body is the fingerprint: byte-identical bodies, and only they, decode equal.
      // A single send also gives its JSON, to compare with a batch item under the same key.
      const json = path === SEND_PATH ? JSON.stringify(body) : undefined;
      begun = key.idempotency.begin(idempotencyKey, path, { body: text, json }, now);
    } catch (error) {
      this.#answerError(exchange, error); // the two 409s are not stored
      return;
    }
    if (begun.kind === "replay") {
      // The original status and exact body; only X-Request-Id is new.
      this.#send(exchange, { status: begun.record.status, body: storedBody(begun.record), replayed: true });
      return;
    }
    this.#run(context, body, idempotencyKey, begun.record);
  }

  /** Parses the body, runs the handler and answers; stores the answer under the key if any. */
  #run(
    context: RunContext,
    body: Record<string, unknown> | undefined,
    idempotencyKey: string | undefined,
    record: IdempotencyRecord | undefined,
  ): void {
    const { exchange, key, route, search, now } = context;
    let status: number;
    let text: string;
    let created: StoredMessage | undefined;
    try {
      const request: ApiRequest = {
        key,
        world: key.world,
        lifecycle: this.#deps.lifecycle,
        params: route.params,
        search,
        body,
        requestId: exchange.requestId,
        idempotencyKey,
        now,
      };
      if (exchange.fault === "500_in_handler")
        throw new ApiError("internal_error", "internal error inside the handler (injected fault)");
      const result = route.handler(request);
      status = result.status;
      text = result.text ?? (result.body === undefined ? "" : JSON.stringify(result.body));
      created = result.created;
    } catch (error) {
      const apiError = toApiError(error);
      status = apiError.status;
      text = errorBody(apiError, exchange.requestId);
    }
    // Stored when answered: a `late` answer keeps its key "in progress" until then.
    this.#send(exchange, { status, body: text, record, store: key.idempotency, created });
  }

  #answerError(exchange: Exchange, error: unknown): void {
    const apiError = toApiError(error);
    this.#send(exchange, { status: apiError.status, body: errorBody(apiError, exchange.requestId) });
  }

  /** Sends the answer now, later (`late`) or never (`reset_after_commit`, after committing it). */
  #send(exchange: Exchange, answer: Answer): void {
    if (exchange.fault === "reset_after_commit") {
      storeAnswer(answer);
      exchange.req.socket.destroy();
      return;
    }
    if (exchange.fault === "late") {
      const timer = setTimeout(() => {
        this.#lateAnswers.delete(timer);
        storeAnswer(answer);
        this.#write(exchange, answer);
      }, this.#deps.faults.lateMs);
      this.#lateAnswers.add(timer);
      return;
    }
    storeAnswer(answer);
    this.#write(exchange, answer);
  }

  #write(exchange: Exchange, answer: Answer): void {
    const { res, rate } = exchange;
    if (res.destroyed || res.headersSent) return;
    const counters = this.#deps.counters;
    counters.byStatus[answer.status] = (counters.byStatus[answer.status] ?? 0) + 1;
    const headers: string[] = ["x-request-id", exchange.requestId];
    if (rate !== undefined) {
      headers.push(
        "x-ratelimit-limit",
        String(rate.limit),
        "x-ratelimit-remaining",
        String(rate.remaining),
        "x-ratelimit-reset",
        String(rate.reset),
      );
    }
    if (answer.retryAfter !== undefined) headers.push("retry-after", String(answer.retryAfter));
    if (answer.replayed === true) headers.push("idempotent-replayed", "true");
    if (answer.status === 204) {
      res.writeHead(204, headers);
      res.end();
      return;
    }
    headers.push(
      "content-type",
      answer.contentType ?? JSON_TYPE,
      "content-length",
      String(Buffer.byteLength(answer.body)),
    );
    res.writeHead(answer.status, headers);
    res.end(answer.body);
  }
}

function storeAnswer(answer: Answer): void {
  if (answer.record !== undefined) answer.store!.finish(answer.record, answer.status, answer.created ?? answer.body);
}

interface RunContext {
  exchange: Exchange;
  key: KeyContext;
  route: RouteMatch;
  path: string;
  search: string;
  now: number;
}

/** The body as text; one that is not UTF-8 becomes NOT_UTF8 + its bytes as latin1 (still one char per byte). */
function decodeBody(bytes: Buffer): string {
  try {
    return utf8.decode(bytes);
  } catch {
    return NOT_UTF8 + bytes.toString("latin1");
  }
}

/** Section 10: JSON (or no Content-Type); an empty body is `{}`; anything but an object is 400. */
function parseJsonObject(body: string, contentType: string | undefined): Record<string, unknown> {
  if (body.length === 0) return {};
  if (contentType !== undefined && !isJsonContentType(contentType)) {
    throw new ApiError(
      "invalid_json",
      `the body must be sent as Content-Type: application/json (got ${JSON.stringify(contentType)})`,
      [],
    );
  }
  if (body.startsWith(NOT_UTF8)) throw new ApiError("invalid_json", "the body is not valid UTF-8", []);
  const text = body.charCodeAt(0) === 0xfeff ? body.slice(1) : body; // a BOM is tolerated
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ApiError("invalid_json", `the body is not valid JSON: ${(error as Error).message}`, []);
  }
  if (!isPlainObject(value)) throw invalidParameter([{ path: [], message: "the body must be a JSON object" }]);
  // Handlers walk the body recursively: a deeper one would overflow the stack (a 500).
  if (text.length > 2 * MAX_JSON_DEPTH && nestedDeeperThan(text, MAX_JSON_DEPTH)) {
    throw invalidParameter([
      { path: [], message: `the body is nested more than ${MAX_JSON_DEPTH} levels deep (objects and arrays)` },
    ]);
  }
  return value;
}

/**
 * Whether valid JSON text nests objects and arrays deeper than `limit` (the body object is level 1).
 * Counts brackets outside strings; a text shorter than 2 × (limit + 1) cannot, so callers skip it.
 */
function nestedDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // A string: skip to its closing quote (the text is valid JSON, so there is one).
      for (i++; ; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) i++;
        else if (d === 0x22) break;
      }
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return true;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return false;
}

function isJsonContentType(value: string): boolean {
  if (value === "application/json" || value === JSON_TYPE) return true;
  const semicolon = value.indexOf(";");
  return (semicolon < 0 ? value : value.slice(0, semicolon)).trim().toLowerCase() === "application/json";
}

function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  // A bug in the sandbox: say so on stderr (request bodies and keys are never logged).
  console.error("senderkit-sandbox: unexpected error while handling a request:", error);
  return new ApiError("internal_error", "the sandbox failed to handle this request");
}

/** Reads and drops the rest of an oversized body so the answer reaches the client, up to a limit. */
function discardRest(req: IncomingMessage, alreadyRead: number): void {
  let discarded = alreadyRead;
  req.on("data", (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > DISCARD_LIMIT_BYTES) req.socket.destroy();
  });
  req.on("error", () => {});
}

/** A request line `METHOD target …` whose method is a well-formed token (RFC 9110) that Node does not know. */
const UNKNOWN_METHOD_LINE = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+) (\S+)/;

/**
 * A request Node's HTTP parser rejects still gets the contract's error body: an unknown method
 * (`FOO /v1/messages HTTP/1.1`) is `404 route_not_found` like every unknown route (section 10);
 * anything else is `400 invalid_parameter`.
 */
function answerClientError(
  error: NodeJS.ErrnoException & { rawPacket?: Buffer },
  socket: import("node:stream").Duplex,
): void {
  if (error.code === "ECONNRESET" || !socket.writable) {
    socket.destroy();
    return;
  }
  const requestId = newRequestId();
  const line =
    error.code === "HPE_INVALID_METHOD" ? UNKNOWN_METHOD_LINE.exec(error.rawPacket?.toString("latin1") ?? "") : null;
  const [status, apiError] =
    line === null
      ? ["400 Bad Request", new ApiError("invalid_parameter", "malformed HTTP request", [])]
      : ["404 Not Found", new ApiError("route_not_found", `no route for ${line[1]} ${line[2]!.split("?")[0]}`)];
  const body = errorBody(apiError, requestId);
  socket.end(
    `HTTP/1.1 ${status}\r\n` +
      `Content-Type: ${JSON_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
      `X-Request-Id: ${requestId}\r\nConnection: close\r\n\r\n${body}`,
  );
}

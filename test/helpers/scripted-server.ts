// A tiny HTTP server on 127.0.0.1 whose answers a test scripts, recording every request.
// It lets client tests go over real sockets while controlling each byte of the answer.
import { createServer } from "node:http";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach } from "vitest";
import { SenderKit } from "../../src/index.ts";
import type { SenderKitOptions } from "../../src/index.ts";

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  body: string;
  /** ms since the server started, to check waits between attempts. */
  at: number;
}

export type Handler = (request: RecordedRequest, response: ServerResponse, index: number) => void | Promise<void>;

export interface ScriptedServer {
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export async function startScriptedServer(handler: Handler): Promise<ScriptedServer> {
  const requests: RecordedRequest[] = [];
  const started = performance.now();
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const recorded: RecordedRequest = {
      method: req.method ?? "",
      path: req.url ?? "",
      headers: req.headers,
      body: Buffer.concat(chunks).toString("utf8"),
      at: performance.now() - started,
    };
    requests.push(recorded);
    await handler(recorded, res, requests.length - 1);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "x-request-id": "req_000000000000000000000001",
    ...headers,
  });
  res.end(text);
}

export function errorBody(type: string, code: string, extra: Record<string, unknown> = {}) {
  return { error: { type, code, message: `${code} happened`, request_id: "req_0f3c9e1a2b4d5e6f7a8b9c0d", ...extra } };
}

export function wireMessage(overrides: Record<string, unknown> = {}) {
  return {
    object: "message",
    id: "msg_9aZk2Lm4Qp8Rt1Vw",
    status: "queued",
    channel: "email",
    to: "user@example.com",
    template: "welcome",
    template_version: 3,
    metadata: {},
    scheduled_at: null,
    created_at: "2026-11-22T10:00:00.000Z",
    updated_at: "2026-11-22T10:00:00.000Z",
    error: null,
    ...overrides,
  };
}

export const TEST_KEY = "sk_test_abcdefghijklmnop1234";

/**
 * For a test file: `const clientFor = scriptedClients({ maxRetries: 0 })` at its top, then
 * `const { sk, srv } = await clientFor(handler)` in a test gives a client on a scripted server of its
 * own, retrying quickly; both are closed after each test. Options per call override the file's.
 */
export function scriptedClients(defaults: SenderKitOptions = {}) {
  const open: { sk: SenderKit; srv: ScriptedServer }[] = [];
  afterEach(async () => {
    for (const { sk, srv } of open.splice(0)) {
      await sk.close();
      await srv.close();
    }
  });
  return async (handler: Handler, options: SenderKitOptions = {}) => {
    const srv = await startScriptedServer(handler);
    const sk = new SenderKit({
      apiKey: TEST_KEY,
      baseUrl: srv.url,
      initialRetryDelay: 5,
      maxRetryDelay: 10,
      ...defaults,
      ...options,
    });
    open.push({ sk, srv });
    return { sk, srv };
  };
}

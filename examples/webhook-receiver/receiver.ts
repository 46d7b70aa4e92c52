// A SenderKit webhook receiver on node:http: verify the signature against the raw body, handle
// each event once (SenderKit retries deliveries for up to 24 hours), and answer.
//
//   SENDERKIT_WEBHOOK_SECRET=whsec_… node examples/webhook-receiver/receiver.ts
//
// Nothing a client does can stop it: an aborted or oversized request, a bad signature or a
// handler that throws each end that one request, with an answer when the client is still there
// and a log line, and the server keeps serving. An event is marked handled only once its handler
// succeeded: a failure answers 500, so SenderKit delivers it again later and nothing is lost.
import { createServer } from "node:http";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { SignatureVerificationError, WebhookVerifier } from "../../src/index.ts";
import type { WebhookEvent } from "../../src/index.ts";

export interface ReceiverOptions {
  /** The endpoint's signing secret(s); both during a rotation. */
  secret: string | string[];
  port?: number;
  /** Runs before the answer: SenderKit waits 10 s, so queue slow work instead of doing it here. */
  onEvent: (event: WebhookEvent) => void | Promise<void>;
  /** Where a refused or failed request is described; never with the secret or the body. Default console.warn. */
  log?: (line: string) => void;
}

export interface Receiver {
  url: string;
  server: Server;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 1_048_576;

/** One request ending with `status` and a log line saying why. */
class RequestFailed extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

export async function startReceiver(options: ReceiverOptions): Promise<Receiver> {
  const verifier = new WebhookVerifier({ secret: options.secret });
  const log = options.log ?? ((line: string) => console.warn(line));
  // A real service keeps these in its database; ids are unique per event.
  const handled = new Set<string>();
  const inFlight = new Map<string, Promise<void>>();

  const handleOnce = (event: WebhookEvent): Promise<void> => {
    if (handled.has(event.id)) return Promise.resolve();
    // A redelivery racing the first attempt waits for it rather than running the handler twice.
    let running = inFlight.get(event.id);
    if (running === undefined) {
      running = (async () => options.onEvent(event))()
        .then(() => void handled.add(event.id))
        .finally(() => inFlight.delete(event.id));
      inFlight.set(event.id, running);
    }
    return running;
  };

  const serve = async (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== "POST") throw new RequestFailed(405, `refused a ${req.method} request`);
    const body = await readBody(req);
    let event: WebhookEvent;
    try {
      event = verifier.verify(body, req.headers["x-senderkit-signature"]);
    } catch (error) {
      // Say why in the log, never the secret; tell the sender only that it was refused.
      if (error instanceof SignatureVerificationError)
        throw new RequestFailed(400, `refused a webhook: ${error.reason}`);
      throw error;
    }
    try {
      await handleOnce(event);
    } catch (error) {
      throw new RequestFailed(
        500,
        `the handler failed on ${event.type} ${event.id}: ${describe(error)} (SenderKit will retry)`,
      );
    }
    res.writeHead(204).end();
  };

  const server = createServer((req, res) => {
    serve(req, res).catch((error: unknown) => {
      const status = error instanceof RequestFailed ? error.status : 500;
      log(error instanceof RequestFailed ? error.message : `unexpected error: ${describe(error)}`);
      if (!res.headersSent && !res.destroyed) res.writeHead(status, { connection: "close" }).end();
    });
  });
  // A malformed request or a connection reset before the request line: answer if possible, never crash.
  server.on("clientError", (error: NodeJS.ErrnoException, socket) => {
    log(`bad request from a client: ${error.code ?? error.message}`);
    if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
    else socket.destroy();
  });

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhooks/senderkit`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The raw body, at most MAX_BODY_BYTES; an aborted or oversized request is a RequestFailed. */
function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        req.removeAllListeners("data");
        reject(new RequestFailed(413, `refused a body over ${MAX_BODY_BYTES} bytes`));
        req.resume();
      } else {
        chunks.push(chunk);
      }
    });
    req.on("end", () => resolve(Buffer.concat(chunks, size)));
    // "aborted" comes first on a client hang-up mid-body; "error" follows on newer Nodes.
    req.on("aborted", () => reject(new RequestFailed(400, "the client aborted the request mid-body")));
    req.on("error", () => reject(new RequestFailed(400, "the client aborted the request mid-body")));
  });
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

if (import.meta.main) {
  const secret = process.env.SENDERKIT_WEBHOOK_SECRET;
  if (!secret) {
    console.error("SENDERKIT_WEBHOOK_SECRET is not set (the whsec_… secret of your webhook endpoint)");
    process.exit(1);
  }
  let receiver: Receiver;
  try {
    receiver = await startReceiver({
      secret,
      port: Number(process.env.PORT ?? 8080),
      onEvent: (event) => {
        const message = (event.payload as { message?: { id?: string; status?: string } }).message;
        console.log(`${event.type} ${message?.id ?? ""} ${message?.status ?? ""}`);
      },
    });
  } catch (error) {
    console.error(`cannot start: ${describe(error)}`);
    process.exit(1);
  }
  console.log(`listening on ${receiver.url}`);
}

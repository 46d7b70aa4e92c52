// A SenderKit webhook receiver on node:http: verify the signature against the raw body,
// deduplicate on the event id (SenderKit retries deliveries for up to 24 hours), answer 2xx
// fast, then handle the event.
//
//   SENDERKIT_WEBHOOK_SECRET=whsec_… node examples/webhook-receiver/receiver.ts
import { createServer } from "node:http";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { SignatureVerificationError, WebhookVerifier } from "../../src/index.ts";
import type { WebhookEvent } from "../../src/index.ts";

export interface ReceiverOptions {
  /** The endpoint's signing secret(s); both during a rotation. */
  secret: string | string[];
  port?: number;
  onEvent: (event: WebhookEvent) => void | Promise<void>;
}

export interface Receiver {
  url: string;
  server: Server;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 1_048_576;

export async function startReceiver(options: ReceiverOptions): Promise<Receiver> {
  const verifier = new WebhookVerifier({ secret: options.secret });
  // A real service keeps these in its database; ids are unique per event.
  const seen = new Set<string>();

  const server = createServer(async (req, res) => {
    if (req.method !== "POST") return void res.writeHead(405).end();
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > MAX_BODY_BYTES) return void res.writeHead(413).end();
      chunks.push(chunk as Buffer);
    }
    let event: WebhookEvent;
    try {
      event = verifier.verify(Buffer.concat(chunks), req.headers["x-senderkit-signature"] as string | undefined);
    } catch (error) {
      if (!(error instanceof SignatureVerificationError)) throw error;
      // Say why in the log, never the secret; tell the sender only that it was refused.
      console.warn(`refused a webhook: ${error.reason}`);
      return void res.writeHead(400).end();
    }
    res.writeHead(204).end();
    if (seen.has(event.id)) return;
    seen.add(event.id);
    await options.onEvent(event);
  });

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/webhooks/senderkit`,
    server,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

if (import.meta.main) {
  const secret = process.env.SENDERKIT_WEBHOOK_SECRET;
  if (!secret) {
    console.error("SENDERKIT_WEBHOOK_SECRET is not set (the whsec_… secret of your webhook endpoint)");
    process.exit(1);
  }
  const receiver = await startReceiver({
    secret,
    port: Number(process.env.PORT ?? 8080),
    onEvent: (event) => {
      const message = (event.payload as { message?: { id?: string; status?: string } }).message;
      console.log(`${event.type} ${message?.id ?? ""} ${message?.status ?? ""}`);
    },
  });
  console.log(`listening on ${receiver.url}`);
}

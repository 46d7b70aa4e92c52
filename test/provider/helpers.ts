// Shared by the provider tests: keys, a stack config, a webhook receiver, unique names.
import { createServer } from "node:http";
import type { IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import type * as pulumi from "@pulumi/pulumi";

/** Well-formed sandbox keys (any well-formed key is an account there). */
export const TEST_KEY = "sk_test_PulumiProviderTests0001";
export const LIVE_KEY = "sk_live_PulumiProviderTests0001";

/** The stack config the engine hands to `configure`, as the dynamic provider's Config reads it. */
export function stackConfig(values: Record<string, string>): pulumi.dynamic.Config {
  return {
    get: (key) => values[key],
    require: (key) => {
      const value = values[key];
      if (value === undefined) throw new Error(`missing ${key}`);
      return value;
    },
  };
}

export function configFor(sandboxUrl: string, apiKey = TEST_KEY, extra: Record<string, string> = {}): pulumi.dynamic.ConfigureRequest {
  return { config: stackConfig({ "senderkit:apiKey": apiKey, "senderkit:baseUrl": sandboxUrl, ...extra }) };
}

let counter = 0;
/** A slug no other test of this run uses. */
export function uniqueSlug(prefix: string): string {
  counter++;
  return `${prefix}-${process.pid}-${counter}`;
}

export interface ReceivedDelivery {
  /** The request path, e.g. /hooks/rotation-1: one path per endpoint tells their deliveries apart. */
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface WebhookReceiver {
  /** The receiver's base URL; append a path per endpoint. */
  url: string;
  received: ReceivedDelivery[];
  /** Resolves with the first delivery `match` accepts (bounded by the test timeout). */
  waitFor(match: (delivery: ReceivedDelivery) => boolean): Promise<ReceivedDelivery>;
  close(): Promise<void>;
}

/** An HTTP receiver on 127.0.0.1 that answers 200 and keeps every delivery with its headers. */
export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: ReceivedDelivery[] = [];
  const waiters: { match: (d: ReceivedDelivery) => boolean; resolve: (d: ReceivedDelivery) => void }[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const delivery = { path: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks).toString("utf8") };
    received.push(delivery);
    for (const waiter of [...waiters]) {
      if (waiter.match(delivery)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(delivery);
      }
    }
    res.writeHead(200).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    received,
    waitFor(match) {
      const found = received.find(match);
      if (found) return Promise.resolve(found);
      return new Promise((resolve) => waiters.push({ match, resolve }));
    },
    close() {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

// Shared by the provider tests: keys, a stack config, a webhook receiver, unique names.
import { createServer, request as httpRequest } from "node:http";
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

export function configFor(
  sandboxUrl: string,
  apiKey = TEST_KEY,
  extra: Record<string, string> = {},
): pulumi.dynamic.ConfigureRequest {
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

export interface Gateway {
  url: string;
  /** While true, each matching request is forwarded (the server commits it) and answered 502. */
  losing: boolean;
  /** Matching requests answered 502 after the server had answered them. */
  lost: number;
  close(): Promise<void>;
}

/**
 * A gateway on 127.0.0.1 in front of `target` that forwards every request; while `losing`, it
 * drops the server's answer to requests `matches` accepts and answers 502 with an HTML page, as
 * a proxy whose upstream connection broke after the server committed.
 */
export async function startGateway(
  target: string,
  matches: (method: string, path: string) => boolean,
): Promise<Gateway> {
  const upstream = new URL(target);
  const gateway: Gateway = { url: "", losing: true, lost: 0, close: async () => {} };
  const server = createServer((req, res) => {
    const forwarded = httpRequest(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        if (gateway.losing && matches(req.method ?? "", req.url ?? "")) {
          answer.resume();
          gateway.lost++;
          res.writeHead(502, { "content-type": "text/html" }).end("<html><body>502 Bad Gateway</body></html>");
          return;
        }
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forwarded.on("error", () => res.writeHead(502).end());
    req.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  gateway.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  gateway.close = () => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(() => resolve()));
  };
  return gateway;
}

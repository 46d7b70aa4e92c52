// HTTPS_PROXY / HTTP_PROXY / NO_PROXY are honoured by default, as curl and undici read them.
import { createServer, request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, beforeEach, expect, it } from "vitest";
import { SenderKit } from "../../src/index.ts";
import { TEST_KEY, json, startScriptedServer, wireMessage } from "../helpers/scripted-server.ts";
import type { ScriptedServer } from "../helpers/scripted-server.ts";

const PROXY_VARIABLES = ["HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy"];
let saved: Record<string, string | undefined> = {};
let api: ScriptedServer;
let proxy: { url: string; connects: string[]; close(): Promise<void> };

beforeEach(async () => {
  saved = Object.fromEntries(PROXY_VARIABLES.map((name) => [name, process.env[name]]));
  for (const name of PROXY_VARIABLES) delete process.env[name];
  api = await startScriptedServer((_q, r) => json(r, 200, wireMessage()));
  // A proxy that forwards to the API server and records what it was asked for: an absolute
  // URL for plain HTTP, a CONNECT tunnel otherwise.
  const connects: string[] = [];
  const server = createServer((req, res) => {
    connects.push(new URL(String(req.url)).host);
    const upstream = httpRequest(String(req.url), { method: req.method, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    req.pipe(upstream);
  });
  server.on("connect", async (req, socket) => {
    connects.push(String(req.url)); // host:port
    const { connect } = await import("node:net");
    const upstream = connect(Number(new URL(api.url).port), "127.0.0.1", () => {
      socket.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      upstream.pipe(socket).pipe(upstream);
    });
    upstream.on("error", () => socket.destroy());
    socket.on("error", () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  proxy = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    connects,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
});

afterEach(async () => {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  await proxy.close();
  await api.close();
});

it("sends through HTTP_PROXY when one is set", async () => {
  process.env.HTTP_PROXY = proxy.url;
  const sk = new SenderKit({ apiKey: TEST_KEY, baseUrl: api.url });
  await sk.messages.get("msg_1");
  await sk.close();
  expect(proxy.connects).toEqual([new URL(api.url).host]);
  expect(api.requests).toHaveLength(1);
});

it("goes direct for hosts in NO_PROXY, and when no proxy is set", async () => {
  process.env.HTTP_PROXY = proxy.url;
  process.env.NO_PROXY = "127.0.0.1";
  const bypass = new SenderKit({ apiKey: TEST_KEY, baseUrl: api.url });
  await bypass.messages.get("msg_1");
  await bypass.close();
  delete process.env.HTTP_PROXY;
  delete process.env.NO_PROXY;
  const direct = new SenderKit({ apiKey: TEST_KEY, baseUrl: api.url });
  await direct.messages.get("msg_1");
  await direct.close();
  expect(proxy.connects).toEqual([]);
  expect(api.requests).toHaveLength(2);
});

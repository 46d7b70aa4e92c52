// `POST /v1/messages` throughput of the sandbox against a bare node:http server that answers a
// constant 202 JSON body, measured side by side. Each server runs in a child process of its own
// so the load generator (an undici Pool, 32 keep-alive connections, here) never shares its event
// loop. Both get the same requests: a template send with a distinct Idempotency-Key each.
//
// These machines are shared, so load from elsewhere comes and goes, and it hurts a server that
// needs a whole core more than one that idles half the time. Both servers stay up for the whole
// run and are measured in short alternating windows (bare, sandbox, bare, sandbox, …); each
// figure is its best window, the closest estimate of an unloaded machine for both alike.
// Target: sandbox ≥ 0.5 × bare.
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { Pool } from "undici";
import { benchRow } from "./row.ts";
import type { BenchRow } from "./row.ts";

const CONNECTIONS = 32;
const WARMUP_REQUESTS = 5_000;
const WINDOW_REQUESTS = 6_000;
const WINDOWS = 9;
const API_KEY = "sk_test_benchBENCHbench0123456789";
const SEND_BODY = JSON.stringify({
  template: "welcome",
  to: "user@example.com",
  vars: { name: "Ada", order: { id: "ord_1" } },
  metadata: { order_id: "ord_1" },
});

const SANDBOX_ENTRY = fileURLToPath(new URL("../sandbox/index.ts", import.meta.url));

// The reference: the cheapest possible answer, with a body the size of a message object.
const BARE_SERVER = `
import http from "node:http";
const body = JSON.stringify({ object: "message", id: "msg_9aZk2Lm4Qp8Rt1Vw", status: "queued", channel: "email",
  to: "user@example.com", template: "welcome", template_version: 1, metadata: { order_id: "ord_1" }, scheduled_at: null,
  created_at: "2026-11-22T10:00:00.000Z", updated_at: "2026-11-22T10:00:00.000Z", error: null });
const server = http.createServer({ keepAliveTimeout: 30000 }, (req, res) => {
  req.resume();
  req.on("end", () => {
    res.writeHead(202, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(body) });
    res.end(body);
  });
});
server.listen(0, "127.0.0.1", () => console.log("http://127.0.0.1:" + server.address().port));
`;

// The sandbox, default options (lifecycle running at its default step), plus the template.
const SANDBOX_SERVER = `
const { startSandbox } = await import(${JSON.stringify(SANDBOX_ENTRY)});
const sandbox = await startSandbox();
const response = await fetch(sandbox.url + "/v1/templates", {
  method: "POST",
  headers: { authorization: "Bearer ${API_KEY}", "content-type": "application/json" },
  body: JSON.stringify({ slug: "welcome", name: "Welcome", channel: "email",
    content: { subject: "Hi {{ name }}", html: "<p>Hello {{ name }}, order {{ order.id }} — plan {{ plan | default: \\"free\\" }}</p>" } }),
});
if (response.status !== 201) throw new Error("template setup failed: " + response.status);
console.log(sandbox.url);
`;

interface Server {
  url: string;
  child: ChildProcess;
}

async function startServer(source: string): Promise<Server> {
  const child = spawn(process.execPath, ["--input-type=module", "-e", source], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const lines = createInterface({ input: child.stdout! });
  const url = await new Promise<string>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`benchmark server exited early (${code})`)));
    lines.once("line", resolve);
  });
  return { url, child };
}

async function stopServer(server: Server): Promise<void> {
  const exited = new Promise((resolve) => server.child.once("exit", resolve));
  server.child.kill("SIGTERM");
  await exited;
}

let keyCounter = 0;

/** Sends `count` requests over 32 connections, 32 in flight; returns requests per second. */
async function load(pool: Pool, count: number): Promise<number> {
  let sent = 0;
  const started = process.hrtime.bigint();
  const worker = async () => {
    while (sent < count) {
      sent++;
      const { statusCode, body } = await pool.request({
        method: "POST",
        path: "/v1/messages",
        headers: {
          authorization: `Bearer ${API_KEY}`,
          "content-type": "application/json",
          "idempotency-key": `bench-${process.pid}-${++keyCounter}`,
        },
        body: SEND_BODY,
      });
      await body.dump();
      if (statusCode !== 202) throw new Error(`unexpected status ${statusCode}`);
    }
  };
  await Promise.all(Array.from({ length: CONNECTIONS }, worker));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return count / seconds;
}

export async function benchSandboxThroughput(): Promise<BenchRow[]> {
  const servers = await Promise.all([startServer(BARE_SERVER), startServer(SANDBOX_SERVER)]);
  const pools = servers.map((server) => new Pool(server.url, { connections: CONNECTIONS, pipelining: 1 }));
  const [barePool, sandboxPool] = pools as [Pool, Pool];
  const bare: number[] = [];
  const sandbox: number[] = [];
  try {
    await load(barePool, WARMUP_REQUESTS);
    await load(sandboxPool, WARMUP_REQUESTS);
    for (let window = 0; window < WINDOWS; window++) {
      bare.push(await load(barePool, WINDOW_REQUESTS));
      sandbox.push(await load(sandboxPool, WINDOW_REQUESTS));
    }
  } finally {
    await Promise.all(pools.map((pool) => pool.close()));
    await Promise.all(servers.map(stopServer));
  }
  // `note` is shown by bench/run.ts; a BenchRow with it is still a BenchRow.
  const rows: (BenchRow & { note: string })[] = [
    {
      ...benchRow({
        name: "sandbox POST /v1/messages throughput (32 keep-alive connections)",
        ours: Math.round(Math.max(...sandbox)),
        reference: Math.round(Math.max(...bare)),
        unit: "requests/s",
        referenceName: "bare node:http, constant 202 JSON",
        target: { atLeast: 0.5 },
      }),
      note: `template sends, a new Idempotency-Key each; best of ${WINDOWS} alternating windows of ${WINDOW_REQUESTS} requests after ${WARMUP_REQUESTS} warm-up`,
    },
  ];
  return rows;
}

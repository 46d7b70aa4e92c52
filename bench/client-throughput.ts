// Rows 1 and 2 of `npm run bench`: the client's throughput against the best a hand-written undici
// loop can do, on the same machine, against the same sandbox, in the same run.
//
//   1. sendBatch of 20,000 template sends (chunks of 1000, 4 in flight) vs raw undici `request`
//      calls posting the same chunk bodies (same per-item keys, same bytes) 4 at a time.
//   2. send × 5,000 at concurrency 32 vs raw undici `request` through a Pool of 32 connections,
//      each with a fresh UUID Idempotency-Key (the contract asks every client for one).
//   7. sendBatch of 20,000 items with 1 KB of vars each (chunks cut at 1 MiB of body, so about
//      900 items a chunk) vs raw undici `request` calls posting the same chunk bodies, packed by
//      the same rule (each item encoded once, a chunk closed before it would pass 1 MiB).
//
// The reference does what any correct client must (serialize the body, send it, read and parse the
// answer, check it) and nothing more; the gap between the two is what our client adds: input
// validation, response validation, typed objects, retries bookkeeping.
//
// Method: the sandbox runs in a child process (so the server never shares the client's event
// loop), started fresh for every round so its in-memory store stays small and alike for both
// sides. A first round warms this process up and is thrown away; every round warms the fresh
// server up, then runs the sides A B B A (A alternating between rounds). The figure is each
// side's median over the rounds; the note in results.json has every round.
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { Pool, request } from "undici";
import { SenderKit } from "../src/index.ts";
import type { TemplateBatchItem } from "../src/index.ts";
import { benchRow } from "./row.ts";
import type { BenchRow } from "./row.ts";

const API_KEY = "sk_test_benchBENCHbench0123456789";
const ROUNDS = 7;

const BATCH_ITEMS = 20_000;
const BATCH_CHUNK = 1_000;
const BATCH_CONCURRENCY = 4;
const SENDS = 5_000;
const SEND_CONCURRENCY = 32;

const SANDBOX_ENTRY = fileURLToPath(new URL("../sandbox/index.ts", import.meta.url));

// The sandbox with the lifecycle parked (an hour per step), so the server does the same work for
// both sides and no background timers fire mid-round; plus the template every send uses.
const SANDBOX_CHILD = `
const { startSandbox } = await import(${JSON.stringify(SANDBOX_ENTRY)});
const sandbox = await startSandbox({ stepDelayMs: 3_600_000 });
const response = await fetch(sandbox.url + "/v1/templates", {
  method: "POST",
  headers: { authorization: "Bearer ${API_KEY}", "content-type": "application/json" },
  body: JSON.stringify({ slug: "welcome", name: "Welcome", channel: "email",
    content: { subject: "Hi {{ name }}", html: "<p>Hello {{ name }}, your order {{ order.id }} has shipped.</p>" } }),
});
if (response.status !== 201) throw new Error("template setup failed: " + response.status);
console.log(sandbox.url);
process.on("SIGTERM", () => sandbox.close().then(() => process.exit(0)));
`;

interface ChildSandbox {
  url: string;
  stop(): Promise<void>;
}

/** Starts the sandbox in a child process and resolves with its URL. */
export async function startChildSandbox(): Promise<ChildSandbox> {
  const child: ChildProcess = spawn(process.execPath, ["--input-type=module", "-e", SANDBOX_CHILD], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`the sandbox child exited before listening (code ${code})`)));
    createInterface({ input: child.stdout! }).once("line", resolve);
  });
  return {
    url,
    async stop() {
      if (child.exitCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Row 1: batch

function batchItems(count: number): TemplateBatchItem[] {
  return Array.from({ length: count }, (_, i) => ({
    template: "welcome",
    to: `user${i}@example.com`,
    vars: { name: `User ${i}`, order: { id: `ord_${i}` } },
  }));
}

/** Ours: items per second through `sendBatch`. */
async function batchOurs(url: string, items: TemplateBatchItem[]): Promise<number> {
  const client = new SenderKit({ apiKey: API_KEY, baseUrl: url });
  try {
    const started = performance.now();
    const results = await client.sendBatch(items, {
      concurrency: BATCH_CONCURRENCY,
      idempotencyKey: `bench-${randomUUID()}`,
    });
    const seconds = (performance.now() - started) / 1000;
    const failed = results.filter((r) => !r.ok).length;
    if (failed > 0) throw new Error(`sendBatch: ${failed} of ${items.length} items failed`);
    return items.length / seconds;
  } finally {
    await client.close();
  }
}

/**
 * The reference: the same wire items (same per-item keys `<base>-<index>`, same key order, so the
 * same bytes) posted chunk by chunk with undici's `request`, `BATCH_CONCURRENCY` chunks in flight,
 * each answer parsed and checked item by item.
 */
async function batchReference(url: string, items: TemplateBatchItem[]): Promise<number> {
  const base = `bench-${randomUUID()}`;
  const endpoint = `${url}/v1/messages/batch`;
  const headers = { authorization: `Bearer ${API_KEY}`, "content-type": "application/json; charset=utf-8" };
  const started = performance.now();
  let nextChunk = 0;
  const chunks = Math.ceil(items.length / BATCH_CHUNK);
  const worker = async () => {
    while (nextChunk < chunks) {
      const first = nextChunk++ * BATCH_CHUNK;
      const messages = items.slice(first, first + BATCH_CHUNK).map((item, offset) => ({
        template: item.template,
        to: item.to,
        vars: item.vars,
        idempotency_key: `${base}-${first + offset}`,
      }));
      const response = await request(endpoint, { method: "POST", headers, body: JSON.stringify({ messages }) });
      const answer = (await response.body.json()) as { data: { ok: boolean }[] };
      if (
        response.statusCode !== 200 ||
        answer.data.length !== messages.length ||
        answer.data.some((item) => !item.ok)
      ) {
        throw new Error(`reference batch: status ${response.statusCode}, not every item accepted`);
      }
    }
  };
  await Promise.all(Array.from({ length: BATCH_CONCURRENCY }, worker));
  return items.length / ((performance.now() - started) / 1000);
}

export async function benchBatchThroughput(): Promise<(BenchRow & { note: string })[]> {
  const items = batchItems(BATCH_ITEMS);
  const warmup = batchItems(2 * BATCH_CHUNK);
  const { ours, reference, note } = await alternate(
    "batch",
    async (url) => {
      await batchOurs(url, warmup);
      await batchReference(url, warmup);
    },
    {
      ours: (url) => batchOurs(url, items),
      reference: (url) => batchReference(url, items),
    },
  );
  return [
    {
      ...benchRow({
        name: `sendBatch: ${BATCH_ITEMS.toLocaleString("en")} template sends (chunks of ${BATCH_CHUNK}, ${BATCH_CONCURRENCY} in flight)`,
        ours,
        reference,
        unit: "items/s",
        referenceName: `raw undici request, same chunk bodies, ${BATCH_CONCURRENCY} in flight`,
        target: { atLeast: 0.9 },
      }),
      note,
    },
  ];
}

// ---------------------------------------------------------------------------------------------
// Row 7: a batch of 1 KB items, chunked by bytes

const BIG_ITEM_TEXT_BYTES = 1024;
const BODY_LIMIT_BYTES = 1_048_576;

function bigBatchItems(count: number): TemplateBatchItem[] {
  return Array.from({ length: count }, (_, i) => ({
    template: "welcome",
    to: `user${i}@example.com`,
    vars: { name: `User ${i}`, order: { id: `ord_${i}` }, note: `${i} `.padEnd(BIG_ITEM_TEXT_BYTES, "lorem ipsum ") },
  }));
}

/**
 * The reference for byte-sized chunks: each wire item encoded once, packed greedily into bodies
 * of at most 1000 items and 1 MiB (the rule sendBatch follows), posted `BATCH_CONCURRENCY` at a
 * time, each answer parsed and checked.
 */
async function bytePackedReference(url: string, items: TemplateBatchItem[]): Promise<number> {
  const base = `bench-${randomUUID()}`;
  const endpoint = `${url}/v1/messages/batch`;
  const headers = { authorization: `Bearer ${API_KEY}`, "content-type": "application/json; charset=utf-8" };
  const started = performance.now();
  const head = '{"messages":[';
  const tail = "]}";
  let next = 0;
  const takeBody = (): { body: string; count: number } | undefined => {
    const texts: string[] = [];
    let bytes = head.length + tail.length;
    while (next < items.length && texts.length < BATCH_CHUNK) {
      const item = items[next]!;
      const text = JSON.stringify({
        template: item.template,
        to: item.to,
        vars: item.vars,
        idempotency_key: `${base}-${next}`,
      });
      const size = Buffer.byteLength(text) + (texts.length > 0 ? 1 : 0);
      if (bytes + size > BODY_LIMIT_BYTES) break;
      texts.push(text);
      bytes += size;
      next++;
    }
    return texts.length === 0 ? undefined : { body: head + texts.join(",") + tail, count: texts.length };
  };
  const worker = async () => {
    for (let chunk = takeBody(); chunk !== undefined; chunk = takeBody()) {
      const response = await request(endpoint, { method: "POST", headers, body: chunk.body });
      const answer = (await response.body.json()) as { data: { ok: boolean }[] };
      if (response.statusCode !== 200 || answer.data.length !== chunk.count || answer.data.some((item) => !item.ok)) {
        throw new Error(`reference batch: status ${response.statusCode}, not every item accepted`);
      }
    }
  };
  await Promise.all(Array.from({ length: BATCH_CONCURRENCY }, worker));
  return items.length / ((performance.now() - started) / 1000);
}

export async function benchBigBatchThroughput(): Promise<(BenchRow & { note: string })[]> {
  const items = bigBatchItems(BATCH_ITEMS);
  const warmup = bigBatchItems(2 * BATCH_CHUNK);
  const { ours, reference, note } = await alternate(
    "batch-1k",
    async (url) => {
      await batchOurs(url, warmup);
      await bytePackedReference(url, warmup);
    },
    {
      ours: (url) => batchOurs(url, items),
      reference: (url) => bytePackedReference(url, items),
    },
  );
  return [
    {
      ...benchRow({
        name: `sendBatch: ${BATCH_ITEMS.toLocaleString("en")} sends with 1 KB of vars (chunks cut at 1 MiB, ${BATCH_CONCURRENCY} in flight)`,
        ours,
        reference,
        unit: "items/s",
        referenceName: `raw undici request, same chunk bodies, ${BATCH_CONCURRENCY} in flight`,
        target: { atLeast: 0.9 },
      }),
      note,
    },
  ];
}

// ---------------------------------------------------------------------------------------------
// Row 2: single sends

const sendVars = (i: number) => ({ name: `User ${i}`, order: { id: `ord_${i}` } });

/** Runs `task(i)` for i in 0..count-1, `concurrency` at a time; returns tasks per second. */
async function concurrently(count: number, concurrency: number, task: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await task(next++);
    }),
  );
  return count / ((performance.now() - started) / 1000);
}

/** Ours: a default client (its own pooled keep-alive agent), `send` per message. */
async function sendOurs(url: string, count: number): Promise<number> {
  const client = new SenderKit({ apiKey: API_KEY, baseUrl: url });
  try {
    return await concurrently(count, SEND_CONCURRENCY, async (i) => {
      const message = await client.send("welcome", `user${i}@example.com`, { vars: sendVars(i) });
      if (message.status !== "queued") throw new Error(`send: unexpected status ${message.status}`);
    });
  } finally {
    await client.close();
  }
}

/** The reference: a Pool of 32 keep-alive connections, one request per message, answer parsed. */
async function sendReference(url: string, count: number): Promise<number> {
  const pool = new Pool(url, { connections: SEND_CONCURRENCY });
  try {
    return await concurrently(count, SEND_CONCURRENCY, async (i) => {
      const response = await pool.request({
        method: "POST",
        path: "/v1/messages",
        headers: {
          authorization: `Bearer ${API_KEY}`,
          "content-type": "application/json; charset=utf-8",
          "idempotency-key": randomUUID(),
        },
        body: JSON.stringify({ template: "welcome", to: `user${i}@example.com`, vars: sendVars(i) }),
      });
      const message = (await response.body.json()) as { status?: string };
      if (response.statusCode !== 202 || message.status !== "queued")
        throw new Error(`reference send: status ${response.statusCode}`);
    });
  } finally {
    await pool.close();
  }
}

export async function benchSingleSends(): Promise<(BenchRow & { note: string })[]> {
  const { ours, reference, note } = await alternate(
    "send",
    async (url) => {
      await sendOurs(url, 2_000);
      await sendReference(url, 2_000);
    },
    {
      ours: (url) => sendOurs(url, SENDS),
      reference: (url) => sendReference(url, SENDS),
    },
  );
  return [
    {
      ...benchRow({
        name: `send × ${SENDS.toLocaleString("en")}, ${SEND_CONCURRENCY} at a time`,
        ours,
        reference,
        unit: "sends/s",
        referenceName: `raw undici request, Pool of ${SEND_CONCURRENCY} connections`,
        target: { atLeast: 0.85 },
      }),
      note,
    },
  ];
}

// ---------------------------------------------------------------------------------------------

/**
 * One discarded round (it warms this process's JIT up for both sides), then ROUNDS measured
 * rounds, each on a fresh child sandbox: warm the server up, then run the sides in the order
 * A B B A, A alternating between rounds, so drift within a round hits both alike. A side's figure
 * for a round is the mean of its two runs; the result is each side's median over the rounds.
 */
async function alternate(
  label: string,
  warmUp: (url: string) => Promise<void>,
  sides: { ours: (url: string) => Promise<number>; reference: (url: string) => Promise<number> },
): Promise<{ ours: number; reference: number; note: string }> {
  const ours: number[] = [];
  const reference: number[] = [];
  for (let round = 0; round <= ROUNDS; round++) {
    const sandbox = await startChildSandbox();
    const figures = { ours: [] as number[], reference: [] as number[] };
    try {
      await warmUp(sandbox.url);
      const [a, b] = round % 2 === 0 ? (["ours", "reference"] as const) : (["reference", "ours"] as const);
      for (const side of [a, b, b, a]) figures[side].push(await sides[side](sandbox.url));
    } finally {
      await sandbox.stop();
    }
    const mean = (values: number[]) => values.reduce((sum, v) => sum + v, 0) / values.length;
    if (round === 0) {
      process.stderr.write(`  ${label} warm-up round done\n`);
      continue;
    }
    ours.push(mean(figures.ours));
    reference.push(mean(figures.reference));
    process.stderr.write(
      `  ${label} round ${round}/${ROUNDS}: ours ${Math.round(ours.at(-1)!)}, reference ${Math.round(reference.at(-1)!)}\n`,
    );
  }
  const rounds = ours.map((o, i) => `${Math.round(o)}/${Math.round(reference[i]!)}`).join(", ");
  return {
    ours: Math.round(median(ours)),
    reference: Math.round(median(reference)),
    note: `median of ${ROUNDS} rounds after a warm-up round (ours/reference per round: ${rounds})`,
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

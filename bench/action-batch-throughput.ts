// Row 8 of `npm run bench`: the Action's batch throughput against the client's own.
//
// Ours: `node dist/index.js` in batch mode on 200,000 CSV rows, as the runner starts it (start-up,
// the checking pass, mapping and keying every row, the results file and the summary included).
// Reference: `sendBatch` of the same 200,000 items (same template, vars, metadata, one key each),
// in this process, at the same concurrency. Both send to one sandbox on 127.0.0.1, one after the
// other. Rows per second, ours / reference; target ≥ 0.6.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runLikeRunner } from "../scripts/run-like-runner.ts";
import { startSandbox } from "../sandbox/index.ts";
import { SenderKit } from "../src/index.ts";
import type { BatchItem } from "../src/index.ts";
import { writeCsv } from "./memory.ts";
import { benchRow } from "./row.ts";
import type { BenchRow } from "./row.ts";

const ROWS = 200_000;
const CONCURRENCY = 4;
const API_KEY = "sk_test_throughputTHROUGHPUT012";

export async function benchActionBatchThroughput(): Promise<(BenchRow & { note: string })[]> {
  const dir = await mkdtemp(join(tmpdir(), "senderkit-bench-action-batch-"));
  const sandbox = await startSandbox({ stepDelayMs: 3_600_000 });
  const client = new SenderKit({ apiKey: API_KEY, baseUrl: sandbox.url });
  try {
    await client.templates.create({
      slug: "welcome",
      name: "Welcome",
      channel: "email",
      content: { subject: "Hi {{ name }}", html: "<p>Order {{ order.id }}</p>" },
    });
    await writeCsv(join(dir, "rows.csv"), ROWS);

    process.stderr.write(`  action-batch: the Action, ${ROWS.toLocaleString("en")} rows…\n`);
    const actionStarted = performance.now();
    const run = await runLikeRunner({
      inputs: {
        mode: "batch",
        "api-key": API_KEY,
        "base-url": sandbox.url,
        file: "rows.csv",
        template: "welcome",
        concurrency: String(CONCURRENCY),
      },
      workspace: dir,
      github: { GITHUB_RUN_ID: `${process.pid}${Date.now()}` },
    });
    const actionSeconds = (performance.now() - actionStarted) / 1000;
    if (run.code !== 0 || run.outputs.sent !== String(ROWS))
      throw new Error(
        `the Action failed (exit ${run.code}): ${JSON.stringify(run.outputs)}\n${run.stdout.slice(-2000)}`,
      );

    process.stderr.write(`  action-batch: sendBatch, ${ROWS.toLocaleString("en")} items…\n`);
    const metadata = {
      github_repository: "acme/shop",
      github_run_id: "1",
      github_sha: "0".repeat(40),
      github_workflow: "Bench",
    };
    const items: BatchItem[] = Array.from({ length: ROWS }, (_, i) => ({
      template: "welcome",
      to: `user${i}@example.com`,
      vars: { name: `User ${i}`, order: { id: `ord_${i}` } },
      metadata,
      idempotencyKey: `bench:${process.pid}:${i}`,
    }));
    const clientStarted = performance.now();
    const results = await client.sendBatch(items, { concurrency: CONCURRENCY });
    const clientSeconds = (performance.now() - clientStarted) / 1000;
    if (results.some((result) => !result.ok)) throw new Error("sendBatch: some items failed");

    return [
      {
        ...benchRow({
          name: `Action batch of ${ROWS.toLocaleString("en")} CSV rows: throughput`,
          ours: ROWS / actionSeconds,
          reference: ROWS / clientSeconds,
          unit: "rows/s",
          referenceName: "sendBatch of the same items, same sandbox",
          target: { atLeast: 0.6 },
        }),
        note:
          `the Action took ${actionSeconds.toFixed(1)} s (process start to exit), ` +
          `sendBatch ${clientSeconds.toFixed(1)} s; concurrency ${CONCURRENCY}`,
      },
    ];
  } finally {
    await client.close();
    await sandbox.close();
    await rm(dir, { recursive: true, force: true });
  }
}

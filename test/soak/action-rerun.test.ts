// Soak: the Action's batch mode (`node dist/index.js`, as the runner starts it) run twice with
// the same GITHUB_RUN_ID — a "Re-run failed jobs" — while 25% of requests fail with every fault
// kind. The second run sends nothing the first one stored, and reports every row as sent, with
// the message ids of the first run.
//
// The Action keeps the client's defaults (2 retries, 30 s timeout), so here `late` answers come
// late but within its timeout. Both runs use `concurrency: 1`, which makes the order of requests,
// and so the seeded faults, the same on every machine.
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BUILT_ACTION as ACTION, runLikeRunner } from "../../scripts/run-like-runner.ts";
import { startSandbox } from "../../sandbox/index.ts";
import type { Sandbox, SandboxMessage } from "../../sandbox/index.ts";

const API_KEY = "sk_test_actionSOAKaction0123456789";
const ROWS = 6_000;
const SEED = Number(process.env.SOAK_SEED ?? 6);
const RUN_ID = "4242424242";

let sandbox: Sandbox;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "senderkit-soak-action-"));
  sandbox = await startSandbox({ stepDelayMs: 60_000, isolateKeys: true });
  const response = await fetch(`${sandbox.url}/v1/templates`, {
    method: "POST",
    headers: { authorization: `Bearer ${API_KEY}`, "content-type": "application/json" },
    body: JSON.stringify({
      slug: "notice",
      name: "Notice",
      channel: "email",
      content: { subject: "Hi {{ name }}", html: "<p>Row {{ n }}</p>" },
    }),
  });
  expect(response.status).toBe(201);
  const lines = ["to,name,n,metadata.soak_row"];
  for (let row = 1; row <= ROWS; row++) lines.push(`row${row}@example.com,Row ${row},${row},${row}`);
  await writeFile(join(dir, "rows.csv"), `${lines.join("\n")}\n`);
});

afterAll(async () => {
  await sandbox?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  log: string;
  outputs: Record<string, string>;
  results: { row: number; ok: boolean; message_id?: string; error?: { code: string; message: string } }[];
}

/** One run of the Action's batch mode, as the runner would start it. */
async function runBatch(attempt: number): Promise<Run> {
  const resultsFile = join(dir, `results-${attempt}.jsonl`);
  const run = await runLikeRunner({
    workspace: dir,
    github: {
      GITHUB_REPOSITORY: "senderkit/soak",
      GITHUB_RUN_ID: RUN_ID,
      GITHUB_RUN_ATTEMPT: String(attempt),
      GITHUB_JOB: "notify",
      GITHUB_ACTION: "batch",
    },
    inputs: {
      mode: "batch",
      "api-key": API_KEY,
      "base-url": sandbox.url,
      file: "rows.csv",
      template: "notice",
      concurrency: "1",
      "results-file": resultsFile,
    },
  });
  const { code, outputs } = run;
  const log = run.stdout + run.stderr;
  const results = existsSync(resultsFile)
    ? (await readFile(resultsFile, "utf8"))
        .split("\n")
        .filter((line) => line !== "")
        .map((line) => JSON.parse(line) as Run["results"][number])
    : [];
  // The key appears only in the command that tells the runner to mask it.
  expect(
    log
      .split("\n")
      .filter((line) => !line.startsWith("::add-mask::"))
      .join("\n"),
  ).not.toContain(API_KEY.slice("sk_test_".length));
  return { code, log, outputs, results };
}

/** Stored messages of this test, by the row each carries in its metadata. */
function storedByRow(): Map<number, SandboxMessage[]> {
  const byRow = new Map<number, SandboxMessage[]>();
  for (const stored of sandbox.messages()) {
    const row = Number((stored.message.metadata as Record<string, string>).soak_row);
    byRow.set(row, [...(byRow.get(row) ?? []), stored]);
  }
  return byRow;
}

const twice = (byRow: Map<number, SandboxMessage[]>) =>
  [...byRow]
    .filter(([, list]) => list.length > 1)
    .map(([row, list]) => `row ${row}: ${list.map((m) => m.idempotencyKey).join(", ")}`);

describe("soak: the Action's batch re-run under 25% injected faults", () => {
  it(
    `${ROWS} rows, run twice with the same run id: nothing sent twice, every row reported sent`,
    { timeout: 55_000 },
    async () => {
      expect(existsSync(ACTION), `${ACTION} is missing: build the action (npm run build:action)`).toBe(true);
      sandbox.setFaults({ rate: 0.25, seed: SEED });
      // The double-send hazard first: the first request is processed, committed, and its
      // connection cut before the answer.
      sandbox.failNext("reset_after_commit");

      const first = await runBatch(1);
      const afterFirst = storedByRow();
      expect(twice(afterFirst)).toEqual([]);
      // What the first run says it sent is stored, under the id it reported.
      const reportedSent = first.results.filter((result) => result.ok);
      for (const result of reportedSent)
        expect(afterFirst.get(result.row)?.[0]?.id, `row ${result.row}`).toBe(result.message_id);
      expect(first.code === 0, `first run exit code ${first.code}, outputs ${JSON.stringify(first.outputs)}`).toBe(
        reportedSent.length === ROWS,
      );

      sandbox.failNext("reset_after_commit");
      const countBefore = sandbox.messages().length;
      const second = await runBatch(2);
      const afterSecond = storedByRow();
      const created = sandbox.messages().length - countBefore;
      const faults = sandbox.requests.faults;
      console.log(
        `action re-run soak (seed ${SEED}): first run ${reportedSent.length}/${ROWS} rows sent (exit ${first.code}), ` +
          `second run created ${created} messages (exit ${second.code}); faults injected ${JSON.stringify(faults)}`,
      );

      expect(second.code, second.log.slice(-3_000)).toBe(0);
      // Rows the first attempt stored (even those it never heard back about) are replays; the rest are new.
      expect(second.outputs.replayed).toBe(String(afterFirst.size));
      expect(second.outputs.sent).toBe(String(ROWS - afterFirst.size));
      expect(second.outputs.failed).toBe("0");
      expect(second.results).toHaveLength(ROWS);
      expect(second.results.filter((result) => !result.ok)).toEqual([]);
      expect(twice(afterSecond)).toEqual([]);
      expect(afterSecond.size).toBe(ROWS);
      // Nothing new for rows the first run stored; only rows it never got through are created now.
      expect(created).toBe(ROWS - afterFirst.size);
      if (reportedSent.length === ROWS) expect(created).toBe(0);
      const firstByRow = new Map(first.results.map((result) => [result.row, result]));
      for (const result of second.results) {
        expect(result.message_id, `row ${result.row}`).toBe(afterSecond.get(result.row)![0]!.id);
        const firstResult = firstByRow.get(result.row);
        if (firstResult?.ok) expect(result.message_id, `row ${result.row}`).toBe(firstResult.message_id);
      }
      expect(faults.reset_after_commit ?? 0).toBeGreaterThanOrEqual(2);
    },
  );
});

// Row 6 of `npm run bench`: the Action's memory is flat in the length of its file. A batch streams
// its rows, so a file ten times longer must not cost ten times the memory.
//
// Ours: the peak RSS of `node dist/index.js` sending 1,000,000 CSV rows to the sandbox.
// Reference: the same on 100,000 rows. Target: ours ≤ 1.15 × reference.
//
// Peak RSS is of the whole process tree (any process the action starts counts too): every
// 5 ms the VmRSS of the process and all its descendants is summed from /proc, and the largest
// sum is the peak. (`/usr/bin/time -v` would report only the largest single process.)
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, open, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BUILT_ACTION, parseOutputFile, runnerEnvironment } from "../scripts/run-like-runner.ts";
import { startSandbox } from "../sandbox/index.ts";
import { benchRow } from "./row.ts";
import type { BenchRow } from "./row.ts";

const SMALL = 100_000;
const LARGE = 1_000_000;
const API_KEY = "sk_test_memoryMEMORYmemory012345";
const ACTION = BUILT_ACTION;

type MemoryRow = BenchRow & { note: string };

/** A CSV of `rows` recipients; `order.id` is a nested variable, as dotted columns are. */
export async function writeCsv(path: string, rows: number): Promise<void> {
  const handle = await open(path, "w");
  await handle.write("to,name,order.id\n");
  for (let start = 0; start < rows; start += 10_000) {
    const lines: string[] = [];
    for (let i = start; i < Math.min(rows, start + 10_000); i++)
      lines.push(`user${i}@example.com,User ${i},ord_${i}\n`);
    await handle.write(lines.join(""));
  }
  await handle.close();
}

interface ActionRun {
  peakMb: number;
  outputs: Record<string, string>;
}

/** Runs `node dist/index.js` as the runner would, and measures its peak RSS. */
async function runAction(dir: string, name: string, inputs: Record<string, string>): Promise<ActionRun> {
  const outputFile = join(dir, `${name}.output`);
  const summaryFile = join(dir, `${name}.summary.md`);
  await writeFile(outputFile, "");
  await writeFile(summaryFile, "");
  const env = runnerEnvironment({ workspace: dir, outputFile, summaryFile, runnerTemp: dir }, inputs, {
    GITHUB_REPOSITORY: "senderkit/bench",
    GITHUB_RUN_ID: `${process.pid}${Date.now()}`,
    GITHUB_JOB: "memory",
    GITHUB_ACTION: name,
    GITHUB_SHA: "0000000000000000000000000000000000000000",
  });

  const child = spawn(process.execPath, [ACTION], { env, cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  const keep = (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-8_000); // the tail, for the error message
  };
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  const sampler = sampleTreeRss(child.pid!);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", resolve);
  });
  const peakKb = await sampler.stop();
  if (code !== 0) throw new Error(`node dist/index.js (${name}) exited with ${code}:\n${log}`);
  if (peakKb === 0) throw new Error(`no peak RSS measured for ${name}`);
  return { peakMb: peakKb / 1024, outputs: parseOutputFile(await readFile(outputFile, "utf8")) };
}

/** Sums VmRSS over `pid` and its descendants every 5 ms; resolves with the largest sum in kB. */
function sampleTreeRss(pid: number): { stop(): Promise<number> } {
  let peak = 0;
  let running = true;
  const rssKb = async (id: number): Promise<number> => {
    try {
      const match = /VmRSS:\s+(\d+) kB/.exec(await readFile(`/proc/${id}/status`, "utf8"));
      return match ? Number(match[1]) : 0;
    } catch {
      return 0; // gone
    }
  };
  const descendants = async (id: number): Promise<number[]> => {
    let children: number[];
    try {
      children = (await readFile(`/proc/${id}/task/${id}/children`, "utf8")).split(" ").filter(Boolean).map(Number);
    } catch {
      return [];
    }
    const below = await Promise.all(children.map(descendants));
    return [...children, ...below.flat()];
  };
  const loop = (async () => {
    while (running) {
      const tree = [pid, ...(await descendants(pid))];
      const total = (await Promise.all(tree.map(rssKb))).reduce((sum, kb) => sum + kb, 0);
      peak = Math.max(peak, total);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return peak;
    },
  };
}

function checkOutputs(name: string, outputs: Record<string, string>, sent: number, failed: number): void {
  if (outputs.sent !== String(sent) || outputs.failed !== String(failed)) {
    throw new Error(`${name}: expected sent=${sent} failed=${failed}, the action wrote ${JSON.stringify(outputs)}`);
  }
}

const mb = (value: number) => Math.round(value * 10) / 10;

export async function benchMemory(): Promise<MemoryRow[]> {
  if (!existsSync(ACTION)) throw new Error(`${ACTION} does not exist: build the action first (npm run build:action)`);
  const dir = await mkdtemp(join(tmpdir(), "senderkit-bench-memory-"));
  // The lifecycle is parked (an hour per step): 100,000 messages must not keep this process busy.
  const sandbox = await startSandbox({ stepDelayMs: 3_600_000 });
  try {
    const created = await fetch(`${sandbox.url}/v1/templates`, {
      method: "POST",
      headers: { authorization: `Bearer ${API_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({
        slug: "welcome",
        name: "Welcome",
        channel: "email",
        content: { subject: "Hi {{ name }}", html: "<p>Your order {{ order.id }} has shipped.</p>" },
      }),
    });
    if (created.status !== 201) throw new Error(`template setup failed: ${created.status}`);
    const inputs = (file: string, name: string) => ({
      mode: "batch",
      "api-key": API_KEY,
      "base-url": sandbox.url,
      file,
      template: "welcome",
      "results-file": join(dir, `${name}.jsonl`),
    });
    const peaks: Record<number, { mb: number; seconds: number }> = {};
    for (const rows of [SMALL, LARGE]) {
      const file = join(dir, `rows-${rows}.csv`);
      await writeCsv(file, rows);
      process.stderr.write(`  memory: ${rows.toLocaleString("en")} rows…\n`);
      const started = performance.now();
      const run = await runAction(dir, `rows-${rows}`, inputs(file, `rows-${rows}`));
      checkOutputs(`rows-${rows}`, run.outputs, rows, 0);
      peaks[rows] = { mb: mb(run.peakMb), seconds: (performance.now() - started) / 1000 };
      await rm(file);
    }
    return [
      {
        ...benchRow({
          name: `Action batch (real send): peak RSS at ${LARGE.toLocaleString("en")} rows`,
          ours: peaks[LARGE]!.mb,
          reference: peaks[SMALL]!.mb,
          unit: "MB",
          referenceName: `the same at ${SMALL.toLocaleString("en")} rows`,
          target: { atMost: 1.15 },
        }),
        note:
          `${LARGE.toLocaleString("en")} rows took ${peaks[LARGE]!.seconds.toFixed(1)} s, ${SMALL.toLocaleString("en")} took ` +
          `${peaks[SMALL]!.seconds.toFixed(1)} s; peak RSS of the whole process tree, sampled every 5 ms`,
      },
    ];
  } finally {
    await sandbox.close();
    await rm(dir, { recursive: true, force: true });
  }
}

// Row 4 of `npm run bench`: the GitHub Action's start-up and size. The action starts on every
// workflow run, so both are paid every time.
//
// Cold start: `node dist/index.js` as the runner starts it (INPUT_* variables, GITHUB_OUTPUT and
// GITHUB_STEP_SUMMARY files), against `node -e 0` — the floor any Node action pays. Lint mode on
// one template file (target ≤ 4×); send mode sending one message to a sandbox on 127.0.0.1
// (target ≤ 4.5×). Runs are interleaved (reference, ours, reference, ours, …) so machine noise
// hits both alike; the median of each is compared.
// Bundle size: every JavaScript file of dist/ (the entry and the chunks of every mode) against
// slack-github-action v3's 2.1 MB. Target: under 1×.
import { spawn } from "node:child_process";
import { mkdtemp, mkdir, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startSandbox } from "../sandbox/index.ts";
import { runnerEnvironment } from "../scripts/run-like-runner.ts";
import { SenderKit } from "../src/index.ts";
import { benchRow } from "./row.ts";
import type { BenchRow } from "./row.ts";

const DIST = fileURLToPath(new URL("../dist/", import.meta.url));
const RUNS = 21;
const BUNDLE_REFERENCE_BYTES = 2_100_000;
const API_KEY = "sk_test_benchSTARTbenchSTART0123";

const TEMPLATE = `slug: welcome
name: Welcome
channel: email
content:
  subject: "Welcome, {{ user.first_name }}"
  html: |
    <p>Hi {{ user.first_name }}, your plan: {{ user.plan | default: "free" }}</p>
fixtures:
  basic:
    user:
      first_name: Ada
`;

export async function benchActionStart(): Promise<BenchRow[]> {
  const dir = await mkdtemp(join(tmpdir(), "senderkit-bench-start-"));
  try {
    await mkdir(join(dir, "templates"));
    await writeFile(join(dir, "templates", "welcome.yml"), TEMPLATE);
    const outputFile = join(dir, "output");
    const summaryFile = join(dir, "summary.md");
    // The runner creates both files before the step starts.
    await writeFile(outputFile, "");
    await writeFile(summaryFile, "");
    const env = runnerEnvironment({ workspace: dir, outputFile, summaryFile, runnerTemp: dir }, { mode: "lint" });
    // A run id of its own for every run, so that each send is a new message, never a replay.
    let runs = 0;

    const timeRun = async (args: string[], extra: NodeJS.ProcessEnv = {}): Promise<number> => {
      const started = process.hrtime.bigint();
      const runEnv = { ...env, GITHUB_RUN_ID: `${process.pid}${++runs}`, ...extra };
      const child = spawn(process.execPath, args, { cwd: dir, env: runEnv, stdio: "ignore" });
      const code = await new Promise<number | null>((resolve) => child.once("close", resolve));
      if (code !== 0) throw new Error(`node ${args.join(" ")} exited with ${code}`);
      return Number(process.hrtime.bigint() - started) / 1e6;
    };
    const sandbox = await startSandbox({ stepDelayMs: 600_000 });
    const client = new SenderKit({ apiKey: API_KEY, baseUrl: sandbox.url });
    await client.templates.create({
      slug: "welcome",
      name: "Welcome",
      channel: "email",
      content: { subject: "Hi {{ name }}", html: "<p>Hi</p>" },
    });
    await client.close();
    const send = {
      INPUT_MODE: "send",
      "INPUT_API-KEY": API_KEY,
      "INPUT_BASE-URL": sandbox.url,
      INPUT_TEMPLATE: "welcome",
      INPUT_TO: "ada@example.com",
      INPUT_VARS: "name: Ada",
    };
    const measure = async (extra: NodeJS.ProcessEnv) => {
      // One untimed run each, so the file system cache is warm for both.
      await timeRun(["-e", "0"]);
      await timeRun([join(DIST, "index.js")], extra);
      const reference: number[] = [];
      const ours: number[] = [];
      for (let run = 0; run < RUNS; run++) {
        reference.push(await timeRun(["-e", "0"]));
        ours.push(await timeRun([join(DIST, "index.js")], extra));
      }
      return { ours: median(ours), reference: median(reference) };
    };
    const lint = await measure({});
    const sent = await measure(send).finally(() => sandbox.close());

    let bundleBytes = 0;
    const files: string[] = [];
    for (const name of await readdir(DIST)) {
      if (!/\.(c?js)$/.test(name)) continue;
      files.push(name);
      bundleBytes += (await stat(join(DIST, name))).size;
    }

    return [
      Object.assign(
        benchRow({
          name: "Action cold start, lint mode on one template",
          ...lint,
          unit: "ms",
          referenceName: "node -e 0",
          target: { atMost: 4 },
        }),
        {
          note: `median of ${RUNS} interleaved runs each; node dist/index.js with INPUT_MODE=lint, as the runner runs it`,
        },
      ),
      Object.assign(
        benchRow({
          name: "Action cold start, send mode, one message",
          ...sent,
          unit: "ms",
          referenceName: "node -e 0",
          target: { atMost: 4.5 },
        }),
        { note: `median of ${RUNS} interleaved runs each; one template send to a sandbox on 127.0.0.1` },
      ),
      Object.assign(
        benchRow({
          name: "Action bundle size (dist/, every mode)",
          ours: bundleBytes,
          reference: BUNDLE_REFERENCE_BYTES,
          unit: "bytes",
          referenceName: "slack-github-action v3 (2.1 MB)",
          target: { atMost: 1 },
        }),
        { note: `${files.length} files: ${files.sort().join(", ")}` },
      ),
    ];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

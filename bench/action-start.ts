// Row 4 of `npm run bench`: the GitHub Action's start-up and size. The action starts on every
// workflow run, so both are paid every time.
//
// Cold start: `node dist/index.js` in lint mode on one template file, as the runner starts it
// (INPUT_* variables, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files), against `node -e 0` — the
// floor any Node action pays. Runs are interleaved (reference, ours, reference, ours, …) so
// machine noise hits both alike; the median of each is compared. Target: under 3×.
// Bundle size: every JavaScript file of dist/ (the entry and the chunks of every mode) against
// 1 MB. Target: at most 1×.
import { spawnSync } from "node:child_process";
import { mkdtemp, mkdir, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { benchRow } from "./row.ts";
import type { BenchRow } from "./row.ts";

const DIST = fileURLToPath(new URL("../dist/", import.meta.url));
const RUNS = 21;
const BUNDLE_TARGET_BYTES = 1_000_000;

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
    const output = join(dir, "output");
    const summary = join(dir, "summary.md");
    // Only what the runner would set: nothing of this shell's own workflow leaks in.
    const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(INPUT_|GITHUB_|RUNNER_|SENDERKIT_)/.test(key)));
    Object.assign(env, { GITHUB_ACTIONS: "true", GITHUB_WORKSPACE: dir, GITHUB_OUTPUT: output, GITHUB_STEP_SUMMARY: summary, INPUT_MODE: "lint" });

    const timeRun = (args: string[]): number => {
      const started = process.hrtime.bigint();
      const result = spawnSync(process.execPath, args, { cwd: dir, env, stdio: "ignore" });
      if (result.status !== 0) throw new Error(`node ${args.join(" ")} exited with ${result.status}`);
      return Number(process.hrtime.bigint() - started) / 1e6;
    };
    // One untimed run each, so the file system cache is warm for both.
    timeRun(["-e", "0"]);
    timeRun([join(DIST, "index.js")]);
    const reference: number[] = [];
    const ours: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      reference.push(timeRun(["-e", "0"]));
      ours.push(timeRun([join(DIST, "index.js")]));
    }

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
          ours: median(ours),
          reference: median(reference),
          unit: "ms",
          referenceName: "node -e 0",
          target: { atMost: 3 },
        }),
        { note: `median of ${RUNS} interleaved runs each; node dist/index.js with INPUT_MODE=lint, as the runner starts it` },
      ),
      Object.assign(
        benchRow({
          name: "Action bundle size (dist/, every mode)",
          ours: bundleBytes,
          reference: BUNDLE_TARGET_BYTES,
          unit: "bytes",
          referenceName: "1 MB",
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

// Row 10 of `npm run bench`: the `senderkit` command's cold start. A pre-commit hook runs
// `senderkit lint` on every commit, so its start-up is paid every time.
//
// Ours: `node bin/senderkit.js lint <one template file>` from a checkout (the TypeScript sources,
// as bin/senderkit.js loads them there). Reference: `node -e 0`, the floor of any Node command.
// Runs are interleaved (reference, ours, …) so machine noise hits both alike; the medians are
// compared. Target: under 3×.
import { spawnSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { benchRow } from "./row.ts";
import type { BenchRow } from "./row.ts";

const BIN = fileURLToPath(new URL("../bin/senderkit.js", import.meta.url));
const RUNS = 21;

const TEMPLATE = `slug: welcome
name: Welcome
channel: email
content:
  subject: "Welcome, {{ user.first_name }}"
  html: |
    <p>Hi {{ user.first_name }}, your plan: {{ user.plan | default: "free" }}</p>
  text: "Hi {{ user.first_name }}"
fixtures:
  basic:
    user:
      first_name: Ada
`;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

export async function benchCliStart(): Promise<BenchRow[]> {
  const dir = await mkdtemp(join(tmpdir(), "senderkit-bench-cli-"));
  try {
    await writeFile(join(dir, "welcome.yml"), TEMPLATE);
    const timeRun = (args: string[]): number => {
      const started = process.hrtime.bigint();
      const result = spawnSync(process.execPath, args, {
        cwd: dir,
        stdio: "ignore",
        env: { ...process.env, NO_COLOR: "1" },
      });
      if (result.status !== 0) throw new Error(`node ${args.join(" ")} exited with ${result.status}`);
      return Number(process.hrtime.bigint() - started) / 1e6;
    };
    const lint = [BIN, "lint", "welcome.yml"];
    // One untimed run each, so the file system cache is warm for both.
    timeRun(["-e", "0"]);
    timeRun(lint);
    const reference: number[] = [];
    const ours: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      reference.push(timeRun(["-e", "0"]));
      ours.push(timeRun(lint));
    }
    return [
      Object.assign(
        benchRow({
          name: "senderkit lint cold start (one file)",
          ours: median(ours),
          reference: median(reference),
          unit: "ms",
          referenceName: "node -e 0",
          target: { atMost: 3 },
        }),
        { note: `median of ${RUNS} interleaved runs each` },
      ),
    ];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

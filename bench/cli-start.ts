// Row 10 of `npm run bench`: the `senderkit` command's cold start. A pre-commit hook runs
// `senderkit lint` on every commit, so its start-up is paid every time.
//
// 10a, what a user runs: `node bin/senderkit.js lint <one template file>` from a folder laid out like
// the installed package (package.json, bin/, the CLI bundle built into lib/cli/ by scripts/build.ts,
// no cli/), so the bin picks the bundle as it does after `npm install`. 10b, for reference: the same
// command from this checkout, which runs the TypeScript sources. Reference: `node -e 0`, the floor of
// any Node command. Runs are interleaved, the order rotating each round, so machine noise hits all
// alike; medians are compared. Target: under 3× for what users run.
import { spawnSync } from "node:child_process";
import { copyFile, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { benchRow } from "./row.ts";
import type { BenchRow } from "./row.ts";

const REPO = fileURLToPath(new URL("..", import.meta.url));
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

/** Runs `node ...args` in `cwd`; its wall time in ms. */
function timeRun(args: string[], cwd: string): number {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { cwd, stdio: "ignore", env: { ...process.env, NO_COLOR: "1" } });
  if (result.status !== 0) throw new Error(`node ${args.join(" ")} exited with ${result.status}`);
  return Number(process.hrtime.bigint() - started) / 1e6;
}

export async function benchCliStart(): Promise<BenchRow[]> {
  const dir = await mkdtemp(join(tmpdir(), "senderkit-bench-cli-"));
  try {
    const installed = join(dir, "package");
    await mkdir(join(installed, "bin"), { recursive: true });
    await copyFile(join(REPO, "package.json"), join(installed, "package.json"));
    await copyFile(join(REPO, "bin", "senderkit.js"), join(installed, "bin", "senderkit.js"));
    timeRun([join(REPO, "scripts", "build.ts"), "cli", join(installed, "lib", "cli")], REPO);
    await writeFile(join(dir, "welcome.yml"), TEMPLATE);

    const sides = {
      reference: ["-e", "0"],
      installed: [join(installed, "bin", "senderkit.js"), "lint", "welcome.yml"],
      checkout: [join(REPO, "bin", "senderkit.js"), "lint", "welcome.yml"],
    };
    const names = Object.keys(sides) as (keyof typeof sides)[];
    const times = { reference: [] as number[], installed: [] as number[], checkout: [] as number[] };
    // One untimed run each: the file system cache and Node's compile cache are warm for all.
    for (const name of names) timeRun(sides[name], dir);
    for (let run = 0; run < RUNS; run++)
      for (let i = 0; i < names.length; i++) {
        const name = names[(run + i) % names.length]!;
        times[name].push(timeRun(sides[name], dir));
      }
    const note = `median of ${RUNS} interleaved runs each`;
    const reference = median(times.reference);
    return [
      Object.assign(
        benchRow({
          name: "senderkit lint cold start (one file), installed: the CLI bundle",
          ours: median(times.installed),
          reference,
          unit: "ms",
          referenceName: "node -e 0",
          target: { atMost: 3 },
        }),
        { note },
      ),
      // The checkout's figure is for reference only: it is what developers of this project run.
      Object.assign(
        benchRow({
          name: "senderkit lint cold start (one file), checkout: the TypeScript sources",
          ours: median(times.checkout),
          reference,
          unit: "ms",
          referenceName: "node -e 0",
          target: { atMost: Number.POSITIVE_INFINITY },
        }),
        { note, targetText: "none (reference)" },
      ),
    ];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

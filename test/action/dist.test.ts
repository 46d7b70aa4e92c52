// dist/ is committed (the runner runs it as it is), so it must be what the sources build to:
// rebuild into a temporary directory and compare every file byte for byte.
import { spawn } from "node:child_process";
import { mkdtemp, readFile, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { REPO } from "./helpers.ts";

const DIST = join(REPO, "dist");
let rebuilt: string | undefined;

afterAll(async () => {
  if (rebuilt) await rm(rebuilt, { recursive: true, force: true });
});

/** `node scripts/build.ts action <dir>` (what `npm run build:action` runs), in its own process. */
async function build(outDir: string): Promise<void> {
  const child = spawn(process.execPath, [join(REPO, "scripts", "build.ts"), "action", outDir], {
    cwd: REPO,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once("close", resolve));
  if (code !== 0) throw new Error(`the build failed (exit ${code}):\n${output.slice(-4000)}`);
}

describe("dist/", () => {
  it(
    "is up to date with the sources: a rebuild gives the same files, byte for byte",
    { timeout: 180_000 },
    async () => {
      rebuilt = await mkdtemp(join(tmpdir(), "senderkit-dist-"));
      await build(rebuilt);
      const expected = (await readdir(rebuilt)).sort();
      const actual = (await readdir(DIST)).sort();
      expect(actual, "the files in dist/ (run `npm run build:action` to rebuild)").toEqual(expected);
      expect(expected).toContain("index.js");
      expect(expected.filter((name) => name.endsWith(".index.js")).length).toBeGreaterThanOrEqual(3);
      for (const name of expected) {
        const [built, committed] = await Promise.all([readFile(join(rebuilt, name)), readFile(join(DIST, name))]);
        expect(committed.equals(built), `dist/${name} differs from a fresh build: run \`npm run build:action\``).toBe(
          true,
        );
      }
    },
  );

  it("is an ES module bundle under 2.1 MB in total, octokit and the HTTP client only in the chunks that need them", async () => {
    let total = 0;
    for (const name of await readdir(DIST)) if (name.endsWith(".js")) total += (await stat(join(DIST, name))).size;
    expect(total).toBeLessThan(2_100_000);
    expect(JSON.parse(await readFile(join(DIST, "package.json"), "utf8"))).toEqual({ type: "module" });
    // The entry (what every mode loads) holds @actions/core, not octokit nor the client's undici 8.
    const entry = await readFile(join(DIST, "index.js"), "utf8");
    expect(entry).toContain("GITHUB_STEP_SUMMARY");
    for (const absent of ["Octokit", "sendBatch", "idempotent-replayed"]) expect(entry, absent).not.toContain(absent);
  });
});

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

/** `npm run build:action <dir>` in its own process (the build changes the working directory). */
async function build(outDir: string): Promise<void> {
  const child = spawn(process.execPath, [join(REPO, "action", "build.ts"), outDir], { cwd: REPO, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once("close", resolve));
  if (code !== 0) throw new Error(`the build failed (exit ${code}):\n${output.slice(-4000)}`);
}

describe("dist/", () => {
  it("is up to date with the sources: a rebuild gives the same files, byte for byte", { timeout: 180_000 }, async () => {
    rebuilt = await mkdtemp(join(tmpdir(), "senderkit-dist-"));
    await build(rebuilt);
    const expected = (await readdir(rebuilt)).sort();
    const actual = (await readdir(DIST)).sort();
    expect(actual, "the files in dist/ (run `npm run build:action` to rebuild)").toEqual(expected);
    expect(expected).toContain("index.js");
    expect(expected.filter((name) => name.endsWith(".index.js")).length).toBeGreaterThanOrEqual(3);
    for (const name of expected) {
      const [built, committed] = await Promise.all([readFile(join(rebuilt, name)), readFile(join(DIST, name))]);
      expect(committed.equals(built), `dist/${name} differs from a fresh build: run \`npm run build:action\``).toBe(true);
    }
  });

  it("is an ES module bundle under 1 MB in total, with undici's slim entry and no octokit", async () => {
    let total = 0;
    const code: string[] = [];
    for (const name of await readdir(DIST)) {
      if (!name.endsWith(".js")) continue;
      total += (await stat(join(DIST, name))).size;
      code.push(await readFile(join(DIST, name), "utf8"));
    }
    expect(total).toBeLessThan(1_000_000);
    expect(JSON.parse(await readFile(join(DIST, "package.json"), "utf8"))).toEqual({ type: "module" });
    const all = code.join("\n");
    expect(all).toContain("EnvHttpProxyAgent");
    // Not bundled: octokit, @actions/* (and the second undici they would bring), undici's fetch and WebSocket.
    for (const absent of ["@octokit", "Octokit", "OidcClient", "WebSocketStream", "MockAgent"]) expect(all, absent).not.toContain(absent);
  });
});

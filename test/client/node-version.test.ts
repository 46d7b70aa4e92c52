// The Node.js guard: the check itself, the package entry refusing an old Node before undici loads,
// and the sandbox bin run as a user runs it, on a Node that reports an older version.
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ts from "typescript";
import { afterAll, describe, expect, it } from "vitest";
import { REQUIRED_NODE, nodeVersionProblem } from "../../src/internal/node-version.ts";

const ROOT = join(import.meta.dirname, "../..");
/** Makes the child Node report `version` as process.versions.node, as an old Node would. */
const pretend = (version: string) =>
  `data:text/javascript,Object.defineProperty(process.versions,"node",{value:"${version}"})`;

describe("nodeVersionProblem", () => {
  it("accepts the required version and anything newer", () => {
    for (const version of [REQUIRED_NODE, "22.19.1", "22.20.0", "24.0.0", "v30.1.2"])
      expect(nodeVersionProblem(version)).toBeUndefined();
  });

  it("refuses older versions in one line naming the needed and the found version", () => {
    expect(nodeVersionProblem("20.20.2")).toBe(
      `senderkit needs Node.js ${REQUIRED_NODE} or newer; this is Node.js 20.20.2`,
    );
    for (const version of ["22.18.9", "21.99.99", "v18.0.0", "not a version"]) {
      expect(nodeVersionProblem(version)).toMatch(/^senderkit needs Node\.js 22\.19\.0 or newer; this is Node\.js .+$/);
    }
  });

  it("matches package.json engines", () => {
    const engines = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { engines: { node: string } })
      .engines.node;
    expect(`>=${REQUIRED_NODE}`.replace(/\.0$/, "")).toBe(engines);
  });
});

describe("the entry points", () => {
  it("`import` of the package on an old Node fails with the one-line message, not inside undici", () => {
    const script = `import(${JSON.stringify(join(ROOT, "src/index.ts"))}).then(() => console.log("loaded"), (e) => console.log("refused: " + e.message))`;
    const old = spawnSync(process.execPath, ["--import", pretend("20.19.0"), "--input-type=module", "-e", script], {
      encoding: "utf8",
    });
    expect(old.stdout.trim()).toBe(
      `refused: senderkit needs Node.js ${REQUIRED_NODE} or newer; this is Node.js 20.19.0`,
    );
    const current = spawnSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" });
    expect(current.stdout.trim()).toBe("loaded");
  });

  describe("bin/senderkit-sandbox.js", () => {
    // The bin as installed: bin/ beside lib/ (the compiled guard, and a stand-in CLI that says it ran).
    const dir = mkdtempSync(join(tmpdir(), "senderkit-bin-"));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    mkdirSync(join(dir, "bin"));
    mkdirSync(join(dir, "lib/src/internal"), { recursive: true });
    mkdirSync(join(dir, "lib/sandbox"));
    writeFileSync(join(dir, "package.json"), '{"type":"module"}');
    copyFileSync(join(ROOT, "bin/senderkit-sandbox.js"), join(dir, "bin/senderkit-sandbox.js"));
    const guard = ts.transpileModule(readFileSync(join(ROOT, "src/internal/node-version.ts"), "utf8"), {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    });
    writeFileSync(join(dir, "lib/src/internal/node-version.js"), guard.outputText);
    writeFileSync(join(dir, "lib/sandbox/cli.js"), 'process.stdout.write("cli started\\n");');
    const bin = join(dir, "bin/senderkit-sandbox.js");

    it("on an old Node exits 1 with one line on stderr, before loading the CLI", () => {
      const run = spawnSync(process.execPath, ["--import", pretend("20.19.0"), bin], { encoding: "utf8" });
      expect(run.status).toBe(1);
      expect(run.stdout).toBe("");
      expect(run.stderr).toBe(
        `senderkit-sandbox: senderkit needs Node.js ${REQUIRED_NODE} or newer; this is Node.js 20.19.0\n`,
      );
    });

    it("on a recent Node loads the CLI", () => {
      const run = spawnSync(process.execPath, [bin], { encoding: "utf8" });
      expect(run.stderr).toBe("");
      expect(run.stdout).toBe("cli started\n");
      expect(run.status).toBe(0);
    });

    it("bin/senderkit.js uses the same rule: on an old Node it exits 2 with the one line", () => {
      copyFileSync(join(ROOT, "bin/senderkit.js"), join(dir, "bin/senderkit.js"));
      const senderkit = join(dir, "bin/senderkit.js");
      const run = spawnSync(process.execPath, ["--import", pretend("20.19.0"), senderkit, "sandbox"], {
        encoding: "utf8",
      });
      expect(run.status).toBe(2);
      expect(run.stdout).toBe("");
      expect(run.stderr).toBe(`senderkit needs Node.js ${REQUIRED_NODE} or newer; this is Node.js 20.19.0\n`);
      const current = spawnSync(process.execPath, [senderkit, "sandbox"], { encoding: "utf8" });
      expect(current.stdout).toBe("cli started\n");
    });
  });
});

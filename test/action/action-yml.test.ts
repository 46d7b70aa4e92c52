// action.yml must declare every input the code reads (with the same defaults) and every output
// it writes: an input the runner does not know is never passed, so a missing declaration is a
// silently ignored setting.
import { readFile, readdir } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { INPUTS } from "../../action/inputs.ts";
import { REPO } from "./helpers.ts";

interface ActionYml {
  runs: { using: string; main: string };
  inputs: Record<string, { description?: string; default?: string; required?: boolean }>;
  outputs: Record<string, { description?: string }>;
}

const actionYml = parse(await readFile(join(REPO, "action.yml"), "utf8")) as ActionYml;

/** Every action/ source file's text. */
async function sources(): Promise<{ file: string; text: string }[]> {
  const dir = join(REPO, "action");
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files = entries
    .filter((entry) => entry.isFile() && entry.name.endsWith(".ts"))
    .map((entry) => join(entry.parentPath, entry.name));
  return Promise.all(files.map(async (file) => ({ file, text: await readFile(file, "utf8") })));
}

/** Input names read in the sources: `input.<reader>("name")` (the InputReader) and `getInput("name")`. */
function inputsRead(text: string): string[] {
  const names = new Set<string>();
  const patterns = [
    /\binput\.(?:text|optionalText|requiredText|boolean|integer|mapping|stringMapping|list|lines|path|problem)\(\s*"([^"]+)"/g,
    /\bgetInput\(\s*"([^"]+)"/g,
  ];
  for (const pattern of patterns) for (const match of text.matchAll(pattern)) names.add(match[1]!);
  return [...names];
}

describe("action.yml", () => {
  it("runs dist/index.js on node24", () => {
    expect(actionYml.runs).toEqual({ using: "node24", main: "dist/index.js" });
  });

  it("declares every input the code reads", async () => {
    const declared = Object.keys(actionYml.inputs);
    const read = new Set<string>();
    for (const { file, text } of await sources()) {
      for (const name of inputsRead(text)) {
        expect(declared, `${file} reads the input "${name}"`).toContain(name);
        read.add(name);
      }
    }
    // The scan found the reads (so it would notice a new one), and no declared input is dead.
    expect([...read].sort()).toEqual(declared.sort());
  });

  it("declares the inputs of action/inputs.ts, with the same defaults, each described", () => {
    expect(Object.keys(actionYml.inputs).sort()).toEqual(Object.keys(INPUTS).sort());
    for (const [name, spec] of Object.entries(INPUTS) as [string, { default?: string }][]) {
      expect(actionYml.inputs[name]!.default, `default of ${name}`).toBe(spec.default);
      expect(actionYml.inputs[name]!.description?.length ?? 0, `description of ${name}`).toBeGreaterThan(20);
    }
  });

  it("declares every output the code writes", async () => {
    const written = new Set<string>();
    for (const { text } of await sources())
      for (const match of text.matchAll(/\bsetOutput\(\s*"([^"]+)"/g)) written.add(match[1]!);
    expect([...written].sort()).toEqual(Object.keys(actionYml.outputs).sort());
  });
});

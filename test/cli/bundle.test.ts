// The `senderkit` command as a published package runs it: the CLI bundle (scripts/build.ts, what
// `prepare` puts in lib/cli/) behind bin/senderkit.js, in a folder laid out like the package (no
// cli/, no node_modules). It is built afresh here, so a bundling break fails the tests, and must say
// what the TypeScript sources say, byte for byte.
import { execFile } from "node:child_process";
import { copyFile, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const REPO = fileURLToPath(new URL("../../", import.meta.url));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `node <bin> ...args` with this Node (vitest runs on the project's Node 24). */
async function run(bin: string, args: string[], cwd = REPO): Promise<Run> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [bin, ...args], {
      cwd,
      env: { ...process.env, NO_COLOR: "1" },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    if (typeof failed.code !== "number") throw error;
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** A folder with package.json, bin/senderkit.js and its version guard as the package ships them. */
async function packageLayout(root: string): Promise<string> {
  await mkdir(join(root, "bin"), { recursive: true });
  await mkdir(join(root, "lib", "src", "internal"), { recursive: true });
  await copyFile(join(REPO, "package.json"), join(root, "package.json"));
  await copyFile(join(REPO, "bin", "senderkit.js"), join(root, "bin", "senderkit.js"));
  const guard = join("lib", "src", "internal", "node-version.js");
  await copyFile(join(REPO, guard), join(root, guard));
  return join(root, "bin", "senderkit.js");
}

let dir: string;
let installed: string;
const SOURCES = join(REPO, "bin", "senderkit.js");

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "senderkit-bundle-"));
  installed = await packageLayout(join(dir, "package"));
  const built = await run(join(REPO, "scripts", "build.ts"), ["cli", join(dir, "package", "lib", "cli")]);
  if (built.code !== 0) throw new Error(`the CLI build failed (exit ${built.code}):\n${built.stderr.slice(-4000)}`);
  await mkdir(join(dir, "broken"));
  await writeFile(join(dir, "broken", "shape.json"), '{ "slug": "Not A Slug", "channel": "fax" }');
  await writeFile(join(dir, "broken", "syntax.yml"), "slug: x\nname: [unclosed\n");
  await writeFile(
    join(dir, "broken", "sms.yml"),
    'slug: sms\nname: SMS\nchannel: sms\ncontent:\n  body: "Hi {{ nmae }} 😀"\nfixtures:\n  a:\n    name: Ada\n',
  );
}, 180_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("the CLI bundle", () => {
  it("is one ES module file with its dependencies' licenses", async () => {
    const files = await readdir(join(dir, "package", "lib", "cli"));
    expect(files.sort()).toEqual(["licenses.txt", "package.json", "senderkit.js"]);
    const licenses = await readFile(join(dir, "package", "lib", "cli", "licenses.txt"), "utf8");
    for (const name of ["yaml", "zod"]) expect(licenses).toMatch(new RegExp(`^${name}\\n`, "m"));
  });

  it.each([
    ["lint", "examples/templates"],
    ["lint", "examples/templates", "--format", "json"],
    ["lint", "examples/templates", "--format", "json", "--disable", "email-text-missing"],
    ["lint", "--rules"],
    ["--version"],
    ["lint", "--help"],
    ["deploy"],
  ])("answers `senderkit %s %s …` as the sources do", async (...args) => {
    const [fromBundle, fromSources] = await Promise.all([run(installed, args), run(SOURCES, args)]);
    expect(fromBundle).toEqual(fromSources);
  });

  it("reports shape, syntax and channel errors as the sources do (exit 1)", async () => {
    const cwd = join(dir, "broken");
    const both = (args: string[]) => Promise.all([run(installed, args, cwd), run(SOURCES, args, cwd)]);
    const [stylish, stylishFromSources] = await both(["lint", "."]);
    expect(stylish).toEqual(stylishFromSources);
    const [json, jsonFromSources] = await both(["lint", ".", "--format", "json"]);
    expect(json).toEqual(jsonFromSources);
    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout) as { files: { findings: { rule: string }[] }[] };
    const rules = new Set(report.files.flatMap((file) => file.findings.map((finding) => finding.rule)));
    for (const rule of ["shape", "syntax", "sms-encoding", "missing-variable"]) expect(rules).toContain(rule);
  });

  it("writes the same previews as the sources", async () => {
    const out = (name: string) => join(dir, "previews", name);
    const [fromBundle, fromSources] = await Promise.all([
      run(installed, ["preview", "examples/templates", "--out", out("bundle")]),
      run(SOURCES, ["preview", "examples/templates", "--out", out("sources")]),
    ]);
    expect(fromBundle.code).toBe(0);
    expect(fromBundle.stdout.replace(out("bundle"), "OUT")).toBe(fromSources.stdout.replace(out("sources"), "OUT"));
    const pages = (await readdir(out("sources"))).sort();
    expect((await readdir(out("bundle"))).sort()).toEqual(pages);
    for (const page of pages)
      expect(await readFile(join(out("bundle"), page), "utf8"), page).toBe(
        await readFile(join(out("sources"), page), "utf8"),
      );
  });
});

describe("bin/senderkit.js: sources or build", () => {
  // Stand-ins that say which file ran, in a folder laid out like a checkout and one like the package.
  const STUBS = {
    "cli/index.ts": "cli sources",
    "lib/cli/senderkit.js": "cli bundle",
    "sandbox/cli.ts": "sandbox sources",
    "lib/sandbox/cli.js": "sandbox build",
  };
  const layout = async (name: string, without?: string): Promise<string> => {
    const bin = await packageLayout(join(dir, name));
    for (const [path, says] of Object.entries(STUBS)) {
      if (without !== undefined && path.startsWith(without)) continue;
      await mkdir(join(dir, name, path, ".."), { recursive: true });
      await writeFile(join(dir, name, path), `process.stdout.write(${JSON.stringify(says)});\n`);
    }
    return bin;
  };

  it("runs the TypeScript sources when cli/index.ts is beside bin/ (a checkout)", async () => {
    const bin = await layout("checkout");
    expect(await run(bin, ["lint", "x"])).toMatchObject({ code: 0, stdout: "cli sources" });
    expect(await run(bin, ["sandbox"])).toMatchObject({ code: 0, stdout: "sandbox sources" });
  });

  it("runs lib/ when there is no cli/ (an installed package)", async () => {
    const bin = await layout("installed", "cli/");
    expect(await run(bin, ["lint", "x"])).toMatchObject({ code: 0, stdout: "cli bundle" });
    expect(await run(bin, ["sandbox"])).toMatchObject({ code: 0, stdout: "sandbox build" });
  });
});

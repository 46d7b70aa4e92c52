// Builds dist/ — the action as the runner loads it — with @vercel/ncc:
//
//   node action/build.ts [outDir]        (outDir defaults to dist)
//
// What plain `ncc build action/main.ts` does not do, and why this script does it:
//  1. It builds from a staged copy of action/, src/ and the configs (under node_modules/.cache,
//     at a fixed depth so module ids are the same on every machine). ncc type-checks every file
//     its tsconfig includes, so in place a type error in an unrelated test would break the
//     action's build; staged, only the action and the client core are checked.
//  2. `undici` resolves to action/undici-slim/: the client core imports undici's entry
//     point, which also loads fetch, WebSocket, caches and mocks — a megabyte the action never
//     runs. The slim entry loads only the dispatcher the core uses. ncc resolves `paths` from
//     the tsconfig.json of its working directory, so the staged tsconfig.json is the
//     repository's plus that one mapping, and ncc runs in the stage.
//  3. ncc minifies only index.js; the chunks (one per mode) are minified here too, with the oxc
//     minifier that rolldown exposes (rolldown is already installed, under vite/vitest).
// The output is deterministic: test/action/dist.test.ts rebuilds and compares byte for byte.
import { randomBytes } from "node:crypto";
import { cp, mkdir, readdir, readFile, rm, rmdir, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { minifySync } from "rolldown/utils";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const require = createRequire(join(REPO, "package.json"));

interface NccAsset {
  source: string | Buffer;
  permissions?: number;
}
interface NccResult {
  code: string;
  assets: Record<string, NccAsset>;
}
interface NccOptions {
  minify?: boolean;
  sourceMapRegister?: boolean;
  license?: string;
  quiet?: boolean;
  cache?: boolean;
}
const ncc = require("@vercel/ncc") as (entry: string, options: NccOptions) => Promise<NccResult>;

/** Builds into `outDir`; changes the working directory while ncc runs (run it in its own process). */
export async function buildAction(outDir = join(REPO, "dist")): Promise<string[]> {
  const stage = join(REPO, "node_modules", ".cache", "senderkit-action-build", randomBytes(6).toString("hex"));
  const cwd = process.cwd();
  try {
    await stageSources(stage);
    await checkUndiciExports();
    process.chdir(stage);
    const { code, assets } = await ncc(join(stage, "action", "main.ts"), {
      minify: true,
      sourceMapRegister: false,
      license: "licenses.txt",
      quiet: true,
      cache: false,
    });
    process.chdir(cwd);
    if (code.includes('from"undici"') || Object.values(assets).some((asset) => String(asset.source).includes("lib/web/fetch"))) {
      throw new Error("the bundle holds undici's full entry point: the `paths` mapping to action/undici-slim/ did not apply");
    }

    const files: Record<string, string | Buffer> = { "index.js": code };
    for (const [name, asset] of Object.entries(assets)) files[name] = name.endsWith(".index.js") ? minify(name, String(asset.source)) : asset.source;
    await rm(outDir, { recursive: true, force: true });
    await mkdir(outDir, { recursive: true });
    for (const [name, source] of Object.entries(files)) await writeFile(join(outDir, name), source);
    return Object.keys(files).sort();
  } finally {
    process.chdir(cwd);
    await rm(stage, { recursive: true, force: true });
    await rmdir(dirname(stage)).catch(() => {}); // when no other build is running
  }
}

/** Copies what the bundle is built from; tests, examples and other packages stay out. */
async function stageSources(stage: string): Promise<void> {
  await mkdir(stage, { recursive: true });
  await cp(join(REPO, "package.json"), join(stage, "package.json"));
  await cp(join(REPO, "tsconfig.json"), join(stage, "tsconfig.repository.json"));
  const tsconfig = { extends: "./tsconfig.repository.json", compilerOptions: { baseUrl: ".", paths: { undici: ["./action/undici-slim"] } } };
  await writeFile(join(stage, "tsconfig.json"), JSON.stringify(tsconfig, null, 2));
  await cp(join(REPO, "src"), join(stage, "src"), { recursive: true });
  await cp(join(REPO, "action"), join(stage, "action"), { recursive: true, filter: (path) => !path.endsWith(".md") && !path.endsWith("build.ts") });
}

function minify(name: string, code: string): string {
  const result = minifySync(name, code, { module: true, compress: true, mangle: { toplevel: true, keepNames: true } });
  if (result.errors.length > 0) throw new Error(`minifying ${name}: ${result.errors.map((error) => error.message).join("; ")}`);
  return result.code;
}

/** Fails the build when src/ imports a name from "undici" that the slim entry does not export. */
async function checkUndiciExports(): Promise<void> {
  const imported = new Set<string>();
  for (const file of await sourceFiles(join(REPO, "src"))) {
    const text = await readFile(file, "utf8");
    for (const match of text.matchAll(/import\s+\{([^}]*)\}\s+from\s+"undici"/g)) {
      for (const part of match[1]!.split(",")) {
        const name = part.trim().split(/\s+as\s+/)[0]!.trim();
        if (name !== "" && !name.startsWith("type ")) imported.add(name);
      }
    }
  }
  const slim = require(join(REPO, "action", "undici-slim", "index.cjs")) as Record<string, unknown>;
  const missing = [...imported].filter((name) => !(name in slim));
  if (missing.length > 0) throw new Error(`action/undici-slim/ does not export ${missing.join(", ")}, which src/ imports from "undici"`);
}

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((entry) => entry.isFile() && entry.name.endsWith(".ts")).map((entry) => join(entry.parentPath, entry.name));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outDir = resolve(process.argv[2] ?? join(REPO, "dist"));
  const files = await buildAction(outDir);
  console.log(`built ${files.length} files into ${outDir}: ${files.join(", ")}`);
}

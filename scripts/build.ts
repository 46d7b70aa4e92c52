// The project's one build: @vercel/ncc bundles each target's entry, with what it imports, into a folder.
//
//   node scripts/build.ts action [outDir]    dist/, the Action as the runner loads it (`npm run build:action`)
//   node scripts/build.ts cli [outDir]       lib/cli/, the `senderkit` command as installed (`prepare`)
//
// ncc minifies the entry only; every file goes through the minifier of rolldown (already installed
// under vitest) instead. test/action/dist.test.ts rebuilds dist/ and compares it byte for byte;
// test/cli/bundle.test.ts builds the CLI and checks it lints as the sources do.
import { mkdir, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { minifySync } from "rolldown/utils";

const REPO = fileURLToPath(new URL("..", import.meta.url));

interface Target {
  /** The entry, from the repository's root. */
  entry: string;
  /** ncc reads `paths` from the tsconfig.json of the working directory, so each target runs in its own. */
  cwd: string;
  outDir: string;
  /** The name the entry's bundle is written under (chunks and the license file sit beside it). */
  main: string;
}

export const TARGETS = {
  // Each mode is a dynamic import, so ncc gives it a chunk of its own and a mode loads only what it uses.
  // action/tsconfig.json maps the toolkit's undici to the project's own.
  action: { entry: "action/main.ts", cwd: "action", outDir: "dist", main: "index.js" },
  // One file for bin/senderkit.js to load: a pre-commit hook pays the command's start-up on every
  // commit, and loading zod and yaml module by module through the ESM loader is most of it.
  cli: { entry: "cli/index.ts", cwd: "cli", outDir: "lib/cli", main: "senderkit.js" },
} satisfies Record<string, Target>;
export type TargetName = keyof typeof TARGETS;

type Ncc = (
  entry: string,
  options: Record<string, unknown>,
) => Promise<{ code: string; assets: Record<string, { source: string | Buffer }> }>;
const ncc = createRequire(import.meta.url)("@vercel/ncc") as Ncc;

/** Builds a target into `outDir` (emptied first); returns the file names written. */
export async function build(name: TargetName, outDir = join(REPO, TARGETS[name].outDir)): Promise<string[]> {
  const target: Target = TARGETS[name];
  const cwd = process.cwd();
  process.chdir(join(REPO, target.cwd));
  let output: Awaited<ReturnType<Ncc>>;
  try {
    output = await ncc(join(REPO, target.entry), {
      minify: false,
      sourceMapRegister: false,
      license: "licenses.txt",
      quiet: true,
      cache: false,
      // Type errors are `npm test`'s job (tsc --noEmit); the bundle only needs the code.
      transpileOnly: true,
    });
  } finally {
    process.chdir(cwd);
  }
  const files: Record<string, string | Buffer> = { [target.main]: minify(target.main, output.code) };
  for (const [file, asset] of Object.entries(output.assets))
    files[file] = file.endsWith(".js") ? minify(file, String(asset.source)) : asset.source;
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  for (const [file, source] of Object.entries(files)) await writeFile(join(outDir, file), source);
  return Object.keys(files).sort();
}

function minify(name: string, code: string): string {
  const result = minifySync(name, code, { module: true, compress: true, mangle: { toplevel: true } });
  if (result.errors.length > 0)
    throw new Error(`minifying ${name}: ${result.errors.map((error) => error.message).join("; ")}`);
  return result.code;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [name, dir] = process.argv.slice(2);
  if (name !== "action" && name !== "cli") {
    console.error("usage: node scripts/build.ts action|cli [outDir]");
    process.exit(2);
  }
  const outDir = resolve(dir ?? join(REPO, TARGETS[name].outDir));
  const files = await build(name, outDir);
  console.log(`built ${name}: ${files.length} files into ${outDir}: ${files.join(", ")}`);
}

// Builds dist/ — the Action as the runner loads it — with @vercel/ncc: `npm run build:action`.
//
//   node scripts/build-action.ts [outDir]        (outDir defaults to dist)
//
// One entry (action/main.ts, compiled with action/tsconfig.json); each mode is a dynamic import,
// so ncc gives it a chunk of its own and a mode loads only what it uses. ncc minifies the entry
// only; the chunks go through the minifier of rolldown (already installed under vitest).
// test/action/dist.test.ts rebuilds and compares byte for byte.
import { mkdir, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { minifySync } from "rolldown/utils";

const REPO = fileURLToPath(new URL("..", import.meta.url));
type Ncc = (
  entry: string,
  options: Record<string, unknown>,
) => Promise<{ code: string; assets: Record<string, { source: string | Buffer }> }>;
const ncc = createRequire(import.meta.url)("@vercel/ncc") as Ncc;

export async function buildAction(outDir = join(REPO, "dist")): Promise<string[]> {
  // ncc reads `paths` from the tsconfig.json of the working directory: action/tsconfig.json.
  process.chdir(join(REPO, "action"));
  const { code, assets } = await ncc(join(REPO, "action", "main.ts"), {
    minify: false,
    sourceMapRegister: false,
    license: "licenses.txt",
    quiet: true,
    cache: false,
    // Type errors are `npm test`'s job (tsc --noEmit); the bundle only needs the code.
    transpileOnly: true,
  });
  const files: Record<string, string | Buffer> = { "index.js": minify("index.js", code) };
  for (const [name, asset] of Object.entries(assets))
    files[name] = name.endsWith(".js") ? minify(name, String(asset.source)) : asset.source;
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  for (const [name, source] of Object.entries(files)) await writeFile(join(outDir, name), source);
  return Object.keys(files).sort();
}

function minify(name: string, code: string): string {
  const result = minifySync(name, code, { module: true, compress: true, mangle: { toplevel: true } });
  if (result.errors.length > 0)
    throw new Error(`minifying ${name}: ${result.errors.map((error) => error.message).join("; ")}`);
  return result.code;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outDir = resolve(process.argv[2] ?? join(REPO, "dist"));
  const files = await buildAction(outDir);
  console.log(`built ${files.length} files into ${outDir}: ${files.join(", ")}`);
}

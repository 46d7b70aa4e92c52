#!/usr/bin/env node
// The `senderkit` command. `senderkit sandbox …` runs the sandbox's own CLI (as senderkit-sandbox
// does); every other command is cli/. Those are sibling floors, so this dispatcher is the only
// place that knows both. In a checkout the TypeScript sources run directly (Node strips the
// types), so the command is never a stale build; an installed package has only lib/ (built by
// `prepare`), which is used then, and whenever this Node cannot strip types.
import { existsSync } from "node:fs";
import { enableCompileCache } from "node:module";

// Node keeps the compiled code (and the type-stripped sources) on disk between runs, so a
// pre-commit hook's repeated `senderkit lint` does not compile the same modules every time.
enableCompileCache?.();

const [command, ...rest] = process.argv.slice(2);
const fromSources = process.features.typescript && existsSync(new URL("../cli/index.ts", import.meta.url));
const load = (source, built) => import(fromSources ? source : built);

if (command === "sandbox") {
  if (rest.includes("--version") || rest.includes("-v")) {
    const { VERSION } = await load("../src/version.ts", "../lib/src/version.js");
    process.stdout.write(`senderkit ${VERSION}\n`);
  } else {
    // The sandbox CLI reads its flags from process.argv: drop the word `sandbox`.
    process.argv.splice(2, 1);
    await load("../sandbox/cli.ts", "../lib/sandbox/cli.js");
  }
} else {
  await load("../cli/index.ts", "../lib/cli/index.js");
}

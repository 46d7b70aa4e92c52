#!/usr/bin/env node
// The `senderkit` command. `senderkit sandbox …` runs the sandbox's own CLI (as senderkit-sandbox
// does); every other command is cli/. Those are sibling floors, so this dispatcher is the only
// place that knows both.
import { existsSync } from "node:fs";
import * as nodeModule from "node:module";
// The core's own version rule, compiled (plain JavaScript, so that an old Node can run it; it imports
// nothing). Everything else is imported after it, dynamically.
import { nodeVersionProblem } from "../lib/src/internal/node-version.js";

const problem = nodeVersionProblem(process.versions.node);
if (problem !== undefined) {
  process.stderr.write(`${problem}\n`);
  process.exit(2);
}
// Node keeps the compiled code (and the type-stripped sources) on disk between runs, so a
// pre-commit hook's repeated `senderkit lint` does not compile the same code every time.
nodeModule.enableCompileCache?.();

// Sources or build: a checkout has cli/ beside bin/ and runs the TypeScript sources (Node strips
// the types), so a developer never runs a stale build. A published package has no cli/: it runs
// what `prepare` built into lib/ — the command as one bundle (scripts/build.ts), the sandbox as
// tsc compiled it. So does a checkout whose Node cannot strip types (test/cli/bundle.test.ts).
const fromSources = process.features.typescript && existsSync(new URL("../cli/index.ts", import.meta.url));
const load = (source, built) => import(fromSources ? source : built);

const [command, ...rest] = process.argv.slice(2);
if (command === "sandbox") {
  if (rest.includes("--version") || rest.includes("-v")) {
    const { VERSION } = await load("../src/internal/version.ts", "../lib/src/internal/version.js");
    process.stdout.write(`senderkit ${VERSION}\n`);
  } else {
    // The sandbox CLI reads its flags from process.argv: drop the word `sandbox`.
    process.argv.splice(2, 1);
    await load("../sandbox/cli.ts", "../lib/sandbox/cli.js");
  }
} else {
  await load("../cli/index.ts", "../lib/cli/senderkit.js");
}

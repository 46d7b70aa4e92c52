#!/usr/bin/env node
// The `senderkit-sandbox` command: the compiled CLI (npm builds lib/ on install via `prepare`).
// During development, run `node sandbox/cli.ts` instead.
// The version check comes first and the CLI is imported only after it: a static import would be
// loaded (and break, inside undici) before any line here ran.
import { nodeVersionProblem } from "../lib/src/internal/node-version.js";

const problem = nodeVersionProblem(process.versions.node);
if (problem !== undefined) {
  process.stderr.write(`senderkit-sandbox: ${problem}\n`);
  process.exit(1);
}
await import("../lib/sandbox/cli.js");

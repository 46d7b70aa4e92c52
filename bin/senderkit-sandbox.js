#!/usr/bin/env node
// The `senderkit-sandbox` command: the compiled CLI (npm builds lib/ on install via `prepare`).
// During development, run `node sandbox/cli.ts` instead.
import "../lib/sandbox/cli.js";

import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const source = (path: string) => fileURLToPath(new URL(path, import.meta.url));

// Test tiers (CONTRIBUTING.md, "Tests"). `npm test` runs all three; `npm run test:<tier>` one.
// soak: long, bounded loops of faults and re-runs. e2e: anything that spawns a process, runs the
// built dist/ or starts a Pulumi plugin; a new such test goes in test/e2e/ or is named *.e2e.test.ts.
// unit: everything else, in-process (real HTTP over loopback included).
const SOAK = ["test/soak/**/*.test.ts"];
const E2E = [
  "test/e2e/**/*.test.ts",
  "test/**/*.e2e.test.ts",
  "test/cli/**/*.test.ts",
  "test/action/batch-rules.test.ts",
  "test/action/dist.test.ts",
  "test/action/e2e.test.ts",
  "test/action/lint-loading.test.ts",
  "test/action/lint-parity.test.ts",
  "test/action/lint-pr-comment.test.ts",
  "test/action/untrusted.test.ts",
  "test/client/node-version.test.ts",
  "test/provider/engine-protocol.test.ts",
  "test/provider/engine-sequences.test.ts",
  "test/provider/npm-install.test.ts",
  "test/provider/program.test.ts",
  "test/sandbox/cli.test.ts",
  "test/sandbox/lifecycle.test.ts",
];

export default defineConfig({
  // In the repository, `senderkit` (what the examples import) is this very source tree.
  resolve: {
    alias: [
      { find: /^senderkit$/, replacement: source("./src/index.ts") },
      { find: /^senderkit\/pulumi$/, replacement: source("./provider/index.ts") },
      { find: /^senderkit\/sandbox$/, replacement: source("./sandbox/index.ts") },
    ],
  },
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters: ["default", "./test/summary-reporter.ts"],
    projects: [
      { extends: true, test: { name: "unit", include: ["test/**/*.test.ts"], exclude: [...SOAK, ...E2E] } },
      { extends: true, test: { name: "e2e", include: E2E } },
      { extends: true, test: { name: "soak", include: SOAK } },
    ],
  },
});

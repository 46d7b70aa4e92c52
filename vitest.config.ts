import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const source = (path: string) => fileURLToPath(new URL(path, import.meta.url));

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
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    reporters: ["default", "./test/summary-reporter.ts"],
  },
});

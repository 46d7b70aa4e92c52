// Lint for bugs, not style: prettier owns the layout (`npm run format`). The type-aware rules catch
// what syntax alone cannot: promises nobody awaits or handles, `await` on a non-promise, an async
// callback where the caller ignores the promise (a throw there is an unhandled rejection).
import eslint from "@eslint/js";
import { defineConfig } from "eslint/config";
import globals from "globals";
import tseslint from "typescript-eslint";

export default defineConfig(
  { ignores: ["dist/", "lib/", "coverage/", "**/node_modules/"] },
  eslint.configs.recommended,
  tseslint.configs.recommended,
  {
    languageOptions: {
      globals: globals.node,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      "@typescript-eslint/await-thenable": "error",
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/no-misused-promises": "error",
      "preserve-caught-error": "error",
      "no-useless-assignment": "error",
      // Escaping untrusted text means matching control characters on purpose.
      "no-control-regex": "off",
      // `_`-prefixed names are unused on purpose (callback positions, destructured rests).
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none", ignoreRestSiblings: true },
      ],
      // Style, not bugs: prettier and review decide these.
      "no-regex-spaces": "off",
      "no-useless-escape": "off",
    },
  },
  {
    // Tests read untyped JSON bodies on purpose.
    // Their fake servers use async request handlers; a throw there fails the test anyway.
    files: ["test/**"],
    rules: {
      "@typescript-eslint/no-explicit-any": "off",
      "@typescript-eslint/no-misused-promises": ["error", { checksVoidReturn: { arguments: false } }],
    },
  },
  {
    // Plain JavaScript is outside tsconfig.json: no type information there.
    files: ["**/*.js", "**/*.mjs", "**/*.cjs"],
    extends: [tseslint.configs.disableTypeChecked],
  },
  {
    files: ["**/*.cjs"],
    languageOptions: { sourceType: "commonjs" },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
);

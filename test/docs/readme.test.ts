// Every ```ts block of README.md, read at run time: type-checked against this source tree, then run
// against a sandbox of its own (SENDERKIT_BASE_URL and SENDERKIT_API_KEY set), so a snippet that
// stops working fails here. Glue the reader does not see comes from hidden directives before a block;
// a block that imports `senderkit/pulumi` runs under Pulumi's mocks. CONTRIBUTING.md explains both.
import { existsSync, rmSync } from "node:fs";
import * as pulumi from "@pulumi/pulumi";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startSandbox } from "senderkit/sandbox";
import { blocksOfReadme, extractBlocks, typeErrors } from "./readme-blocks.ts";

const { blocks, dir } = blocksOfReadme();
// The "Templates as code" block writes previews/ where it runs, the repository's root here.
const PREVIEWS = new URL("../../previews/", import.meta.url);
const previewsExisted = existsSync(PREVIEWS);
const KEY = "sk_test_readmesnippets00000000";

/** Resources the Pulumi blocks registered with the mocks. */
const registered: { type: string; name: string }[] = [];

beforeAll(async () => {
  pulumi.runtime.setAllConfig({ "senderkit:apiKey": KEY }, ["senderkit:apiKey"]);
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        registered.push({ type: args.type, name: args.name });
        return {
          id: `${args.name}-id`,
          state: { ...args.inputs, signingSecret: "whsec_mockedsecret0000000000000000000" },
        };
      },
      call: (args) => args.inputs,
    },
    "readme",
    "test",
  );
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
  if (!previewsExisted) rmSync(PREVIEWS, { recursive: true, force: true });
});

describe("README.md", () => {
  it("has TypeScript blocks, and the directives are read", () => {
    expect(blocks.length).toBeGreaterThan(0);
    const sample = [
      "<!-- prelude: const a = 1; -->",
      "",
      "```ts",
      "a;",
      "```",
      "<!-- readme-test: typecheck-only (needs the real service) -->",
      "<!-- prelude:",
      "const b = 2;",
      "-->",
      "```ts",
      "b;",
      "```",
    ].join("\n");
    const [first, second] = extractBlocks(sample, dir);
    expect(first).toMatchObject({ line: 3, prelude: "const a = 1;", code: "a;", typecheckOnly: false });
    expect(second).toMatchObject({ line: 10, prelude: "const b = 2;", code: "b;", typecheckOnly: true });
    expect(() => extractBlocks("<!-- readme-test: skip -->\n```ts\n```\n", dir)).toThrow(/unknown directive/);
  });

  it("every block type-checks against the source tree", () => {
    expect(typeErrors(blocks)).toEqual([]);
  });

  it("a block with a type error is reported at its README line", () => {
    const [broken] = extractBlocks("text\n\n```ts\nconst n: number = 1;\nconst s: string = n;\n```\n", dir);
    expect(typeErrors([broken!])).toEqual(["README.md:5: Type 'number' is not assignable to type 'string'."]);
  });

  for (const block of blocks.filter((candidate) => !candidate.typecheckOnly)) {
    it(`the block at line ${block.line} runs against the sandbox`, async () => {
      const sandbox = await startSandbox({ stepDelayMs: 20 });
      vi.stubEnv("SENDERKIT_BASE_URL", sandbox.url);
      vi.stubEnv("SENDERKIT_API_KEY", KEY);
      const log = vi.spyOn(console, "log").mockImplementation(() => {});
      const before = registered.length;
      try {
        await import(block.file);
        if (/from "senderkit\/pulumi"/.test(block.code)) {
          // Registrations reach the mocks asynchronously; wait for the program's resources.
          const expected = block.code.match(/\bnew [A-Z]\w*\(/g)?.length ?? 0;
          await vi.waitFor(() => expect(registered.length - before).toBe(expected));
        }
      } finally {
        log.mockRestore();
        vi.unstubAllEnvs();
        await sandbox.close();
      }
    });
  }
});

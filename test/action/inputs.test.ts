import { describe, expect, it } from "vitest";
import {
  INPUTS,
  InputError,
  InputReader,
  ignoredInputs,
  parseMapping,
  readConnection,
  readIdempotencyKey,
  readShard,
} from "../../action/inputs.ts";
import { recordingRunner } from "./helpers.ts";

const reader = (inputs: Record<string, string>) => new InputReader(recordingRunner(inputs));

describe("structured inputs (YAML or JSON mappings)", () => {
  it("reads YAML and JSON mappings", () => {
    expect(parseMapping("name: Ada\nuser:\n  plan: pro\n")).toEqual({
      ok: true,
      value: { name: "Ada", user: { plan: "pro" } },
    });
    expect(parseMapping('{"name": "Ada", "n": 3}')).toEqual({ ok: true, value: { name: "Ada", n: 3 } });
  });

  it("names the line of a YAML error", () => {
    const input = reader({ vars: "name: Ada\n- coupon\n" });
    expect(input.mapping("vars")).toBeUndefined();
    expect(input.problems).toHaveLength(1);
    expect(input.problems[0]).toMatch(/^vars: line 2: .+ \(expected a YAML or JSON mapping\)$/);
  });

  it("says what it got when the value is not a mapping", () => {
    expect(parseMapping("first: a\n").ok).toBe(true);
    expect(parseMapping("- a\n- b\n")).toEqual({
      ok: false,
      message: "line 1: expected a mapping (like `name: Ada`), got a list",
    });
    expect(parseMapping("\n\njust text")).toEqual({
      ok: false,
      message: "line 3: expected a mapping (like `name: Ada`), got a single value",
    });
  });

  it("rejects a duplicate key, which would silently drop a value", () => {
    const result = parseMapping("code: 1\ncode: 2\n");
    expect(result.ok).toBe(false);
    expect(!result.ok && result.message).toMatch(/^line 2: Map keys must be unique/);
  });

  it("reads metadata as text values, writing numbers and booleans as text", () => {
    const input = reader({ metadata: "order_id: 1042\nvip: true\nteam: ops" });
    expect(input.stringMapping("metadata")).toEqual({ order_id: "1042", vip: "true", team: "ops" });
    const bad = reader({ metadata: "nested:\n  a: 1\n" });
    expect(bad.stringMapping("metadata")).toBeUndefined();
    expect(bad.problems).toEqual(['metadata: "nested": expected a text value, got a mapping']);
  });
});

describe("scalar inputs", () => {
  it("reads booleans in the spellings the runner accepts, and rejects others", () => {
    expect(reader({ "dry-run": "true" }).boolean("dry-run")).toBe(true);
    expect(reader({ "dry-run": "FALSE" }).boolean("dry-run")).toBe(false);
    const input = reader({ "dry-run": "yes" });
    input.boolean("dry-run");
    expect(input.problems).toEqual(['dry-run: expected true or false, got "yes"']);
  });

  it("applies action.yml's default when an input is empty (outside the runner)", () => {
    expect(reader({}).boolean("fail-on-error")).toBe(true);
    expect(reader({}).integer("concurrency", 1, 16)).toBe(4);
    expect(reader({}).lines("templates")).toEqual([INPUTS.templates.default]);
  });

  it("checks whole numbers and their range", () => {
    for (const value of ["0", "17", "2.5", "four", "-1"]) {
      const input = reader({ concurrency: value });
      expect(input.integer("concurrency", 1, 16)).toBeUndefined();
      expect(input.problems).toEqual([
        `concurrency: expected a whole number from 1 to 16, got ${JSON.stringify(value)}`,
      ]);
    }
  });

  it("reads lists separated by commas or newlines, or given as YAML", () => {
    expect(reader({ cc: "a@x.com, b@x.com\nc@x.com" }).list("cc")).toEqual(["a@x.com", "b@x.com", "c@x.com"]);
    expect(reader({ cc: "[a@x.com, b@x.com]" }).list("cc")).toEqual(["a@x.com", "b@x.com"]);
    expect(reader({ cc: "- a@x.com\n- b@x.com" }).list("cc")).toEqual(["a@x.com", "b@x.com"]);
    const input = reader({ cc: "[a@x.com, [nested]]" });
    expect(input.list("cc")).toBeUndefined();
    expect(input.problems[0]).toMatch(/^cc: expected a list/);
  });

  it("splits globs on newlines only (braces hold commas) and skips comments", () => {
    expect(reader({ templates: "a/*.{yml,json}\n# drafts\n!a/draft-*.yml\n" }).lines("templates")).toEqual([
      "a/*.{yml,json}",
      "!a/draft-*.yml",
    ]);
  });

  it("reads a shard i/n and rejects anything else", () => {
    expect(readShard(reader({ shard: "2/4" }))).toEqual({ index: 2, count: 4 });
    expect(readShard(reader({ shard: " 1 / 1 " }))).toEqual({ index: 1, count: 1 });
    for (const value of ["0/4", "5/4", "2", "a/b", "1/0"]) {
      const input = reader({ shard: value });
      readShard(input);
      expect(input.problems[0]).toBe(
        `shard: expected i/n with 1 <= i <= n (like 2/4 for the second of four jobs), got ${JSON.stringify(value)}`,
      );
    }
  });

  it("checks a given idempotency key against the contract", () => {
    expect(readIdempotencyKey(reader({ "idempotency-key": "deploy-42" }))).toBe("deploy-42");
    const input = reader({ "idempotency-key": "x".repeat(256) });
    expect(readIdempotencyKey(input)).toBeUndefined();
    expect(input.problems).toEqual(["idempotency-key: at most 255 characters"]);
  });
});

describe("connection", () => {
  it("requires an API key, and never echoes a malformed one", () => {
    const missing = reader({});
    expect(readConnection(missing, "", "in send mode")).toBeUndefined();
    expect(missing.problems[0]).toMatch(/^api-key: required in send mode/);

    const secret = "sk_prod_this-is-not-right-but-secret";
    const malformed = reader({});
    expect(readConnection(malformed, secret, "in send mode")).toBeUndefined();
    expect(malformed.problems).toEqual([
      "api-key: malformed: expected sk_test_ or sk_live_ followed by at least 16 letters and digits",
    ]);
    expect(malformed.problems.join()).not.toContain("secret");
  });

  it("checks base-url", () => {
    const input = reader({ "base-url": "ftp://example.com" });
    expect(readConnection(input, "sk_test_0123456789abcdef", "x")).toEqual({
      apiKey: "sk_test_0123456789abcdef",
      baseUrl: "ftp://example.com",
    });
    expect(input.problems).toEqual(['base-url: expected an http(s) URL, got "ftp://example.com"']);
    expect(readConnection(reader({}), "sk_test_0123456789abcdef", "x")).toEqual({
      apiKey: "sk_test_0123456789abcdef",
      baseUrl: undefined,
    });
  });
});

describe("InputReader.check", () => {
  it("throws one error listing every problem, each naming its input", () => {
    const input = reader({ concurrency: "0", shard: "9/4" });
    input.integer("concurrency", 1, 16);
    readShard(input);
    expect(() => input.check()).toThrow(InputError);
    try {
      input.check();
    } catch (error) {
      expect((error as InputError).message).toBe(
        'Invalid inputs:\n- concurrency: expected a whole number from 1 to 16, got "0"\n- shard: expected i/n with 1 <= i <= n (like 2/4 for the second of four jobs), got "9/4"',
      );
    }
    expect(() => reader({}).check()).not.toThrow();
  });
});

describe("ignoredInputs", () => {
  it("names inputs set for another mode, but not ones left at their action.yml default", () => {
    const runner = recordingRunner({
      mode: "lint",
      content: "type: sms",
      concurrency: "4",
      shard: "2/4",
      templates: "t/*.yml",
    });
    expect(ignoredInputs(runner, "lint")).toEqual(["content", "shard"]);
  });
});

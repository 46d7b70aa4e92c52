// The runner adapter's own rules (action/runner.ts): what it adds to @actions/core. The toolkit's
// output itself is checked through dist/index.js, as the runner runs it (injection.test.ts).
import { describe, expect, it } from "vitest";
import { inertText, logText, redactSecrets } from "../../action/runner.ts";
import { runnerCommandLines as commandLines } from "./helpers.ts";

describe("inertText", () => {
  const hostile = [
    "::error::forged",
    "  ::warning::indented",
    "a ##[error]mid-line",
    "##[stop-commands]x",
    "ok\n::error::next line",
    "ok\r::error::after CR",
  ];

  it.each(hostile)("leaves no command the runner would run in %j", (text) => {
    expect(commandLines(text).length).toBeGreaterThan(0);
    expect(commandLines(inertText(text))).toEqual([]);
    expect(inertText(text)).toContain(text);
  });

  it("uses a fresh token each time, and leaves plain text as it is", () => {
    const first = /^::stop-commands::(.+)\n/.exec(inertText("::x::"))![1];
    const second = /^::stop-commands::(.+)\n/.exec(inertText("::x::"))![1];
    expect(first).not.toBe(second);
    expect(first).toMatch(/^[0-9a-f-]{36}$/);
    expect(inertText("3 rows sent; 50% done: ok")).toBe("3 rows sent; 50% done: ok");
  });
});

describe("logText", () => {
  it("keeps a value on one line: a line break makes it a JSON string", () => {
    expect(logText("a\nb")).toBe('"a\\nb"');
    expect(logText("a\rb")).toBe('"a\\rb"');
    expect(logText("a\u2028b")).toBe(JSON.stringify("a\u2028b"));
    expect(logText("plain")).toBe("plain");
  });
});

describe("redactSecrets", () => {
  it("redacts the registered key and anything shaped like a SenderKit secret", () => {
    const key = "sk_test_abcdefghijklmnop1234";
    expect(redactSecrets(`bad key ${key}!`, [key])).toBe("bad key ***!");
    expect(redactSecrets("other sk_live_ZZZZZZZZzzzzzzzz99 and whsec_c2VjcmV0c2VjcmV0", [])).toBe("other *** and ***");
    expect(redactSecrets("sk_test_short is no key", [])).toBe("sk_test_short is no key");
  });
});

import { describe, expect, it } from "vitest";
import { describeError } from "../../action/failure.ts";
import { ProgressReporter, formatProgress } from "../../action/progress.ts";
import { codeText, escapeText, groupDigits, markdownTable, plural } from "../../action/summary.ts";
import { ValidationError } from "../../src/errors.ts";

describe("progress", () => {
  it("shows done/total, the percentage, the rate and the failures", () => {
    expect(formatProgress({ done: 12_000, total: 100_000, failed: 3 }, 6_000)).toBe(
      "12,000/100,000 (12%) · 2,000/s · 3 failed",
    );
    expect(formatProgress({ done: 0, total: 0, failed: 0 }, 0)).toBe("0/0 (100%) · 0/s · 0 failed");
  });

  it("prints the latest counts on each tick and a last line on finish", () => {
    let now = 1_000;
    const lines: string[] = [];
    const progress = new ProgressReporter((line) => lines.push(line), { now: () => now, intervalMs: 5_000 });
    progress.update({ done: 500, total: 2_000, failed: 0 });
    now += 5_000;
    progress.tick();
    progress.update({ done: 2_000, total: 2_000, failed: 7 });
    now += 5_000;
    progress.finish();
    expect(lines).toEqual(["500/2,000 (25%) · 100/s · 0 failed", "2,000/2,000 (100%) · 200/s · 7 failed"]);
    expect(progress.elapsedMs()).toBe(10_000);
  });
});

describe("summary Markdown", () => {
  it("escapes cells so row data can neither break the table nor inject HTML", () => {
    expect(escapeText("a|b <script> *x* `y`\nz")).toBe("a&#124;b &lt;script&gt; \\*x\\* \\`y\\`<br>z");
    expect(codeText("a|b<c>")).toBe("<code>a&#124;b&lt;c&gt;</code>");
    // Markdown applies inside inline HTML: a glob must not turn into emphasis.
    expect(codeText("templates/*/*.yml")).toBe("<code>templates/&#42;/&#42;.yml</code>");
    expect(codeText("a_b_c ~~x~~ [l](u) `t` \\")).toBe(
      "<code>a&#95;b&#95;c &#126;&#126;x&#126;&#126; &#91;l&#93;(u) &#96;t&#96; &#92;</code>",
    );
    expect(
      markdownTable(
        ["A", "B"],
        [
          [1, { code: "msg_1" }],
          ["x|y", ""],
        ],
      ),
    ).toBe("| A | B |\n| --- | --- |\n| 1 | <code>msg&#95;1</code> |\n| x&#124;y |  |");
  });

  it("counts in words", () => {
    expect(plural(1, "row")).toBe("1 row");
    expect(plural(1234, "message")).toBe("1,234 messages");
  });
});

describe("describeError", () => {
  it("gives the API's code, message, issues and request id", () => {
    const error = new ValidationError({
      status: 422,
      type: "validation_error",
      code: "missing_variables",
      message: "missing variables: coupon",
      issues: [{ path: ["vars", "coupon"], message: "required" }],
      requestId: "req_0123",
    });
    expect(describeError(error)).toBe(
      "SenderKit answered 422 missing_variables: missing variables: coupon (request req_0123)\n  - vars.coupon: required",
    );
    expect(describeError(new Error("plain"))).toBe("plain");
    const reused = new ValidationError({
      status: 409,
      type: "conflict",
      code: "idempotency_key_reused",
      message: "key reused",
    });
    expect(describeError(reused, { runAttempt: "2" })).toMatch(
      /^SenderKit answered 409 idempotency_key_reused: key reused\nThis step already sent a different message in this workflow run: a re-run/,
    );
    expect(describeError(reused, { runAttempt: "1" })).not.toContain("re-run");
    expect(describeError(reused)).not.toContain("re-run");
    expect(describeError("text")).toBe("text");
  });

  it("describes errors that are not SenderKit's answers as themselves, even with a string code", () => {
    const missing = Object.assign(new Error("ENOENT: no such file or directory, open 'x.csv'"), {
      code: "ENOENT",
      status: 404,
    });
    expect(describeError(missing)).toBe("ENOENT: no such file or directory, open 'x.csv'");
  });
});

describe("groupDigits", () => {
  it.each([
    [0, "0"],
    [999, "999"],
    [1000, "1,000"],
    [100000, "100,000"],
    [1234567.25, "1,234,567.25"],
    [-1234, "-1,234"],
  ])("%d → %s", (value, expected) => {
    expect(groupDigits(value)).toBe(expected);
  });
});

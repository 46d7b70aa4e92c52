import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ROUNDS_PER_WINDOW,
  ROWS_PER_REQUEST,
  dryRunRow,
  prepareRow,
  runBatchMode,
  sendRows,
  sendWindow,
} from "../../action/batch.ts";
import type { BatchClient, PreparedRow } from "../../action/batch.ts";
import { readBatchSettings } from "../../action/batch-settings.ts";
import { BatchSummary } from "../../action/batch-summary.ts";
import { rowToItem } from "../../action/row-items.ts";
import type { BatchDefaults } from "../../action/row-items.ts";
import { inShard, rowFingerprint } from "../../action/row-keys.ts";
import { resultLine } from "../../action/row-results.ts";
import type { RowResult } from "../../action/row-results.ts";
import { InputReader } from "../../action/inputs.ts";
import { mergeUnder } from "../../src/internal/plain-objects.ts";
import type { BatchItem, BatchResult } from "../../src/index.ts";
import { ValidationError } from "../../src/errors.ts";
import { analyzeContent } from "../../src/template/index.ts";
import type { Message, Template } from "../../src/objects.ts";
import { ANNOTATIONS_PER_TYPE } from "../../action/runner.ts";
import { githubContext, recordingRunner } from "./helpers.ts";

const NO_DEFAULTS: BatchDefaults = { template: "welcome", vars: undefined, metadata: undefined, trace: {} };

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "senderkit-batch-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("rowToItem", () => {
  it("makes plain and vars.* columns variables (dotted names nest) and metadata.* metadata", () => {
    const mapped = rowToItem(
      {
        to: " a@x.com ",
        name: "Ada",
        "order.id": "#1",
        "vars.order.items": "2",
        "vars.plan": "pro",
        "metadata.customer": "cus_1",
      },
      { ...NO_DEFAULTS, trace: { github_run_id: "7" } },
    );
    expect(mapped).toEqual({
      ok: true,
      item: {
        template: "welcome",
        to: "a@x.com",
        vars: { name: "Ada", order: { id: "#1", items: "2" }, plan: "pro" },
        metadata: { customer: "cus_1", github_run_id: "7" },
      },
    });
  });

  it("keeps a metadata.__proto__ column (or key of a metadata mapping) a plain metadata key", () => {
    for (const row of [
      { to: "a@x.com", "metadata.__proto__": "x" },
      { to: "a@x.com", metadata: JSON.parse('{"__proto__": "x"}') as unknown },
    ]) {
      const mapped = rowToItem(row, NO_DEFAULTS);
      expect(mapped.ok).toBe(true);
      const metadata = (mapped as { item: { metadata: Record<string, string> } }).item.metadata;
      expect(Object.getPrototypeOf(metadata)).toBe(Object.prototype);
      expect(Object.hasOwn(metadata, "__proto__")).toBe(true);
      expect(Object.entries(metadata)).toContainEqual(["__proto__", "x"]);
    }
  });

  it("takes the row's own template, cc, bcc, reply_to and scheduled_at", () => {
    const mapped = rowToItem(
      {
        to: "a@x.com",
        template: "receipt",
        cc: "b@x.com; c@x.com",
        bcc: "d@x.com",
        reply_to: "help@x.com",
        scheduled_at: "2030-01-01T09:00:00Z",
      },
      NO_DEFAULTS,
    );
    expect(mapped).toMatchObject({
      ok: true,
      item: {
        template: "receipt",
        cc: ["b@x.com", "c@x.com"],
        bcc: ["d@x.com"],
        replyTo: "help@x.com",
        scheduledAt: "2030-01-01T09:00:00Z",
        vars: {},
      },
    });
  });

  it("reads a vars or metadata field holding a whole mapping (or its JSON text, from CSV)", () => {
    expect(
      rowToItem({ to: "a@x.com", vars: { user: { name: "Ada" } }, "user.plan": "pro" }, NO_DEFAULTS),
    ).toMatchObject({
      ok: true,
      item: { vars: { user: { name: "Ada", plan: "pro" } } },
    });
    expect(rowToItem({ to: "a@x.com", vars: '{"code": "123"}', metadata: '{"k": 1}' }, NO_DEFAULTS)).toMatchObject({
      ok: true,
      item: { vars: { code: "123" }, metadata: { k: "1" } },
    });
  });

  it("starts from the inputs' vars and metadata, the row winning", () => {
    const defaults: BatchDefaults = {
      template: "welcome",
      vars: { company: "Acme", user: { plan: "free", locale: "en" } },
      metadata: { campaign: "spring", team: "growth" },
      trace: { github_run_id: "7", team: "trace" },
    };
    const mapped = rowToItem({ to: "a@x.com", "user.plan": "pro", "metadata.team": "ops" }, defaults);
    expect(mapped).toMatchObject({
      ok: true,
      item: {
        vars: { company: "Acme", user: { plan: "pro", locale: "en" } },
        metadata: { campaign: "spring", team: "ops", github_run_id: "7" },
      },
    });
    expect(defaults.vars).toEqual({ company: "Acme", user: { plan: "free", locale: "en" } }); // untouched
  });

  it("fails a row without a recipient or a template, or with conflicting columns", () => {
    expect(rowToItem({ name: "Ada" }, NO_DEFAULTS)).toEqual({
      ok: false,
      code: "invalid_row",
      error: "no recipient: the `to` field is empty or missing",
    });
    expect(rowToItem({ to: "a@x.com" }, { ...NO_DEFAULTS, template: undefined })).toEqual({
      ok: false,
      code: "invalid_row",
      error: "no template: the row has none and the `template` input is not set",
    });
    expect(rowToItem({ to: "a@x.com", user: "Ada", "user.name": "Ada" }, NO_DEFAULTS)).toEqual({
      ok: false,
      code: "invalid_row",
      error: '"user.name" conflicts with "user"',
    });
    expect(rowToItem({ to: "a@x.com", "a..b": "x" }, NO_DEFAULTS)).toMatchObject({
      ok: false,
      error: '"a..b": empty name between dots',
    });
    expect(rowToItem({ to: "a@x.com", "metadata.k": { deep: 1 } }, NO_DEFAULTS)).toMatchObject({
      ok: false,
      error: "metadata.k: expected a text value, got a mapping",
    });
    expect(rowToItem({ to: "a@x.com", vars: [1] }, NO_DEFAULTS)).toMatchObject({
      ok: false,
      error: "vars: expected a mapping, got a list",
    });
  });
});

describe("mergeUnder", () => {
  it("merges deeply without changing either side", () => {
    const over = { a: { b: 1 }, c: "x" };
    const under = { a: { d: 2 }, c: { nested: true }, e: 3 };
    expect(mergeUnder(over, under)).toEqual({ a: { b: 1, d: 2 }, c: "x", e: 3 });
    expect(over).toEqual({ a: { b: 1 }, c: "x" });
  });
});

describe("inShard", () => {
  it("deals every row to exactly one of n shards, by its content, so re-sorting moves no row between shards", () => {
    for (const count of [1, 2, 3, 4, 7]) {
      const perShard = Array.from({ length: count }, () => 0);
      for (let row = 1; row <= 1000; row++) {
        const fileRow = { row, line: row + 1, value: { to: `r${row}@x.com` } };
        const owners = perShard.map((_, index) =>
          inShard(fileRow, rowFingerprint(fileRow), { index: index + 1, count }),
        );
        expect(owners.filter(Boolean), `row ${row} of ${count}`).toHaveLength(1);
        perShard[owners.indexOf(true)]!++;
        // The same fields at another position: the same shard.
        const moved = { ...fileRow, row: 5000 - row };
        expect(inShard(moved, rowFingerprint(moved), { index: owners.indexOf(true) + 1, count })).toBe(true);
      }
      // Roughly even: no shard gets twice its share.
      expect(Math.max(...perShard)).toBeLessThan((2 * 1000) / count);
    }
  });

  it("deals a row that could not be read by its position (it is reported, never sent)", () => {
    expect(inShard({ row: 6, line: 7, error: "bad" }, undefined, { index: 2, count: 4 })).toBe(true);
    expect(inShard({ row: 6, line: 7, error: "bad" }, undefined, { index: 1, count: 4 })).toBe(false);
  });
});

describe("results", () => {
  it("writes one JSON line per row: row, line, recipient, ok, then message id or error", () => {
    expect(
      JSON.parse(
        resultLine({ row: 3, line: 4, recipient: "a@x.com", ok: true, messageId: "msg_1", status: "queued" }, false),
      ),
    ).toEqual({
      row: 3,
      line: 4,
      recipient: "a@x.com",
      ok: true,
      message_id: "msg_1",
      status: "queued",
    });
    expect(
      JSON.parse(
        resultLine(
          { row: 4, line: 5, recipient: "bob@", ok: false, code: "invalid_recipient", error: "not valid" },
          true,
        ),
      ),
    ).toEqual({
      row: 4,
      line: 5,
      recipient: "bob@",
      ok: false,
      dry_run: true,
      error: { code: "invalid_recipient", message: "not valid" },
    });
  });
});

describe("BatchSummary", () => {
  const ok = (row: number): RowResult => ({
    row,
    line: row + 1,
    recipient: `r${row}@x.com`,
    ok: true,
    messageId: `msg_${row}`,
    status: "queued",
  });
  const bad = (row: number, code = "invalid_recipient"): RowResult => ({
    row,
    line: row + 1,
    recipient: `bad${row}|x`,
    ok: false,
    code,
    error: `row ${row} <b>bad</b>`,
  });
  const options = {
    file: "rows.csv",
    shard: { index: 1, count: 1 },
    dryRun: false,
    resultsFile: "/tmp/r.jsonl",
    elapsedMs: 1500,
  };

  it("lists every recipient of a small batch", () => {
    const summary = new BatchSummary();
    [ok(1), bad(2), ok(3)].forEach((result) => summary.add(result));
    const markdown = summary.markdown(options);
    expect(markdown).toContain("2 messages sent, 1 row failed");
    expect(markdown).toContain("| 1 | r1@x.com | queued | <code>msg&#95;1</code> |");
    expect(markdown).toContain("| 2 | bad2&#124;x | failed (invalid\\_recipient) | row 2 &lt;b&gt;bad&lt;/b&gt; |");
    expect(markdown).toContain("<code>/tmp/r.jsonl</code>");
  });

  it("gives counts and the first failures for a large batch, in bounded memory", () => {
    const summary = new BatchSummary();
    for (let row = 1; row <= 5000; row++)
      summary.add(row % 100 === 0 ? bad(row, row % 200 === 0 ? "recipient_suppressed" : "invalid_recipient") : ok(row));
    expect(summary.firstRows).toHaveLength(BatchSummary.ROWS_SHOWN);
    expect(summary.firstFailures).toHaveLength(BatchSummary.FAILURES_SHOWN);
    const markdown = summary.markdown({ ...options, shard: { index: 2, count: 4 } });
    expect(markdown).toContain("### SenderKit batch: rows.csv (shard 2/4)");
    expect(markdown).toContain("4,950 messages sent, 50 rows failed");
    expect(markdown).toContain("| <code>invalid&#95;recipient</code> | 25 |");
    expect(markdown).toContain("#### Failed rows (first 20 of 50)");
    expect(markdown).not.toContain("r1@x.com");
  });

  it("says nothing was sent in a dry run", () => {
    const summary = new BatchSummary();
    summary.add({ row: 1, line: 2, recipient: "a@x.com", ok: true, rendered: { subject: "Hi Ada" } });
    const markdown = summary.markdown({ ...options, dryRun: true });
    expect(markdown).toContain("1 row would be sent, 0 rows would fail. Nothing was sent.");
    expect(markdown).toContain("| 1 | a@x.com | ok | Hi Ada |");
  });
});

describe("prepareRow", () => {
  const keys = { kind: "step", key: "gha:acme/shop:1:job:step:abc" } as const;

  it("keys a row by what it sends and how many identical rows came before it, not by its position", () => {
    const identity = { fingerprint: "0123456789abcdef", occurrence: 0 };
    const prepared = prepareRow(
      { row: 12, line: 13, value: { to: "a@x.com", name: "Ada" } },
      { defaults: NO_DEFAULTS, keys },
      identity,
    );
    expect(prepared).toMatchObject({
      row: 12,
      line: 13,
      recipient: "a@x.com",
      result: { ok: true, item: { idempotencyKey: "gha:acme/shop:1:job:step:abc:0123456789abcdef" } },
    });
    const second = prepareRow(
      { row: 40, line: 41, value: { to: "a@x.com" } },
      { defaults: NO_DEFAULTS, keys },
      { ...identity, occurrence: 1 },
    );
    expect(second.result.ok && second.result.item.idempotencyKey).toBe(
      "gha:acme/shop:1:job:step:abc:0123456789abcdef-1",
    );
    const given = prepareRow(
      { row: 12, line: 13, value: { to: "a@x.com" } },
      { defaults: NO_DEFAULTS, keys: { kind: "given", key: "spring" } },
      identity,
    );
    expect(given.result.ok && given.result.item.idempotencyKey).toBe("spring:0123456789abcdef");
  });

  it("fingerprints a row's fields whatever their order, and tells different fields apart", () => {
    const a = rowFingerprint({ row: 1, line: 2, value: { to: "a@x.com", name: "Ada" } });
    expect(rowFingerprint({ row: 9, line: 30, value: { name: "Ada", to: "a@x.com" } })).toBe(a);
    expect(rowFingerprint({ row: 1, line: 2, value: { to: "a@x.com", name: "Ava" } })).not.toBe(a);
    expect(a).toMatch(/^[0-9a-f]{16}$/);
    expect(rowFingerprint({ row: 1, line: 2, error: "bad" })).toBeUndefined();
  });

  it("leaves the client's own checks to sendBatch (which fails such items locally, one by one)", () => {
    const prepared = prepareRow(
      { row: 1, line: 2, value: { to: "bob@" } },
      { defaults: NO_DEFAULTS, keys },
      { fingerprint: "f", occurrence: 0 },
    );
    expect(prepared.result).toMatchObject({ ok: true, item: { to: "bob@" } });
  });

  it("passes an unreadable row on as a failure", () => {
    expect(
      prepareRow({ row: 2, line: 3, error: "not valid JSON" }, { defaults: NO_DEFAULTS, keys }, undefined),
    ).toEqual({
      row: 2,
      line: 3,
      recipient: "",
      result: { ok: false, code: "invalid_row", error: "not valid JSON" },
    });
  });
});

const STEP_START = "2026-06-01T12:00:00.000Z";

function message(id: string, createdAt = new Date().toISOString()): Message {
  return { id, status: "queued", createdAt } as Message;
}

/**
 * A client whose sendBatch answers each item by its recipient, and records the calls. Recipients
 * in `sentBefore` get a message created before STEP_START, as a replay of an earlier attempt would.
 */
function fakeClient(sentBefore: string[] = []): BatchClient & { calls: BatchItem[][] } {
  const calls: BatchItem[][] = [];
  return {
    calls,
    async sendBatch(items, options) {
      calls.push([...items]);
      const results = items.map((item, index): BatchResult =>
        String(item.to).startsWith("reject")
          ? {
              index,
              ok: false,
              error: new ValidationError({
                status: 422,
                type: "validation_error",
                code: "recipient_suppressed",
                message: "suppressed",
              }),
            }
          : {
              index,
              ok: true,
              message: message(
                `msg_${String(item.to)}`,
                sentBefore.includes(String(item.to)) ? "2026-06-01T11:00:00.000Z" : undefined,
              ),
            },
      );
      options?.onProgress?.({ done: items.length, total: items.length, succeeded: items.length, failed: 0 });
      return results;
    },
    async close() {},
    templates: { get: async () => Promise.reject(new Error("not used")) },
  };
}

function prepared(row: number, to: string, ok = true): PreparedRow {
  return ok
    ? {
        row,
        line: row + 1,
        recipient: to,
        result: { ok: true, item: { template: "welcome", to, idempotencyKey: `k-${row}` } },
      }
    : { row, line: row + 1, recipient: to, result: { ok: false, code: "invalid_row", error: "bad" } };
}

describe("sendWindow", () => {
  it("sends the good rows, keeps the bad ones out, and answers in row order", async () => {
    const client = fakeClient();
    const window = [prepared(1, "a"), prepared(2, "b", false), prepared(3, "reject-c"), prepared(4, "d")];
    const results = await sendWindow(client, window, {
      concurrency: 2,
      startedAt: Date.parse(STEP_START),
      onProgress: () => {},
    });
    expect(client.calls.map((call) => call.map((item) => item.to))).toEqual([["a", "reject-c", "d"]]);
    expect(results).toEqual([
      { row: 1, line: 2, recipient: "a", ok: true, messageId: "msg_a", status: "queued", replayed: false },
      { row: 2, line: 3, recipient: "b", ok: false, code: "invalid_row", error: "bad" },
      { row: 3, line: 4, recipient: "reject-c", ok: false, code: "recipient_suppressed", error: "suppressed" },
      { row: 4, line: 5, recipient: "d", ok: true, messageId: "msg_d", status: "queued", replayed: false },
    ]);
  });

  it("marks a row replayed when its message was created before this step started (an earlier attempt sent it)", async () => {
    const client = fakeClient(["old"]);
    const results = await sendWindow(client, [prepared(1, "old"), prepared(2, "new")], {
      concurrency: 1,
      startedAt: Date.parse(STEP_START),
      onProgress: () => {},
    });
    expect(results.map((result) => [result.recipient, result.replayed])).toEqual([
      ["old", true],
      ["new", false],
    ]);
  });
});

describe("sendRows", () => {
  it("feeds sendBatch bounded windows and hands each window's results on before reading further", async () => {
    const client = fakeClient();
    const concurrency = 2;
    const window = ROUNDS_PER_WINDOW * concurrency * ROWS_PER_REQUEST;
    const total = 2 * window + 500;
    let read = 0;
    const readWhenResultsArrived: number[] = [];
    async function* rows() {
      for (let row = 1; row <= total; row++) {
        read++;
        yield prepared(row, `r${row}`);
      }
    }
    const written: number[] = [];
    await sendRows(rows(), client, {
      concurrency,
      onResults: async (results) => {
        readWhenResultsArrived.push(read);
        written.push(...results.map((result) => result.row));
      },
    });
    expect(client.calls.map((call) => call.length)).toEqual([window, window, 500]);
    // Streaming: the first window's results were written after reading one window, not the file.
    expect(readWhenResultsArrived).toEqual([window, 2 * window, total]);
    expect(written).toEqual(Array.from({ length: total }, (_, index) => index + 1));
  });
});

describe("dryRunRow", () => {
  const template = {
    slug: "welcome",
    channel: "email",
    currentVersion: { content: { subject: "Hi {{ name }}", html: '<p>{{ plan | default: "free" }}</p>' } },
  } as unknown as Template;
  const lookup = async (slug: string) =>
    slug === "welcome"
      ? { template, analysis: analyzeContent("email", template.currentVersion.content) }
      : new Error(`template ${slug} not found`);
  const row = (item: Record<string, unknown>): PreparedRow => ({
    row: 1,
    line: 2,
    recipient: String(item.to ?? "a@x.com"),
    result: { ok: true, item: { template: "welcome", to: "a@x.com", ...item } as never },
  });

  it("renders the row against its stored template, locally", async () => {
    expect(await dryRunRow(row({ vars: { name: "Ada" } }), lookup)).toEqual({
      row: 1,
      line: 2,
      recipient: "a@x.com",
      ok: true,
      rendered: { subject: "Hi Ada", html: "<p>free</p>", text: null },
    });
  });

  it("fails what the send would fail: the client's checks, missing variables, a recipient of another channel, an unknown template", async () => {
    const refused = await dryRunRow(row({ to: "bob@", vars: { name: "A" }, metadata: { k: "x".repeat(501) } }), lookup);
    expect(refused).toMatchObject({ ok: false, code: "invalid_parameter" });
    expect(refused.error).toContain('"bob@" is not a valid email address');
    expect(refused.error).toContain("at most 500 characters");
    expect(await dryRunRow(row({ vars: {} }), lookup)).toMatchObject({
      ok: false,
      code: "missing_variables",
      error: "missing variables: name",
    });
    expect(await dryRunRow(row({ to: "+15555550100", vars: { name: "A" } }), lookup)).toMatchObject({
      ok: false,
      code: "invalid_recipient",
    });
    expect(await dryRunRow(row({ template: "nope", vars: {} }), lookup)).toMatchObject({
      ok: false,
      error: "template nope not found",
    });
  });
});

describe("readBatchSettings", () => {
  const context = githubContext();

  async function settingsOf(inputs: Record<string, string>) {
    const input = new InputReader(recordingRunner(inputs));
    const settings = await readBatchSettings(input, { ...context, workspace: dir, runnerTemp: dir });
    return { settings, problems: input.problems };
  }

  it("names the problem with the file", async () => {
    expect((await settingsOf({})).problems).toEqual([
      "file: required in batch mode: a .csv, .json, .ndjson, .jsonl file of rows",
    ]);
    expect((await settingsOf({ file: "rows.xlsx" })).problems).toEqual([
      'file: "rows.xlsx": expected one of .csv, .json, .ndjson, .jsonl',
    ]);
    expect((await settingsOf({ file: "missing.csv" })).problems[0]).toMatch(
      /^file: cannot read ".*missing\.csv": ENOENT$/,
    );
    await writeFile(join(dir, "no-to.csv"), "email,name\na@x.com,Ada\n");
    expect((await settingsOf({ file: "no-to.csv" })).problems).toEqual([
      'file: the CSV header has no "to" column (it has: "email", "name")',
    ]);
  });

  it("fails a results file that cannot be written before anything is sent", async () => {
    await writeFile(join(dir, "ok.ndjson"), "");
    const { settings, problems } = await settingsOf({
      file: "ok.ndjson",
      template: "welcome",
      "results-file": "no/such/dir/results.jsonl",
    });
    expect(settings).toBeUndefined();
    expect(problems).toEqual([expect.stringMatching(/^results-file: cannot write ".*results\.jsonl": ENOENT$/)]);
  });

  it("gives steps whose shared vars or metadata differ (matrix legs) different keys", async () => {
    await writeFile(join(dir, "ok.ndjson"), "");
    const keyOf = async (inputs: Record<string, string>) =>
      (await settingsOf({ file: "ok.ndjson", template: "welcome", ...inputs })).settings!.keys;
    const plain = await keyOf({});
    expect(await keyOf({})).toEqual(plain);
    expect(await keyOf({ vars: "leg: 1" })).not.toEqual(plain);
    expect(await keyOf({ metadata: "leg: 1" })).not.toEqual(plain);
  });

  it("reads the settings, resolving paths against the workspace", async () => {
    await writeFile(join(dir, "rows.ndjson"), "");
    const { settings, problems } = await settingsOf({
      file: "rows.ndjson",
      template: "welcome",
      shard: "2/3",
      concurrency: "2",
      "dry-run": "true",
    });
    expect(problems).toEqual([]);
    expect(settings).toMatchObject({
      file: join(dir, "rows.ndjson"),
      displayFile: "rows.ndjson",
      format: "ndjson",
      shard: { index: 2, count: 3 },
      concurrency: 2,
      dryRun: true,
      failOnError: true,
      resultsFile: join(dir, "senderkit-results-senderkit-shard-2-of-3.jsonl"),
      keys: { kind: "step" },
    });
  });
});

describe("runBatchMode", () => {
  const API_KEY = "sk_test_batchBATCHbatch0123456789";

  async function run(inputs: Record<string, string>, file: { name: string; text: string }) {
    await writeFile(join(dir, file.name), file.text);
    const runner = recordingRunner({
      file: file.name,
      template: "welcome",
      "results-file": "results.jsonl",
      ...inputs,
    });
    const client = fakeClient();
    await runBatchMode(runner, githubContext({ workspace: dir, runnerTemp: dir }), API_KEY, () => client);
    const results = await readFile(join(dir, "results.jsonl"), "utf8").then(
      (text) =>
        text
          .trim()
          .split("\n")
          .filter(Boolean)
          .map((line) => JSON.parse(line) as Record<string, unknown>),
      () => [],
    );
    return { runner, client, results };
  }

  it("sends the good rows, reports the bad ones, and fails the step (fail-on-error)", async () => {
    const { runner, client, results } = await run(
      {},
      { name: "mixed.csv", text: "to,name\na@x.com,Ada\n,NoOne\nreject@x.com,Rex\nb@x.com,Bo\n" },
    );
    expect(client.calls.flat().map((item) => item.to)).toEqual(["a@x.com", "reject@x.com", "b@x.com"]);
    expect(results.map((result) => [result.row, result.ok])).toEqual([
      [1, true],
      [2, false],
      [3, false],
      [4, true],
    ]);
    expect(runner.outputs).toEqual({
      sent: "2",
      replayed: "0",
      failed: "2",
      "results-file": join(dir, "results.jsonl"),
    });
    expect(runner.failures).toEqual([`2 of 4 rows failed; see the job summary and ${join(dir, "results.jsonl")}`]);
    expect(runner.annotations.filter((a) => a.kind === "error").map((a) => a.properties?.line)).toEqual([3, 4]);
    expect(runner.summary).toContain("2 messages sent, 2 rows failed");
  });

  it.each([
    ["true", "error"],
    ["false", "warning"],
  ])(
    "leaves room under the runner's 10 annotations for the closing one (fail-on-error %s)",
    async (failOnError, kind) => {
      const rows = "to\n" + Array.from({ length: 12 }, (_, i) => `reject${i}@x.com`).join("\n") + "\n";
      const { runner } = await run({ "fail-on-error": failOnError }, { name: "twelve.csv", text: rows });
      const closing =
        kind === "error"
          ? runner.failures
          : runner.annotations.filter((a) => a.kind === kind && !a.properties).map((a) => a.message);
      const perRow = runner.annotations.filter((a) => a.kind === kind && a.properties !== undefined);
      expect(perRow.length + closing.length).toBe(ANNOTATIONS_PER_TYPE);
      expect(closing).toEqual([expect.stringMatching(/^12 of 12 rows failed/)]);
    },
  );

  it("only warns when fail-on-error is false", async () => {
    const { runner } = await run({ "fail-on-error": "false" }, { name: "warn.csv", text: "to\nreject@x.com\n" });
    expect(runner.failures).toEqual([]);
    expect(runner.annotations.map((a) => a.kind)).toEqual(["warning", "warning"]);
  });

  it("sends only this shard's rows: each row by exactly one of the shards", async () => {
    const rows = Array.from({ length: 30 }, (_, i) => `r${i + 1}@x.com`);
    const sentBy: ReturnType<typeof fakeClient>[] = [];
    for (const index of [1, 2, 3])
      sentBy.push((await run({ shard: `${index}/3` }, { name: "shard.csv", text: `to\n${rows.join("\n")}\n` })).client);
    const all = sentBy.flatMap((client) => client.calls.flat().map((item) => String(item.to)));
    expect(all.sort()).toEqual([...rows].sort());
    expect(sentBy.every((client) => client.calls.flat().length > 0 && client.calls.flat().length < 30)).toBe(true);
  });

  it("fails a broken file before sending anything", async () => {
    const { runner, client } = await run({}, { name: "broken.json", text: '[{"to": "a@x.com"},\n{"to": "b@x.com"}\n' });
    expect(client.calls).toEqual([]);
    expect(runner.failures[0]).toMatch(
      /^file: broken\.json cannot be read as JSON: line 3: the array is not closed \(missing \]\)\. Nothing was sent\.$/,
    );
    expect(runner.annotations[0]).toMatchObject({ kind: "error", properties: { file: "broken.json", line: 3 } });
  });

  it("fails bad inputs before sending anything, naming each", async () => {
    await writeFile(join(dir, "ok.csv"), "to\na@x.com\n");
    const runner = recordingRunner({ file: "ok.csv", concurrency: "99", shard: "5/4", "dry-run": "maybe" });
    const client = fakeClient();
    await expect(runBatchMode(runner, githubContext({ workspace: dir }), API_KEY, () => client)).rejects.toThrow(
      'Invalid inputs:\n- concurrency: expected a whole number from 1 to 16, got "99"\n- shard: expected i/n with 1 <= i <= n (like 2/4 for the second of four jobs), got "5/4"\n- dry-run: expected true or false, got "maybe"',
    );
    expect(client.calls).toEqual([]);
  });
});

// Mode `batch`: one message per row of a CSV, JSON or NDJSON file.
//
// The file is read twice, as a stream both times. The first pass counts this shard's rows and
// finds a broken file (an unclosed quote or bracket), so such a file fails the step before
// anything is sent, and the progress line knows the total. The second pass sends: rows are fed
// to the client's sendBatch in bounded windows, and each window's results are written to the
// results file before the next is read, so memory stays flat however long the file is. Rows
// the client refuses (a malformed address) fail one by one, locally; the others are sent.
import { open } from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, relative } from "node:path";
import { SenderKit } from "../src/client.ts";
import type { BatchResult } from "../src/batch.ts";
import type { Template } from "../src/objects.ts";
import { batchItemBody } from "../src/params.ts";
import type { TemplateBatchItem } from "../src/params.ts";
import { isPlainObject, recipientProblem } from "../src/rules.ts";
import { analyzeContent, renderAnalyzedContent } from "../src/template/index.ts";
import type { ContentAnalysis } from "../src/template/index.ts";
import { traceMetadata, withTraceMetadata } from "./context.ts";
import type { GitHubContext } from "./context.ts";
import { givenRowIdempotencyKey, rowIdempotencyKey, shortHash, stableJson, stepIdempotencyKey } from "./idempotency.ts";
import { InputReader, MAX_CONCURRENCY, describe, readConnection, readIdempotencyKey, readShard } from "./inputs.ts";
import type { Shard } from "./inputs.ts";
import { ProgressReporter } from "./progress.ts";
import { mergeUnder, setOwn } from "./plain-objects.ts";
import { RowFileError, SUPPORTED_EXTENSIONS, formatOfFile, readCsvHeader, readRows } from "./rows.ts";
import type { FileRow, RowFormat } from "./rows.ts";
import type { Runner } from "./runner.ts";
import { ANNOTATIONS_PER_TYPE, logText } from "./runner.ts";
import { codeText, markdownTable, plural } from "./summary.ts";
import type { Cell } from "./summary.ts";

/** Columns with a meaning of their own; every other column is a variable. */
export const RESERVED_COLUMNS = ["to", "template", "cc", "bcc", "reply_to", "scheduled_at", "vars", "metadata"] as const;

/** Rows handed to sendBatch at once: enough to keep `concurrency` requests of 1000 busy. */
export const ROWS_PER_REQUEST = 1000;

export interface BatchDefaults {
  /** The `template` input: for rows without a template of their own. */
  template: string | undefined;
  /** The `vars` input: every row's variables start from these. */
  vars: Record<string, unknown> | undefined;
  /** The `metadata` input: every row's metadata starts from these. */
  metadata: Record<string, string> | undefined;
  /** Trace metadata added to every row (unless the row sets those keys). */
  trace: Record<string, string>;
}

export type RowItem = { ok: true; item: TemplateBatchItem } | { ok: false; code: string; error: string };

/**
 * A row's fields as a batch item. `to`, `template`, `cc`, `bcc`, `reply_to` and `scheduled_at`
 * are the send's own; `vars.x.y` and plain columns are variables (dotted names nest), and
 * `metadata.k` is metadata. A `vars` or `metadata` field may also hold a whole mapping (or,
 * in CSV, its JSON text).
 */
export function rowToItem(fields: Record<string, unknown>, defaults: BatchDefaults): RowItem {
  const fail = (error: string): RowItem => ({ ok: false, code: "invalid_row", error });
  const rowVars: Record<string, unknown> = {};
  const metadata: Record<string, string> = { ...defaults.metadata };

  for (const [name, value] of Object.entries(fields)) {
    if ((RESERVED_COLUMNS as readonly string[]).includes(name) && name !== "vars" && name !== "metadata") continue;
    if (name === "vars" || name === "metadata") {
      const mapping = typeof value === "string" ? parseJsonMapping(value) : value;
      if (!isPlainObject(mapping)) return fail(`${name}: expected a mapping, got ${describe(mapping)}`);
      for (const [key, item] of Object.entries(mapping)) {
        const problem = name === "vars" ? setPath(rowVars, key.split("."), item, `${name}.${key}`) : setMetadata(metadata, key, item);
        if (problem) return fail(problem);
      }
      continue;
    }
    const [head, ...rest] = name.split(".");
    const problem =
      head === "metadata" && rest.length > 0
        ? setMetadata(metadata, rest.join("."), value)
        : setPath(rowVars, head === "vars" && rest.length > 0 ? rest : name.split("."), value, name);
    if (problem) return fail(problem);
  }

  const to = typeof fields.to === "string" ? fields.to.trim() : fields.to;
  if (to === undefined || to === null || to === "") return fail("no recipient: the `to` field is empty or missing");
  const template = typeof fields.template === "string" && fields.template.trim() !== "" ? fields.template.trim() : defaults.template;
  if (template === undefined) return fail("no template: the row has none and the `template` input is not set");

  const vars = defaults.vars ? mergeUnder(rowVars, defaults.vars) : rowVars;
  const item: TemplateBatchItem = { template, to, vars, metadata: withTraceMetadata(metadata, defaults.trace).metadata };
  for (const [column, field] of [["cc", "cc"], ["bcc", "bcc"]] as const) {
    const value = fields[column];
    if (value === undefined) continue;
    const list = typeof value === "string" ? value.split(/[,;]/).map((entry) => entry.trim()).filter((entry) => entry !== "") : value;
    if (!Array.isArray(list) || !list.every((entry) => typeof entry === "string")) return fail(`${column}: expected addresses`);
    item[field] = list;
  }
  if (fields.reply_to !== undefined) {
    if (typeof fields.reply_to !== "string") return fail("reply_to: expected an address");
    item.replyTo = fields.reply_to.trim();
  }
  if (fields.scheduled_at !== undefined) {
    if (typeof fields.scheduled_at !== "string") return fail("scheduled_at: expected an ISO-8601 time");
    item.scheduledAt = fields.scheduled_at.trim();
  }
  return { ok: true, item };
}

function setPath(target: Record<string, unknown>, keys: string[], value: unknown, name: string): string | undefined {
  if (keys.some((key) => key === "")) return `${JSON.stringify(name)}: empty name between dots`;
  let current = target;
  for (const [index, key] of keys.entries()) {
    const existing = Object.hasOwn(current, key) ? current[key] : undefined;
    if (index === keys.length - 1) {
      if (existing === undefined) setOwn(current, key, value);
      // A whole mapping for a name that dotted columns also fill: both go in, the columns win.
      else if (isPlainObject(existing) && isPlainObject(value)) setOwn(current, key, mergeUnder(existing, value));
      else return `${JSON.stringify(name)} is given twice`;
      return undefined;
    }
    if (existing === undefined) {
      const child: Record<string, unknown> = {};
      setOwn(current, key, child);
      current = child;
    } else if (isPlainObject(existing)) {
      current = existing;
    } else {
      return `${JSON.stringify(name)} conflicts with ${JSON.stringify(keys.slice(0, index + 1).join("."))}`;
    }
  }
  return undefined;
}

function setMetadata(metadata: Record<string, string>, key: string, value: unknown): string | undefined {
  // setOwn: a `metadata.__proto__` column is a key like any other, not the object's prototype.
  if (typeof value === "string") setOwn(metadata, key, value);
  else if (typeof value === "number" || typeof value === "boolean") setOwn(metadata, key, String(value));
  else return `metadata.${key}: expected a text value, got ${describe(value)}`;
  return undefined;
}

function parseJsonMapping(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Rows are dealt out round-robin: row r belongs to shard ((r - 1) mod n) + 1. */
export function inShard(row: number, shard: Shard): boolean {
  return (row - 1) % shard.count === shard.index - 1;
}

/** What one row came to: sent (a message id), failed (why), or checked in a dry run. */
export interface RowResult {
  row: number;
  line: number;
  recipient: string;
  ok: boolean;
  messageId?: string;
  status?: string;
  code?: string;
  error?: string;
  /** In a dry run: the rendered fields of the row's template. */
  rendered?: Record<string, unknown>;
}

/** One line of the results file. */
export function resultLine(result: RowResult, dryRun: boolean): string {
  const line: Record<string, unknown> = { row: result.row, line: result.line, recipient: result.recipient, ok: result.ok };
  if (dryRun) line.dry_run = true;
  if (result.messageId !== undefined) line.message_id = result.messageId;
  if (result.status !== undefined) line.status = result.status;
  if (!result.ok) line.error = { code: result.code ?? "error", message: result.error ?? "" };
  return JSON.stringify(line);
}

export function recipientOf(to: unknown): string {
  if (typeof to === "string") return to;
  if (isPlainObject(to) && typeof to.endpoint === "string") return to.endpoint;
  return to === undefined ? "" : JSON.stringify(to);
}

/** Bounded memory for the job summary: the first rows, the first failures, counts by code. */
export class BatchSummary {
  static readonly ROWS_SHOWN = 50;
  static readonly FAILURES_SHOWN = 20;
  readonly firstRows: RowResult[] = [];
  readonly firstFailures: RowResult[] = [];
  readonly failuresByCode = new Map<string, number>();
  total = 0;
  succeeded = 0;
  failed = 0;

  add(result: RowResult): void {
    this.total++;
    if (this.firstRows.length < BatchSummary.ROWS_SHOWN) this.firstRows.push(result);
    if (result.ok) {
      this.succeeded++;
      return;
    }
    this.failed++;
    if (this.firstFailures.length < BatchSummary.FAILURES_SHOWN) this.firstFailures.push(result);
    const code = result.code ?? "error";
    this.failuresByCode.set(code, (this.failuresByCode.get(code) ?? 0) + 1);
  }

  markdown(options: { file: string; shard: Shard; dryRun: boolean; resultsFile: string; elapsedMs: number }): string {
    const { file, shard, dryRun } = options;
    const scope = shard.count > 1 ? ` (shard ${shard.index}/${shard.count})` : "";
    const lines = [
      dryRun ? `### SenderKit batch dry run: ${file}${scope}` : `### SenderKit batch: ${file}${scope}`,
      "",
      dryRun
        ? `${plural(this.succeeded, "row")} would be sent, ${plural(this.failed, "row")} would fail. Nothing was sent.`
        : `${plural(this.succeeded, "message")} sent, ${plural(this.failed, "row")} failed, in ${(options.elapsedMs / 1000).toFixed(1)} s.`,
      "",
    ];
    if (this.total <= BatchSummary.ROWS_SHOWN) {
      if (this.total > 0) {
        lines.push(markdownTable(["Row", "Recipient", "Result", dryRun ? "Detail" : "Message or error"], this.firstRows.map((row) => rowCells(row, dryRun))), "");
      }
    } else {
      if (this.failuresByCode.size > 0) {
        const counts = [...this.failuresByCode].sort((a, b) => b[1] - a[1]).map(([code, count]): Cell[] => [{ code }, count]);
        lines.push(markdownTable(["Failure", "Rows"], counts), "");
      }
      if (this.firstFailures.length > 0) {
        const more = this.failed > this.firstFailures.length ? ` (first ${this.firstFailures.length} of ${this.failed})` : "";
        lines.push(`#### Failed rows${more}`, "", markdownTable(["Row", "Recipient", "Result", "Error"], this.firstFailures.map((row) => rowCells(row, dryRun))), "");
      }
    }
    lines.push(`Results, one JSON line per row: ${codeText(options.resultsFile)}`, "");
    return lines.join("\n");
  }
}

function rowCells(result: RowResult, dryRun: boolean): Cell[] {
  const outcome = result.ok ? (dryRun ? "ok" : (result.status ?? "sent")) : `failed (${result.code ?? "error"})`;
  const detail = result.ok ? (result.messageId !== undefined ? { code: result.messageId } : previewOf(result.rendered)) : (result.error ?? "");
  return [result.row, result.recipient, outcome, detail];
}

function previewOf(rendered: Record<string, unknown> | undefined): string {
  if (!rendered) return "";
  const first = Object.values(rendered).find((value): value is string => typeof value === "string" && value !== "");
  if (first === undefined) return "";
  return first.length > 80 ? `${first.slice(0, 77)}...` : first;
}

export interface BatchSettings {
  file: string;
  /** As the summary and keys name it: relative to the workspace. */
  displayFile: string;
  format: RowFormat;
  defaults: BatchDefaults;
  shard: Shard;
  concurrency: number;
  dryRun: boolean;
  failOnError: boolean;
  resultsFile: string;
  /** Base of the per-row keys: derived from the run, or the `idempotency-key` input. */
  keys: { kind: "step"; key: string } | { kind: "given"; key: string } | { kind: "none" };
}

/** Reads and checks the batch inputs (the file's existence and columns included). */
export async function readBatchSettings(input: InputReader, context: GitHubContext): Promise<BatchSettings | undefined> {
  const file = input.path("file", context.workspace);
  const template = input.optionalText("template");
  const vars = input.mapping("vars");
  const metadata = input.stringMapping("metadata");
  const concurrency = input.integer("concurrency", 1, MAX_CONCURRENCY);
  const shard = readShard(input);
  const dryRun = input.boolean("dry-run");
  const failOnError = input.boolean("fail-on-error");
  const givenKey = readIdempotencyKey(input);
  const resultsPath = input.path("results-file", context.workspace);

  if (file === undefined) return input.problem("file", `required in batch mode: a ${SUPPORTED_EXTENSIONS.join(", ")} file of rows`);
  const format = formatOfFile(file);
  if (format === undefined) return input.problem("file", `${JSON.stringify(basename(file))}: expected one of ${SUPPORTED_EXTENSIONS.join(", ")}`);
  const handle = await open(file, "r").catch((error: NodeJS.ErrnoException) => error);
  if (!("close" in handle)) return input.problem("file", `cannot read ${JSON.stringify(file)}: ${handle.code ?? handle.message}`);
  await handle.close();
  if (format === "csv") {
    const header = await readCsvHeader(file).catch((): string[] => []);
    if (!header.includes("to")) {
      input.problem("file", `the CSV header has no "to" column (it has: ${header.map((name) => JSON.stringify(name)).join(", ") || "nothing"})`);
    }
  }
  if (input.problems.length > 0 || concurrency === undefined) return undefined;

  const displayFile = context.workspace ? relative(context.workspace, file).split("\\").join("/") : file;
  // The shared vars and metadata are part of what the step sends: matrix legs that differ only
  // in them must not share keys.
  const stepKey = stepIdempotencyKey(context, ["batch", displayFile, template ?? "", shortHash([stableJson({ vars, metadata })])]);
  const shardSuffix = shard.count > 1 ? `-shard-${shard.index}-of-${shard.count}` : "";
  const resultsFile =
    resultsPath ?? `${context.runnerTemp || tmpdir()}/senderkit-results-${safeName(context.action || "batch")}${shardSuffix}.jsonl`;
  // Checked now, so a results file that cannot be written fails the step before anything is sent.
  const writable = await open(resultsFile, "a").catch((error: NodeJS.ErrnoException) => error);
  if (!("close" in writable)) return input.problem("results-file", `cannot write ${JSON.stringify(resultsFile)}: ${writable.code ?? writable.message}`);
  await writable.close();
  return {
    file,
    displayFile,
    format,
    defaults: { template, vars, metadata, trace: traceMetadata(context) },
    shard,
    concurrency,
    dryRun,
    failOnError,
    resultsFile,
    keys: givenKey !== undefined ? { kind: "given", key: givenKey } : stepKey !== undefined ? { kind: "step", key: stepKey } : { kind: "none" },
  };
}

function safeName(text: string): string {
  return text.replace(/[^A-Za-z0-9_.-]+/g, "_");
}

/** A row of this shard, mapped to an item or to the reason it cannot be sent. */
export interface PreparedRow {
  row: number;
  line: number;
  recipient: string;
  result: RowItem;
}

/** The rows of this shard, prepared: read, mapped to items and keyed. */
export async function* prepareRows(settings: BatchSettings): AsyncGenerator<PreparedRow> {
  for await (const fileRow of readRows(settings.file, settings.format)) {
    if (!inShard(fileRow.row, settings.shard)) continue;
    yield prepareRow(fileRow, settings);
  }
}

export function prepareRow(fileRow: FileRow, settings: Pick<BatchSettings, "defaults" | "keys">): PreparedRow {
  const { row, line } = fileRow;
  if (fileRow.value === undefined) return { row, line, recipient: "", result: { ok: false, code: "invalid_row", error: fileRow.error ?? "unreadable" } };
  const mapped = rowToItem(fileRow.value, settings.defaults);
  const recipient = recipientOf(fileRow.value.to);
  if (!mapped.ok) return { row, line, recipient, result: mapped };
  const { keys } = settings;
  const idempotencyKey =
    keys.kind === "step" ? rowIdempotencyKey(keys.key, row) : keys.kind === "given" ? givenRowIdempotencyKey(keys.key, row) : undefined;
  // The client's own checks (a malformed address, metadata too long) run in sendBatch, which
  // fails such items locally, one by one, before anything is sent.
  return { row, line, recipient, result: { ok: true, item: { ...mapped.item, idempotencyKey } } };
}

/**
 * The checking pass: reads the whole file once, counting this shard's rows; throws RowFileError
 * when the file's structure is broken. Rows are not mapped here (that happens as they are sent),
 * which keeps this pass cheap.
 */
export async function countRows(settings: Pick<BatchSettings, "file" | "format" | "shard">): Promise<number> {
  let rows = 0;
  for await (const fileRow of readRows(settings.file, settings.format)) if (inShard(fileRow.row, settings.shard)) rows++;
  return rows;
}

/** Sends one window of prepared rows; one result per row, in row order. */
export async function sendWindow(
  client: Pick<SenderKit, "sendBatch">,
  window: readonly PreparedRow[],
  concurrency: number,
  onProgress: (done: number, failed: number) => void,
): Promise<RowResult[]> {
  const results: RowResult[] = window.map((prepared) => rowResultOf(prepared));
  const sendable = window.flatMap((prepared, position) => (prepared.result.ok ? [{ position, item: prepared.result.item }] : []));
  if (sendable.length === 0) return results;
  const sent = await client.sendBatch(
    sendable.map((entry) => entry.item),
    { concurrency, onProgress: (progress) => onProgress(progress.done, progress.failed) },
  );
  sent.forEach((outcome: BatchResult, index) => {
    const position = sendable[index]!.position;
    const base = results[position]!;
    results[position] = outcome.ok
      ? { ...base, ok: true, messageId: outcome.message.id, status: outcome.message.status }
      : { ...base, ok: false, code: (outcome.error as { code?: string }).code ?? outcome.error.name, error: outcome.error.message };
  });
  return results;
}

function rowResultOf(prepared: PreparedRow): RowResult {
  const base = { row: prepared.row, line: prepared.line, recipient: prepared.recipient };
  return prepared.result.ok ? { ...base, ok: true } : { ...base, ok: false, code: prepared.result.code, error: prepared.result.error };
}

/** A stored template, and its content analysed once for every row that uses it. */
export interface DryRunTemplate {
  template: Template;
  analysis: ContentAnalysis;
}

/**
 * A dry run of one row: the client's local checks (what sendBatch would refuse), then the
 * template (fetched once per slug) rendered with the row's variables, locally. Missing
 * variables and a recipient that does not fit the template's channel fail the row, as the real
 * send would.
 */
export async function dryRunRow(prepared: PreparedRow, templateOf: (slug: string) => Promise<DryRunTemplate | Error>): Promise<RowResult> {
  const result = rowResultOf(prepared);
  if (!prepared.result.ok) return result;
  const { item } = prepared.result;
  try {
    batchItemBody(item, item.idempotencyKey ?? "dry-run");
  } catch (error) {
    return { ...result, ok: false, code: "invalid_parameter", error: (error as Error).message };
  }
  const found = await templateOf(item.template);
  if (found instanceof Error) return { ...result, ok: false, code: (found as { code?: string }).code ?? "error", error: found.message };
  const { template, analysis } = found;
  const problem = recipientProblem(template.channel, item.to);
  if (problem) return { ...result, ok: false, code: "invalid_recipient", error: problem.message };
  if (template.channel !== "email" && (item.cc || item.bcc || item.replyTo)) {
    return { ...result, ok: false, code: "channel_mismatch", error: `cc, bcc and reply_to are for email; ${item.template} is ${template.channel}` };
  }
  const rendered = renderAnalyzedContent(template.channel, template.currentVersion.content, analysis, item.vars ?? {});
  if (rendered.missing.length > 0) {
    return { ...result, ok: false, code: "missing_variables", error: `missing variables: ${rendered.missing.join(", ")}` };
  }
  return { ...result, rendered: rendered.output };
}

/** Lines written to the results file as each window completes (bounded by the window). */
class ResultsFile {
  readonly #handle: FileHandle;
  readonly #redact: (text: string) => string;
  readonly #dryRun: boolean;

  private constructor(handle: FileHandle, redact: (text: string) => string, dryRun: boolean) {
    this.#handle = handle;
    this.#redact = redact;
    this.#dryRun = dryRun;
  }

  static async create(path: string, redact: (text: string) => string, dryRun: boolean): Promise<ResultsFile> {
    return new ResultsFile(await open(path, "w"), redact, dryRun);
  }

  async write(results: readonly RowResult[]): Promise<void> {
    if (results.length === 0) return;
    await this.#handle.write(this.#redact(results.map((result) => resultLine(result, this.#dryRun)).join("\n") + "\n"));
  }

  close(): Promise<void> {
    return this.#handle.close();
  }
}

/** How many failed rows are logged one by one (all of them are in the results file). */
const FAILURES_LOGGED = 100;
/**
 * Failed rows annotated one by one: one fewer than the runner keeps, because a batch with failed
 * rows ends with one more annotation of the same type (the failure, or the warning without
 * fail-on-error), which must not be the one the runner drops.
 */
const ROWS_ANNOTATED = ANNOTATIONS_PER_TYPE - 1;

/** The client a mode talks to SenderKit through; tests pass a fake. */
export type BatchClient = Pick<SenderKit, "sendBatch" | "close"> & { templates: Pick<SenderKit["templates"], "get"> };

/** The whole mode, as the runner runs it. */
export async function runBatchMode(
  runner: Runner,
  context: GitHubContext,
  apiKey: string,
  createClient: (options: { apiKey: string; baseUrl: string | undefined }) => BatchClient = (options) => new SenderKit(options),
): Promise<void> {
  const input = new InputReader(runner);
  const connection = readConnection(input, apiKey, "in batch mode (a dry run also reads the templates)");
  const settings = await readBatchSettings(input, context);
  input.check();
  if (!connection || !settings) return;

  const total = await runner.group(`Checking ${settings.displayFile}`, async () => {
    try {
      const rows = await countRows(settings);
      runner.info(`${plural(rows, "row")}${settings.shard.count > 1 ? ` for shard ${settings.shard.index}/${settings.shard.count}` : ""}`);
      return rows;
    } catch (error) {
      if (error instanceof RowFileError) return error;
      throw error;
    }
  });
  if (total instanceof RowFileError) {
    runner.error(`file: ${total.message}`, { file: settings.displayFile, line: total.line, title: "Unreadable batch file" });
    runner.setFailed(`file: ${settings.displayFile} cannot be read as ${settings.format.toUpperCase()}: ${total.message}. Nothing was sent.`);
    return;
  }
  if (total === 0) runner.warning(`${settings.displayFile} has no rows${settings.shard.count > 1 ? ` for shard ${settings.shard.index}/${settings.shard.count}` : ""}`);

  const client = createClient({ apiKey: connection.apiKey, baseUrl: connection.baseUrl });
  const summary = new BatchSummary();
  const results = await ResultsFile.create(settings.resultsFile, runner.redact, settings.dryRun);
  const progress = new ProgressReporter((line) => runner.info(line));
  let failuresLogged = 0;
  const record = (rowResults: readonly RowResult[]) => {
    for (const result of rowResults) {
      summary.add(result);
      if (result.ok) continue;
      if (failuresLogged < FAILURES_LOGGED) runner.info(`row ${result.row} (line ${result.line}, ${result.recipient ? JSON.stringify(result.recipient) : "no recipient"}): ${logText(result.code ?? "")}: ${JSON.stringify(result.error ?? "")}`);
      else if (failuresLogged === FAILURES_LOGGED) runner.info("more failed rows are in the results file");
      if (failuresLogged < ROWS_ANNOTATED) {
        const where = { file: settings.displayFile, line: result.line, title: "Batch row failed" };
        const message = `row ${result.row}: ${result.code}: ${result.error}`;
        if (settings.failOnError) runner.error(message, where);
        else runner.warning(message, where);
      }
      failuresLogged++;
    }
    progress.update({ done: summary.total, total, failed: summary.failed });
  };

  try {
    const action = settings.dryRun ? "Dry run of" : "Sending";
    await runner.group(`${action} ${plural(total, "row")} from ${settings.displayFile}`, async () => {
      progress.start();
      if (settings.dryRun) {
        await dryRun(settings, client, record, results);
      } else {
        await sendRows(prepareRows(settings), client, {
          concurrency: settings.concurrency,
          onResults: async (windowResults) => {
            record(windowResults);
            await results.write(windowResults);
          },
          onWindowProgress: (done, failed) => progress.update({ done: summary.total + done, total, failed: summary.failed + failed }),
        });
      }
      progress.finish();
    });
  } finally {
    await results.close();
    await client.close();
  }

  runner.setOutput("sent", settings.dryRun ? 0 : summary.succeeded);
  runner.setOutput("failed", summary.failed);
  runner.setOutput("results-file", settings.resultsFile);
  runner.appendSummary(summary.markdown({ ...settings, file: settings.displayFile, elapsedMs: progress.elapsedMs() }));
  if (summary.failed > 0) {
    const message = `${summary.failed} of ${plural(summary.total, "row")} ${settings.dryRun ? "would fail" : "failed"}; see the job summary and ${settings.resultsFile}`;
    if (settings.failOnError) runner.setFailed(message);
    else runner.warning(message);
  }
}

/**
 * Sends prepared rows in windows of `concurrency` × 1000 rows: each window goes to sendBatch,
 * and its results are handed to `onResults` (which writes them) before the next window is read,
 * so at most one window of rows is held, however long the file.
 */
export async function sendRows(
  rows: AsyncIterable<PreparedRow>,
  client: Pick<SenderKit, "sendBatch">,
  options: {
    concurrency: number;
    onResults: (results: readonly RowResult[]) => Promise<void>;
    /** Rows done and failed in the window being sent, as its requests complete. */
    onWindowProgress?: (done: number, failed: number) => void;
  },
): Promise<void> {
  const windowSize = options.concurrency * ROWS_PER_REQUEST;
  let window: PreparedRow[] = [];
  const flush = async () => {
    const results = await sendWindow(client, window, options.concurrency, options.onWindowProgress ?? (() => {}));
    window = [];
    await options.onResults(results);
  };
  for await (const prepared of rows) {
    window.push(prepared);
    if (window.length >= windowSize) await flush();
  }
  if (window.length > 0) await flush();
}

async function dryRun(settings: BatchSettings, client: BatchClient, record: (results: readonly RowResult[]) => void, results: ResultsFile): Promise<void> {
  const templates = new Map<string, Promise<DryRunTemplate | Error>>();
  const templateOf = (slug: string) => {
    let template = templates.get(slug);
    if (!template) {
      template = client.templates.get(slug).then(
        (found) => ({ template: found, analysis: analyzeContent(found.channel, found.currentVersion.content) }),
        (error: Error) => error,
      );
      templates.set(slug, template);
    }
    return template;
  };
  let window: RowResult[] = [];
  for await (const prepared of prepareRows(settings)) {
    window.push(await dryRunRow(prepared, templateOf));
    if (window.length >= ROWS_PER_REQUEST) {
      record(window);
      await results.write(window);
      window = [];
    }
  }
  record(window);
  await results.write(window);
}

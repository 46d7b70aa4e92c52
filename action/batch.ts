// Mode `batch`: one message per row of a CSV, JSON or NDJSON file.
//
// The file is read twice, as a stream both times. The first pass counts this shard's rows and
// finds a broken file (an unclosed quote or bracket), so such a file fails the step before
// anything is sent. The second pass sends: rows become items with content-derived keys
// (row-keys.ts), go to the client's sendBatch in bounded windows, and each window's results are
// written to the results file before the next is read, so memory stays flat however long the file.
import { SenderKit } from "../src/client.ts";
import type { BatchResult } from "../src/resources/messages.ts";
import type { Template } from "../src/objects.ts";
import { batchItemBody } from "../src/internal/send-params.ts";
import { recipientProblem } from "../src/internal/rules.ts";
import { analyzeContent, renderAnalyzedContent } from "../src/template/index.ts";
import type { ContentAnalysis } from "../src/template/index.ts";
import { readBatchSettings } from "./batch-settings.ts";
import type { BatchSettings } from "./batch-settings.ts";
import { BatchSummary } from "./batch-summary.ts";
import type { GitHubContext } from "./context.ts";
import { givenRowIdempotencyKey, rowIdempotencyKey } from "./idempotency.ts";
import { InputReader, readConnection } from "./inputs.ts";
import { ProgressReporter } from "./progress.ts";
import { recipientOf, rowToItem } from "./row-items.ts";
import type { RowItem } from "./row-items.ts";
import { OccurrenceCounter, inShard, rowFingerprint } from "./row-keys.ts";
import { ResultsFile } from "./row-results.ts";
import type { RowResult } from "./row-results.ts";
import { RowFileError, readRows } from "./rows.ts";
import type { FileRow } from "./rows.ts";
import type { Runner } from "./runner.ts";
import { ANNOTATIONS_PER_TYPE, logText } from "./runner.ts";
import { plural } from "./summary.ts";

/** Rows handed to sendBatch at once: enough to keep `concurrency` requests of 1000 busy. */
export const ROWS_PER_REQUEST = 1000;
/** Each window is several rounds of `concurrency` requests, so a slow request holds up fewer of them. */
export const ROUNDS_PER_WINDOW = 4;

/** A row of this shard, mapped to an item or to the reason it cannot be sent. */
export interface PreparedRow {
  row: number;
  line: number;
  recipient: string;
  result: RowItem;
}

/** The rows of this shard (`expected` of them, by the checking pass), prepared: read, mapped to items and keyed. */
export async function* prepareRows(settings: BatchSettings, expected?: number): AsyncGenerator<PreparedRow> {
  const occurrences = new OccurrenceCounter(expected);
  for await (const fileRow of readRows(settings.file, settings.format)) {
    const fingerprint = rowFingerprint(fileRow);
    if (!inShard(fileRow, fingerprint, settings.shard)) continue;
    yield prepareRow(
      fileRow,
      settings,
      fingerprint === undefined ? undefined : { fingerprint, occurrence: occurrences.next(fingerprint) },
    );
  }
}

export function prepareRow(
  fileRow: FileRow,
  settings: Pick<BatchSettings, "defaults" | "keys">,
  identity: { fingerprint: string; occurrence: number } | undefined,
): PreparedRow {
  const { row, line } = fileRow;
  if (fileRow.value === undefined || identity === undefined) {
    return {
      row,
      line,
      recipient: "",
      result: { ok: false, code: "invalid_row", error: fileRow.error ?? "unreadable" },
    };
  }
  const mapped = rowToItem(fileRow.value, settings.defaults);
  const recipient = recipientOf(fileRow.value.to);
  if (!mapped.ok) return { row, line, recipient, result: mapped };
  const { keys } = settings;
  const { fingerprint, occurrence } = identity;
  const idempotencyKey =
    keys.kind === "step"
      ? rowIdempotencyKey(keys.key, fingerprint, occurrence)
      : keys.kind === "given"
        ? givenRowIdempotencyKey(keys.key, fingerprint, occurrence)
        : undefined;
  // The client's own checks (a malformed address, metadata too long) run in sendBatch, which
  // fails such items locally, one by one, before anything is sent.
  return { row, line, recipient, result: { ok: true, item: { ...mapped.item, idempotencyKey } } };
}

/**
 * The checking pass: reads the whole file once, counting this shard's rows; throws RowFileError
 * when the file's structure is broken. Rows are not mapped here (that happens as they are sent).
 */
export async function countRows(settings: Pick<BatchSettings, "file" | "format" | "shard">): Promise<number> {
  let rows = 0;
  for await (const fileRow of readRows(settings.file, settings.format)) {
    const fingerprint = settings.shard.count > 1 ? rowFingerprint(fileRow) : undefined;
    if (inShard(fileRow, fingerprint, settings.shard)) rows++;
  }
  return rows;
}

/**
 * Sends one window of prepared rows; one result per row, in row order. A message created before
 * `startedAt` (this step's start) was sent by an earlier attempt: the row is marked replayed.
 */
export async function sendWindow(
  client: Pick<SenderKit, "sendBatch">,
  window: readonly PreparedRow[],
  options: { concurrency: number; startedAt: number; onProgress: (done: number, failed: number) => void },
): Promise<RowResult[]> {
  const results: RowResult[] = window.map((prepared) => rowResultOf(prepared));
  const sendable = window.flatMap((prepared, position) =>
    prepared.result.ok ? [{ position, item: prepared.result.item }] : [],
  );
  if (sendable.length === 0) return results;
  const sent = await client.sendBatch(
    sendable.map((entry) => entry.item),
    { concurrency: options.concurrency, onProgress: (progress) => options.onProgress(progress.done, progress.failed) },
  );
  sent.forEach((outcome: BatchResult, index) => {
    const position = sendable[index]!.position;
    const base = results[position]!;
    results[position] = outcome.ok
      ? {
          ...base,
          ok: true,
          messageId: outcome.message.id,
          status: outcome.message.status,
          replayed: Date.parse(outcome.message.createdAt) < options.startedAt,
        }
      : {
          ...base,
          ok: false,
          code: (outcome.error as { code?: string }).code ?? outcome.error.name,
          error: outcome.error.message,
        };
  });
  return results;
}

function rowResultOf(prepared: PreparedRow): RowResult {
  const base = { row: prepared.row, line: prepared.line, recipient: prepared.recipient };
  return prepared.result.ok
    ? { ...base, ok: true }
    : { ...base, ok: false, code: prepared.result.code, error: prepared.result.error };
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
export async function dryRunRow(
  prepared: PreparedRow,
  templateOf: (slug: string) => Promise<DryRunTemplate | Error>,
): Promise<RowResult> {
  const result = rowResultOf(prepared);
  if (!prepared.result.ok) return result;
  const { item } = prepared.result;
  try {
    batchItemBody(item, item.idempotencyKey ?? "dry-run");
  } catch (error) {
    return { ...result, ok: false, code: "invalid_parameter", error: (error as Error).message };
  }
  const found = await templateOf(item.template);
  if (found instanceof Error)
    return { ...result, ok: false, code: (found as { code?: string }).code ?? "error", error: found.message };
  const { template, analysis } = found;
  const problem = recipientProblem(template.channel, item.to);
  if (problem) return { ...result, ok: false, code: "invalid_recipient", error: problem.message };
  if (template.channel !== "email" && (item.cc || item.bcc || item.replyTo)) {
    return {
      ...result,
      ok: false,
      code: "channel_mismatch",
      error: `cc, bcc and reply_to are for email; ${item.template} is ${template.channel}`,
    };
  }
  const rendered = renderAnalyzedContent(template.channel, template.currentVersion.content, analysis, item.vars ?? {});
  if (rendered.missing.length > 0) {
    return {
      ...result,
      ok: false,
      code: "missing_variables",
      error: `missing variables: ${rendered.missing.join(", ")}`,
    };
  }
  return { ...result, rendered: rendered.output };
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
  createClient: (options: { apiKey: string; baseUrl: string | undefined }) => BatchClient = (options) =>
    new SenderKit(options),
): Promise<void> {
  const startedAt = Date.now();
  const input = new InputReader(runner);
  const connection = readConnection(input, apiKey, "in batch mode (a dry run also reads the templates)");
  const settings = await readBatchSettings(input, context);
  input.check();
  if (!connection || !settings) return;
  const shardText = settings.shard.count > 1 ? ` for shard ${settings.shard.index}/${settings.shard.count}` : "";

  const total = await runner.group(`Checking ${settings.displayFile}`, async () => {
    try {
      const rows = await countRows(settings);
      runner.info(`${plural(rows, "row")}${shardText}`);
      return rows;
    } catch (error) {
      if (error instanceof RowFileError) return error;
      throw error;
    }
  });
  if (total instanceof RowFileError) {
    runner.error(`file: ${total.message}`, {
      file: settings.displayFile,
      line: total.line,
      title: "Unreadable batch file",
    });
    runner.setFailed(
      `file: ${settings.displayFile} cannot be read as ${settings.format.toUpperCase()}: ` +
        `${total.message}. Nothing was sent.`,
    );
    return;
  }
  if (total === 0) runner.warning(`${settings.displayFile} has no rows${shardText}`);

  const client = createClient({ apiKey: connection.apiKey, baseUrl: connection.baseUrl });
  const summary = new BatchSummary();
  const results = await ResultsFile.create(settings.resultsFile, runner.redact, settings.dryRun);
  const progress = new ProgressReporter((line) => runner.info(line));
  let failuresLogged = 0;
  const record = (rowResults: readonly RowResult[]) => {
    for (const result of rowResults) {
      summary.add(result);
      if (result.ok) continue;
      const who = result.recipient ? JSON.stringify(result.recipient) : "no recipient";
      if (failuresLogged < FAILURES_LOGGED) {
        runner.info(
          runner.redact(
            `row ${result.row} (line ${result.line}, ${who}): ` +
              `${logText(result.code ?? "")}: ${JSON.stringify(result.error ?? "")}`,
          ),
        );
      } else if (failuresLogged === FAILURES_LOGGED) runner.info("more failed rows are in the results file");
      if (failuresLogged < ROWS_ANNOTATED) {
        const where = { file: settings.displayFile, line: result.line, title: "Batch row failed" };
        const message = runner.redact(`row ${result.row}: ${result.code}: ${result.error}`);
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
        await dryRun(settings, client, record, results, total);
      } else {
        await sendRows(prepareRows(settings, total), client, {
          concurrency: settings.concurrency,
          startedAt,
          onResults: async (windowResults) => {
            record(windowResults);
            await results.write(windowResults);
          },
          onWindowProgress: (done, failed) =>
            progress.update({ done: summary.total + done, total, failed: summary.failed + failed }),
          debug: (line) => runner.debug(line),
        });
      }
      progress.finish();
      if (summary.replayed > 0)
        runner.info(`${plural(summary.replayed, "row")} replayed; nothing sent again (sent by an earlier attempt)`);
    });
  } finally {
    await results.close();
    await client.close();
  }

  runner.setOutput("sent", settings.dryRun ? 0 : summary.succeeded - summary.replayed);
  runner.setOutput("replayed", summary.replayed);
  runner.setOutput("failed", summary.failed);
  runner.setOutput("results-file", settings.resultsFile);
  await runner.appendSummary(
    runner.redact(summary.markdown({ ...settings, file: settings.displayFile, elapsedMs: progress.elapsedMs() })),
  );
  if (summary.failed > 0) {
    const outcome = settings.dryRun ? "would fail" : "failed";
    const message = `${summary.failed} of ${plural(summary.total, "row")} ${outcome}; see the job summary and ${settings.resultsFile}`;
    if (settings.failOnError) runner.setFailed(message);
    else runner.warning(message);
  }
}

/**
 * Sends prepared rows in windows of ROUNDS_PER_WINDOW × `concurrency` × 1000 rows: each window goes to sendBatch,
 * and its results are handed to `onResults` (which writes them) before the next window is read,
 * so at most one window of rows is held, however long the file.
 */
export async function sendRows(
  rows: AsyncIterable<PreparedRow>,
  client: Pick<SenderKit, "sendBatch">,
  options: {
    concurrency: number;
    /** This step's start: messages created before it were sent by an earlier attempt. */
    startedAt?: number | undefined;
    onResults: (results: readonly RowResult[]) => Promise<void>;
    /** Rows done and failed in the window being sent, as its requests complete. */
    onWindowProgress?: (done: number, failed: number) => void;
    debug?: (line: string) => void;
  },
): Promise<void> {
  const windowSize = options.concurrency * ROWS_PER_REQUEST * ROUNDS_PER_WINDOW;
  let window: PreparedRow[] = [];
  const flush = async () => {
    const began = Date.now();
    const results = await sendWindow(client, window, {
      concurrency: options.concurrency,
      startedAt: options.startedAt ?? Date.now(),
      onProgress: options.onWindowProgress ?? (() => {}),
    });
    options.debug?.(`rows ${window[0]!.row}-${window.at(-1)!.row}: ${window.length} rows in ${Date.now() - began} ms`);
    window = [];
    await options.onResults(results);
  };
  for await (const prepared of rows) {
    window.push(prepared);
    if (window.length >= windowSize) await flush();
  }
  if (window.length > 0) await flush();
}

async function dryRun(
  settings: BatchSettings,
  client: BatchClient,
  record: (results: readonly RowResult[]) => void,
  results: ResultsFile,
  expected: number,
): Promise<void> {
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
  for await (const prepared of prepareRows(settings, expected)) {
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

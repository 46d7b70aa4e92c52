// What each batch row came to, and the results file: one JSON line per row, written as each
// window of rows completes, with secrets redacted (the runner masks its log, not this file).
import { open } from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";

/** What one row came to: sent (a message id), failed (why), or checked in a dry run. */
export interface RowResult {
  row: number;
  line: number;
  recipient: string;
  ok: boolean;
  messageId?: string;
  status?: string;
  /** Sent by an earlier attempt: SenderKit answered with the message it had (see README, "Replays"). */
  replayed?: boolean;
  code?: string;
  error?: string;
  /** In a dry run: the rendered fields of the row's template. */
  rendered?: Record<string, unknown>;
}

/** One line of the results file. */
export function resultLine(result: RowResult, dryRun: boolean): string {
  const line: Record<string, unknown> = {
    row: result.row,
    line: result.line,
    recipient: result.recipient,
    ok: result.ok,
  };
  if (dryRun) line.dry_run = true;
  if (result.messageId !== undefined) line.message_id = result.messageId;
  if (result.status !== undefined) line.status = result.status;
  if (result.replayed) line.replayed = true;
  if (!result.ok) line.error = { code: result.code ?? "error", message: result.error ?? "" };
  return JSON.stringify(line);
}

/** Lines written to the results file as each window completes (bounded by the window). */
export class ResultsFile {
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

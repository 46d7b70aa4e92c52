// The batch's job summary, from bounded memory: the first rows, the first failures, counts by code.
import type { Shard } from "./inputs.ts";
import type { RowResult } from "./row-results.ts";
import { codeText, markdownTable, plural } from "./summary.ts";
import type { Cell } from "./summary.ts";

export class BatchSummary {
  static readonly ROWS_SHOWN = 50;
  static readonly FAILURES_SHOWN = 20;
  readonly firstRows: RowResult[] = [];
  readonly firstFailures: RowResult[] = [];
  readonly failuresByCode = new Map<string, number>();
  total = 0;
  succeeded = 0;
  /** Of `succeeded`: answered with the message an earlier attempt sent. */
  replayed = 0;
  failed = 0;

  add(result: RowResult): void {
    this.total++;
    if (this.firstRows.length < BatchSummary.ROWS_SHOWN) this.firstRows.push(result);
    if (result.ok) {
      this.succeeded++;
      if (result.replayed) this.replayed++;
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
        : `${plural(this.succeeded - this.replayed, "message")} sent, ` +
          (this.replayed > 0
            ? `${plural(this.replayed, "row")} replayed (an earlier attempt sent them; nothing sent again), `
            : "") +
          `${plural(this.failed, "row")} failed, in ${(options.elapsedMs / 1000).toFixed(1)} s.`,
      "",
    ];
    if (this.total <= BatchSummary.ROWS_SHOWN) {
      if (this.total > 0) {
        lines.push(
          markdownTable(
            ["Row", "Recipient", "Result", dryRun ? "Detail" : "Message or error"],
            this.firstRows.map((row) => rowCells(row, dryRun)),
          ),
          "",
        );
      }
    } else {
      if (this.failuresByCode.size > 0) {
        const counts = [...this.failuresByCode]
          .sort((a, b) => b[1] - a[1])
          .map(([code, count]): Cell[] => [{ code }, count]);
        lines.push(markdownTable(["Failure", "Rows"], counts), "");
      }
      if (this.firstFailures.length > 0) {
        const more =
          this.failed > this.firstFailures.length ? ` (first ${this.firstFailures.length} of ${this.failed})` : "";
        lines.push(
          `#### Failed rows${more}`,
          "",
          markdownTable(
            ["Row", "Recipient", "Result", "Error"],
            this.firstFailures.map((row) => rowCells(row, dryRun)),
          ),
          "",
        );
      }
    }
    lines.push(
      `Results, one JSON line per row: ${codeText(options.resultsFile)}. ` +
        "To keep the file after the job, upload it with `actions/upload-artifact` " +
        "(RUNNER_TEMP is emptied when the job ends).",
      "",
    );
    return lines.join("\n");
  }
}

function rowCells(result: RowResult, dryRun: boolean): Cell[] {
  const sent = result.replayed
    ? `${result.status ?? "sent"} (replayed; nothing sent again)`
    : (result.status ?? "sent");
  const outcome = result.ok ? (dryRun ? "ok" : sent) : `failed (${result.code ?? "error"})`;
  const detail = result.ok
    ? result.messageId !== undefined
      ? { code: result.messageId }
      : previewOf(result.rendered)
    : (result.error ?? "");
  return [result.row, result.recipient, outcome, detail];
}

function previewOf(rendered: Record<string, unknown> | undefined): string {
  if (!rendered) return "";
  const first = Object.values(rendered).find((value): value is string => typeof value === "string" && value !== "");
  if (first === undefined) return "";
  return first.length > 80 ? `${first.slice(0, 77)}...` : first;
}

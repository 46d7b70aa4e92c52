// The batch mode's inputs, read and checked before anything is sent: the file (its format, its
// columns, its encoding), the results file (writable, and not a file the step reads), the
// defaults every row starts from, and the base of the row keys.
import { open, realpath, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, dirname, join, relative } from "node:path";
import { traceMetadata } from "./context.ts";
import type { GitHubContext } from "./context.ts";
import { shortHash, stableJson, stepIdempotencyKey } from "./idempotency.ts";
import { InputReader, MAX_CONCURRENCY, readIdempotencyKey, readShard } from "./inputs.ts";
import type { Shard } from "./inputs.ts";
import type { BatchDefaults } from "./row-items.ts";
import { SUPPORTED_EXTENSIONS, formatOfFile, readCsvHeader } from "./rows.ts";
import type { RowFormat } from "./rows.ts";
import { firstNonUtf8Line } from "./utf8.ts";

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
export async function readBatchSettings(
  input: InputReader,
  context: GitHubContext,
): Promise<BatchSettings | undefined> {
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

  if (file === undefined)
    return input.problem("file", `required in batch mode: a ${SUPPORTED_EXTENSIONS.join(", ")} file of rows`);
  const format = formatOfFile(file);
  if (format === undefined)
    return input.problem(
      "file",
      `${JSON.stringify(basename(file))}: expected one of ${SUPPORTED_EXTENSIONS.join(", ")}`,
    );
  const handle = await open(file, "r").catch((error: NodeJS.ErrnoException) => error);
  if (!("close" in handle))
    return input.problem("file", `cannot read ${JSON.stringify(file)}: ${handle.code ?? handle.message}`);
  await handle.close();
  const badLine = await firstNonUtf8Line(file);
  if (badLine !== undefined) {
    return input.problem(
      "file",
      `line ${badLine} is not valid UTF-8: the file must be UTF-8 ` +
        '(re-save it as "CSV UTF-8", or convert it with `iconv -f latin1 -t utf-8`)',
    );
  }
  if (format === "csv") {
    const header = await readCsvHeader(file).catch((): string[] => []);
    if (!header.includes("to")) {
      const names = header.map((name) => JSON.stringify(name)).join(", ") || "nothing";
      input.problem("file", `the CSV header has no "to" column (it has: ${names})`);
    }
  }
  if (input.problems.length > 0 || concurrency === undefined) return undefined;

  const displayFile = context.workspace ? relative(context.workspace, file).split("\\").join("/") : file;
  // The shared vars and metadata are part of what the step sends: matrix legs that differ only
  // in them must not share keys.
  const stepKey = stepIdempotencyKey(context, [
    "batch",
    displayFile,
    template ?? "",
    shortHash([stableJson({ vars, metadata })]),
  ]);
  const shardSuffix = shard.count > 1 ? `-shard-${shard.index}-of-${shard.count}` : "";
  const resultsFile =
    resultsPath ??
    `${context.runnerTemp || tmpdir()}/senderkit-results-${safeName(context.action || "batch")}${shardSuffix}.jsonl`;
  if (await sameFile(resultsFile, file)) {
    return input.problem(
      "results-file",
      `${JSON.stringify(resultsFile)} is the batch file itself (after following links): it would be emptied`,
    );
  }
  // Checked now, so a results file that cannot be written fails the step before anything is sent.
  const writable = await open(resultsFile, "a").catch((error: NodeJS.ErrnoException) => error);
  if (!("close" in writable))
    return input.problem(
      "results-file",
      `cannot write ${JSON.stringify(resultsFile)}: ${writable.code ?? writable.message}`,
    );
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
    keys:
      givenKey !== undefined
        ? { kind: "given", key: givenKey }
        : stepKey !== undefined
          ? { kind: "step", key: stepKey }
          : { kind: "none" },
  };
}

function safeName(text: string): string {
  return text.replace(/[^A-Za-z0-9_.-]+/g, "_");
}

/** Whether `candidate` (which may not exist yet) is `existing`, after links of either kind. */
async function sameFile(candidate: string, existing: string): Promise<boolean> {
  const target = await realpath(existing);
  const resolved = await realpath(candidate).catch(async () =>
    join(await realpath(dirname(candidate)).catch(() => dirname(candidate)), basename(candidate)),
  );
  if (resolved === target) return true;
  const [a, b] = await Promise.all([stat(resolved).catch(() => undefined), stat(target)]);
  return a !== undefined && a.dev === b.dev && a.ino === b.ino;
}

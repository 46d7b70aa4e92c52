// Talking to the GitHub Actions runner: inputs from `INPUT_*` variables, outputs and the job
// summary through the files the runner names (GITHUB_OUTPUT, GITHUB_STEP_SUMMARY), and workflow
// commands on stdout (`::error file=…::`, `::group::`, `::add-mask::`).
//
// Written here rather than imported from @actions/core: that package loads its own HTTP client
// (and a second copy of undici) at import time for OIDC tokens, which would put the whole HTTP
// stack into the start-up of lint mode. The protocol itself is small and documented:
// https://docs.github.com/actions/reference/workflow-commands-for-github-actions
import { appendFileSync } from "node:fs";
import { EOL } from "node:os";

/** Where an annotation points; lines and columns are 1-based. */
export interface AnnotationProperties {
  title?: string | undefined;
  file?: string | undefined;
  line?: number | undefined;
  endLine?: number | undefined;
  column?: number | undefined;
  endColumn?: number | undefined;
}

export interface Runner {
  /** The input's value, trimmed; "" when not set. */
  getInput(name: string): string;
  /** Masks `secret` in the log from now on, and in everything this runner writes. */
  setSecret(secret: string): void;
  setOutput(name: string, value: string | number): void;
  info(message: string): void;
  warning(message: string, properties?: AnnotationProperties): void;
  error(message: string, properties?: AnnotationProperties): void;
  /** Folds the log lines written while `work` runs under `name`. */
  group<T>(name: string, work: () => Promise<T>): Promise<T>;
  /** Appends Markdown to the job summary (nothing when the runner gave no summary file). */
  appendSummary(markdown: string): void;
  /** Marks the step as failed (exit code 1) with an error annotation. */
  setFailed(message: string): void;
  readonly failed: boolean;
  /** `text` with every secret replaced by `***`, for files the runner does not mask (results, summary). */
  redact(text: string): string;
}

export interface RunnerOptions {
  env?: NodeJS.ProcessEnv;
  /** Receives every line written to the log; default: process.stdout. */
  write?: (text: string) => void;
}

/**
 * The runner keeps at most 10 annotations of each type (error, warning, notice) per step and
 * drops the rest. A mode that is going to end with an annotation of a type (the failure of
 * `setFailed` is an error) emits at most `ANNOTATIONS_PER_TYPE - 1` findings of that type, so
 * that last one survives; the rest go to the job summary.
 */
export const ANNOTATIONS_PER_TYPE = 10;

/** The runner refuses a step summary over 1 MiB; stay well below it. */
export const SUMMARY_LIMIT_BYTES = 512 * 1024;

export function createRunner(options: RunnerOptions = {}): Runner {
  const env = options.env ?? process.env;
  const write = options.write ?? ((text: string) => void process.stdout.write(text));
  const secrets: string[] = [];
  let failed = false;
  let summaryBytes = 0;
  let summaryTruncated = false;

  const redact = (text: string): string => {
    let result = text;
    for (const secret of secrets) result = result.split(secret).join("***");
    return result;
  };
  const line = (text: string) => write(redact(text) + EOL);
  const command = (name: string, properties: AnnotationProperties | undefined, message: string) =>
    line(formatCommand(name, annotationProperties(properties), redact(message)));

  return {
    getInput(name) {
      return (env[inputVariable(name)] ?? "").trim();
    },
    setSecret(secret) {
      if (secret === "" || secrets.includes(secret)) return;
      secrets.push(secret);
      // Written unredacted on purpose: this command is what tells the runner to mask it.
      write(formatCommand("add-mask", {}, secret) + EOL);
    },
    setOutput(name, value) {
      const text = redact(String(value));
      const file = env.GITHUB_OUTPUT;
      if (file) appendFileSync(file, fileCommandEntry(name, text), "utf8");
      else line(formatCommand("set-output", { name }, text));
    },
    info: line,
    warning(message, properties) {
      command("warning", properties, message);
    },
    error(message, properties) {
      command("error", properties, message);
    },
    async group(name, work) {
      line(formatCommand("group", {}, name));
      try {
        return await work();
      } finally {
        line(formatCommand("endgroup", {}, ""));
      }
    },
    appendSummary(markdown) {
      const file = env.GITHUB_STEP_SUMMARY;
      if (!file || summaryTruncated) return;
      let text = redact(markdown);
      if (summaryBytes + Buffer.byteLength(text) > SUMMARY_LIMIT_BYTES) {
        summaryTruncated = true;
        text = `\n> The summary was cut here: it reached the ${SUMMARY_LIMIT_BYTES / 1024} KiB this action allows itself. See the step log.\n`;
      }
      summaryBytes += Buffer.byteLength(text);
      appendFileSync(file, text, "utf8");
    },
    setFailed(message) {
      failed = true;
      command("error", undefined, message);
    },
    get failed() {
      return failed;
    },
    redact,
  };
}

/**
 * Untrusted text (from a file, a row, an API answer) for a log line: as is when it cannot break
 * the line or be read as a workflow command, else as a JSON string (line breaks escaped).
 */
export function logText(text: string): string {
  return /[\r\n\u2028\u2029]/.test(text) || text.trimStart().startsWith("::") ? JSON.stringify(text) : text;
}

/** `api-key` → `INPUT_API-KEY`: the runner upper-cases the name and keeps dashes. */
export function inputVariable(name: string): string {
  return `INPUT_${name.replace(/ /g, "_").toUpperCase()}`;
}

/** `::name key=value,key=value::message`, escaped as the runner expects. */
export function formatCommand(name: string, properties: Record<string, string | number>, message: string): string {
  const props = Object.entries(properties)
    .map(([key, value]) => `${key}=${escapeProperty(String(value))}`)
    .join(",");
  return `::${name}${props ? ` ${props}` : ""}::${escapeData(message)}`;
}

export function escapeData(text: string): string {
  return text.replace(/%/g, "%25").replace(/\r/g, "%0D").replace(/\n/g, "%0A");
}

export function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, "%3A").replace(/,/g, "%2C");
}

/** Annotation properties under the names the runner reads (`col`, not `column`). */
function annotationProperties(properties: AnnotationProperties | undefined): Record<string, string | number> {
  const result: Record<string, string | number> = {};
  if (!properties) return result;
  if (properties.title) result.title = properties.title;
  if (properties.file) result.file = properties.file;
  if (properties.line !== undefined) result.line = properties.line;
  if (properties.endLine !== undefined) result.endLine = properties.endLine;
  if (properties.column !== undefined) result.col = properties.column;
  if (properties.endColumn !== undefined) result.endColumn = properties.endColumn;
  return result;
}

/**
 * A `name<<delimiter` entry of GITHUB_OUTPUT. The delimiter is checked not to occur in the value,
 * so it needs no cryptographic randomness (and lint mode starts without loading node:crypto).
 */
export function fileCommandEntry(name: string, value: string): string {
  let delimiter: string;
  do delimiter = `ghadelimiter_${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`;
  while (name.includes(delimiter) || value.includes(delimiter));
  return `${name}<<${delimiter}${EOL}${value}${EOL}${delimiter}${EOL}`;
}

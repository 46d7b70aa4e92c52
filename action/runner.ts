// The runner's I/O for the modes, on @actions/core: inputs, outputs, masking, annotations,
// groups, debug lines, the job summary and failure. What this file adds to the toolkit is what
// the toolkit leaves to its callers:
//  - untrusted text (rows, file and fixture names, SenderKit's messages) cannot command the
//    runner from a log line: core.info writes lines as they are, and the runner reads `::cmd::`
//    at the start of a line and `##[cmd]` anywhere in one (see action/README.md);
//  - secrets are redacted from what the runner does not mask: the results file, and text that a
//    server could echo a key back in;
//  - the 10-annotations-per-type cap and the summary's size cap.
import { randomUUID } from "node:crypto";
import * as core from "@actions/core";
import { API_KEY_PATTERN } from "../src/internal/rules.ts";

/** Where an annotation points; lines and columns are 1-based (0 or NaN: not given). */
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
  /** Masks `secret` in the log; a well-formed API key is also redacted by `redact`. */
  setSecret(secret: string): void;
  setOutput(name: string, value: string | number): void;
  /** A log line; any text is safe here, whatever command syntax it holds. */
  info(message: string): void;
  /** A line shown only in runs with debug logging (ACTIONS_STEP_DEBUG); never a secret. */
  debug(message: string): void;
  warning(message: string, properties?: AnnotationProperties): void;
  error(message: string, properties?: AnnotationProperties): void;
  /** Folds the log lines written while `work` runs under `name`. */
  group<T>(name: string, work: () => Promise<T>): Promise<T>;
  /** Appends Markdown to the job summary (nothing when the runner gave no summary file). */
  appendSummary(markdown: string): Promise<void>;
  /** Marks the step as failed (exit code 1) with an error annotation. */
  setFailed(message: string): void;
  readonly failed: boolean;
  /** `text` with secrets replaced by `***`, for text from outside that goes into files and outputs. */
  redact(text: string): string;
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

/** SenderKit secrets by their shape: redacted wherever outside text could carry one. */
const SECRET_SHAPES = /\b(?:sk_(?:test|live)_[A-Za-z0-9]{8,}|whsec_[A-Za-z0-9+/=_-]{8,})/g;

export function createRunner(): Runner {
  const secrets: string[] = [];
  let failed = false;
  let summaryBytes = 0;
  let summaryCut = false;
  return {
    getInput: (name) => core.getInput(name),
    setSecret(secret) {
      if (secret === "") return;
      core.setSecret(secret);
      // Only a key that could have been sent can come back from a server; redacting a mistyped
      // one-character key would mangle every text it occurs in.
      if (API_KEY_PATTERN.test(secret) && !secrets.includes(secret)) secrets.push(secret);
    },
    setOutput: (name, value) => core.setOutput(name, String(value)),
    info: (message) => core.info(inertText(message)),
    debug: (message) => core.debug(message),
    warning: (message, properties) => core.warning(message, toolkitProperties(properties)),
    error: (message, properties) => core.error(message, toolkitProperties(properties)),
    group: (name, work) => core.group(name, work),
    async appendSummary(markdown) {
      if (!process.env.GITHUB_STEP_SUMMARY || summaryCut) return;
      let text = markdown;
      if (summaryBytes + Buffer.byteLength(text) > SUMMARY_LIMIT_BYTES) {
        summaryCut = true;
        const limit = `${SUMMARY_LIMIT_BYTES / 1024} KiB`;
        text = `\n> The summary was cut here: it reached the ${limit} this action allows itself. See the step log.\n`;
      }
      summaryBytes += Buffer.byteLength(text);
      await core.summary.addRaw(text).write();
    },
    setFailed(message) {
      failed = true;
      core.setFailed(message);
    },
    get failed() {
      return failed;
    },
    redact: (text) => redactSecrets(text, secrets),
  };
}

export function redactSecrets(text: string, secrets: readonly string[]): string {
  let result = text.replace(SECRET_SHAPES, "***");
  for (const secret of secrets) result = result.split(secret).join("***");
  return result;
}

/**
 * `message` as the runner will print it and run none of it: text that holds command syntax goes
 * between `::stop-commands::<token>` and `::<token>::`, with a token nobody can guess.
 */
export function inertText(message: string): string {
  if (!message.includes("::") && !message.includes("##[")) return message;
  const token = randomUUID();
  return `::stop-commands::${token}\n${message}\n::${token}::`;
}

/**
 * Untrusted text for a log line that stays one line: as is, or as a JSON string when it holds a
 * line break (which would otherwise start a line of its own).
 */
export function logText(text: string): string {
  return /[\r\n\u2028\u2029]/.test(text) ? JSON.stringify(text) : text;
}

/** Our names (`line`, `column`) as @actions/core's (`startLine`, `startColumn`). */
function toolkitProperties(properties: AnnotationProperties | undefined): core.AnnotationProperties {
  if (!properties) return {};
  return {
    title: properties.title,
    file: properties.file,
    startLine: properties.line,
    endLine: properties.endLine,
    startColumn: properties.column,
    endColumn: properties.endColumn,
  };
}

// Helpers for the action's tests: a runner that records what a mode does, a context as the
// runner's variables would give it, and a way to run the bundled action (dist/index.js) exactly as
// the Actions runner would.
import { fileURLToPath } from "node:url";
import type { GitHubContext } from "../../action/context.ts";
import type { AnnotationProperties, Runner } from "../../action/runner.ts";
import { BUILT_ACTION, runLikeRunner } from "../../scripts/run-like-runner.ts";
import type { RunLikeRunnerOptions } from "../../scripts/run-like-runner.ts";

export const REPO = fileURLToPath(new URL("../../", import.meta.url));
export const ACTION = BUILT_ACTION;

export interface RecordingRunner extends Runner {
  inputs: Record<string, string>;
  outputs: Record<string, string>;
  log: string[];
  annotations: { kind: "warning" | "error"; message: string; properties: AnnotationProperties | undefined }[];
  summary: string;
  secrets: string[];
  failures: string[];
}

/** A runner for calling modes directly: inputs from a mapping, everything else recorded. */
export function recordingRunner(inputs: Record<string, string> = {}): RecordingRunner {
  const runner: RecordingRunner = {
    inputs,
    outputs: {},
    log: [],
    annotations: [],
    summary: "",
    secrets: [],
    failures: [],
    getInput: (name) => (inputs[name] ?? "").trim(),
    setSecret: (secret) => void runner.secrets.push(secret),
    setOutput: (name, value) => void (runner.outputs[name] = String(value)),
    info: (message) => void runner.log.push(message),
    debug: (message) => void runner.log.push(`[debug] ${message}`),
    warning: (message, properties) => void runner.annotations.push({ kind: "warning", message, properties }),
    error: (message, properties) => void runner.annotations.push({ kind: "error", message, properties }),
    group: async (name, work) => {
      runner.log.push(`[group] ${name}`);
      return work();
    },
    appendSummary: async (markdown) => void (runner.summary += markdown),
    setFailed: (message) => void runner.failures.push(message),
    get failed() {
      return runner.failures.length > 0;
    },
    redact: (text) => runner.secrets.reduce((result, secret) => result.split(secret).join("***"), text),
  };
  return runner;
}

export interface ActionRun {
  code: number | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
  /** Workflow commands printed, e.g. `{ command: "error", properties: { file, line, col }, message }`. */
  commands: { command: string; properties: Record<string, string>; message: string }[];
}

export type { RunLikeRunnerOptions as RunOptions } from "../../scripts/run-like-runner.ts";
export { DEFAULT_GITHUB, parseOutputFile } from "../../scripts/run-like-runner.ts";

/** Runs `node dist/index.js` as the runner does, and reads the workflow commands it printed. */
export async function runAction(options: RunLikeRunnerOptions): Promise<ActionRun> {
  const run = await runLikeRunner(options);
  return { ...run, commands: parseCommands(run.stdout) };
}

/** `::name key=value,…::message` lines, unescaped. */
export function parseCommands(stdout: string): ActionRun["commands"] {
  const unescape = (text: string) =>
    text.replace(/%0A/g, "\n").replace(/%0D/g, "\r").replace(/%3A/g, ":").replace(/%2C/g, ",").replace(/%25/g, "%");
  const commands: ActionRun["commands"] = [];
  for (const line of stdout.split(/\r?\n/)) {
    const match = /^::([a-z-]+)(?: ([^:]*))?::(.*)$/.exec(line);
    if (!match) continue;
    const properties: Record<string, string> = {};
    for (const pair of (match[2] ?? "").split(",").filter((part) => part !== "")) {
      const at = pair.indexOf("=");
      properties[pair.slice(0, at)] = unescape(pair.slice(at + 1));
    }
    commands.push({ command: match[1]!, properties, message: unescape(match[3]!) });
  }
  return commands;
}

/** A workflow run's context (what readGitHubContext gives in Actions); override any of it. */
export function githubContext(overrides: Partial<GitHubContext> = {}): GitHubContext {
  return {
    repository: "acme/shop",
    runId: "1000001",
    runAttempt: "1",
    job: "notify",
    action: "senderkit",
    sha: "3f0c8490a1b2c3d4e5f60718293a4b5c6d7e8f90",
    ref: "refs/heads/main",
    workflow: "Deploy",
    eventName: "push",
    serverUrl: "https://github.com",
    workspace: "",
    runnerTemp: "",
    ...overrides,
  };
}

/**
 * The lines of `stdout` the runner would act on as workflow commands, read as actions/runner's
 * ActionCommand does: `::cmd::` after leading blanks, `##[cmd]` anywhere in a line, nothing
 * between `::stop-commands::<token>` and `::<token>::`. Lines break at \n, \r\n and a lone \r.
 */
export function runnerCommandLines(stdout: string): string[] {
  const commands: string[] = [];
  let stopToken: string | undefined;
  for (const line of stdout.split(/\r\n|\r|\n/)) {
    if (stopToken !== undefined) {
      if (line.trim() === `::${stopToken}::`) stopToken = undefined;
      continue;
    }
    const stop = /^::stop-commands::(.+)$/.exec(line.trimStart());
    if (stop) stopToken = stop[1];
    else if (line.trimStart().startsWith("::") || line.includes("##[")) commands.push(line);
  }
  return commands;
}

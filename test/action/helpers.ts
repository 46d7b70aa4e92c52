// Helpers for the action's tests: a runner that records what a mode does, and a way to run the
// bundled action (dist/index.js) exactly as the Actions runner would.
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { AnnotationProperties, Runner } from "../../action/runner.ts";
import { inputVariable } from "../../action/runner.ts";

export const REPO = fileURLToPath(new URL("../../", import.meta.url));
export const ACTION = join(REPO, "dist", "index.js");

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
    warning: (message, properties) => void runner.annotations.push({ kind: "warning", message, properties }),
    error: (message, properties) => void runner.annotations.push({ kind: "error", message, properties }),
    group: async (name, work) => {
      runner.log.push(`[group] ${name}`);
      return work();
    },
    appendSummary: (markdown) => void (runner.summary += markdown),
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

export interface RunOptions {
  /** Inputs by their action.yml names. */
  inputs: Record<string, string>;
  /** The workspace (checkout) directory; also the working directory. */
  workspace: string;
  /** GITHUB_* variables to set or override. */
  github?: Record<string, string>;
}

export const DEFAULT_GITHUB = {
  GITHUB_ACTIONS: "true",
  GITHUB_REPOSITORY: "acme/shop",
  GITHUB_RUN_ID: "1000001",
  GITHUB_RUN_ATTEMPT: "1",
  GITHUB_JOB: "notify",
  GITHUB_ACTION: "senderkit",
  GITHUB_SHA: "3f0c8490a1b2c3d4e5f60718293a4b5c6d7e8f90",
  GITHUB_REF: "refs/heads/main",
  GITHUB_WORKFLOW: "Deploy",
  GITHUB_EVENT_NAME: "push",
  GITHUB_SERVER_URL: "https://github.com",
};

/** Runs `node dist/index.js` as the runner does: INPUT_* variables, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files. */
export async function runAction(options: RunOptions): Promise<ActionRun> {
  const files = await mkdtemp(join(tmpdir(), "senderkit-action-run-"));
  try {
    const outputFile = join(files, "output");
    const summaryFile = join(files, "summary.md");
    await writeFile(outputFile, "");
    await writeFile(summaryFile, "");
    // Nothing of the environment the tests run in (a workflow, maybe) leaks into the run.
    const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(INPUT_|GITHUB_|RUNNER_|SENDERKIT_)/.test(key)));
    Object.assign(env, DEFAULT_GITHUB, { GITHUB_WORKSPACE: options.workspace, GITHUB_OUTPUT: outputFile, GITHUB_STEP_SUMMARY: summaryFile, RUNNER_TEMP: files }, options.github);
    for (const [name, value] of Object.entries(options.inputs)) env[inputVariable(name)] = value;

    const child = spawn(process.execPath, [ACTION], { env, cwd: options.workspace, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once("error", reject);
      child.once("close", resolve);
    });
    return {
      code,
      stdout,
      stderr,
      outputs: parseOutputFile(await readFile(outputFile, "utf8")),
      summary: await readFile(summaryFile, "utf8"),
      commands: parseCommands(stdout),
    };
  } finally {
    await rm(files, { recursive: true, force: true });
  }
}

/** GITHUB_OUTPUT entries (`name<<DELIMITER`, the value's lines, `DELIMITER`). */
export function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const heredoc = /^([^=<]+)<<(.+)$/.exec(lines[i]!);
    if (!heredoc) continue;
    const end = lines.indexOf(heredoc[2]!, i + 1);
    outputs[heredoc[1]!] = lines.slice(i + 1, end).join("\n");
    i = end;
  }
  return outputs;
}

/** `::name key=value,…::message` lines, unescaped. */
export function parseCommands(stdout: string): ActionRun["commands"] {
  const unescape = (text: string) => text.replace(/%0A/g, "\n").replace(/%0D/g, "\r").replace(/%3A/g, ":").replace(/%2C/g, ",").replace(/%25/g, "%");
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

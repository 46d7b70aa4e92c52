// Runs the built action (`node dist/index.js`) the way the GitHub runner does: inputs as
// INPUT_* variables, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files, the GITHUB_* context. Used by
// the demo, the Action's end-to-end tests, the soak test and the benchmarks.
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const BUILT_ACTION = fileURLToPath(new URL("../dist/index.js", import.meta.url));

/** A plausible push-triggered workflow run; override any of it per call. */
export const DEFAULT_GITHUB: Record<string, string> = {
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

export interface RunLikeRunnerOptions {
  /** Inputs by their action.yml names. */
  inputs: Record<string, string>;
  /** The workspace (checkout) directory; also the working directory. */
  workspace: string;
  /** GITHUB_* (or other) variables to set or override. */
  github?: Record<string, string> | undefined;
  /** Spawns `node` with these arguments before the script (e.g. a memory flag); default none. */
  nodeArgs?: readonly string[] | undefined;
}

export interface RunnerRun {
  code: number | null;
  stdout: string;
  stderr: string;
  outputs: Record<string, string>;
  summary: string;
}

/** `api-key` → `INPUT_API-KEY`: the runner upper-cases the name, spaces become `_`, dashes stay. */
export function inputVariable(name: string): string {
  return `INPUT_${name.replace(/ /g, "_").toUpperCase()}`;
}

/** The files and folders the runner gives a step (it creates the two files before the step starts). */
export interface StepFiles {
  workspace: string;
  outputFile: string;
  summaryFile: string;
  runnerTemp: string;
}

/**
 * The environment the runner gives a step: the caller's own without any INPUT_, GITHUB_, RUNNER_ or
 * SENDERKIT_ variable (nothing of a workflow the caller runs in leaks in), a plausible run
 * (DEFAULT_GITHUB, then `github`), the step's files and its inputs.
 */
export function runnerEnvironment(
  step: StepFiles,
  inputs: Record<string, string>,
  github: Record<string, string> = {},
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !/^(INPUT_|GITHUB_|RUNNER_|SENDERKIT_)/.test(key)),
  );
  Object.assign(
    env,
    DEFAULT_GITHUB,
    {
      GITHUB_WORKSPACE: step.workspace,
      GITHUB_OUTPUT: step.outputFile,
      GITHUB_STEP_SUMMARY: step.summaryFile,
      RUNNER_TEMP: step.runnerTemp,
    },
    github,
  );
  for (const [name, value] of Object.entries(inputs)) env[inputVariable(name)] = value;
  return env;
}

export async function runLikeRunner(options: RunLikeRunnerOptions): Promise<RunnerRun> {
  const files = await mkdtemp(join(tmpdir(), "senderkit-action-run-"));
  try {
    const outputFile = join(files, "output");
    const summaryFile = join(files, "summary.md");
    await writeFile(outputFile, "");
    await writeFile(summaryFile, "");
    const env = runnerEnvironment(
      { workspace: options.workspace, outputFile, summaryFile, runnerTemp: files },
      options.inputs,
      options.github,
    );

    const child = spawn(process.execPath, [...(options.nodeArgs ?? []), BUILT_ACTION], {
      env,
      cwd: options.workspace,
      stdio: ["ignore", "pipe", "pipe"],
    });
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
    };
  } finally {
    await rm(files, { recursive: true, force: true });
  }
}

/** GITHUB_OUTPUT entries: `name<<DELIMITER`, the value's lines, `DELIMITER` (or a plain `name=value`). */
export function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const end = lines.indexOf(heredoc[2]!, i + 1);
      outputs[heredoc[1]!] = lines.slice(i + 1, end).join("\n");
      i = end;
    } else if (line.includes("=")) {
      outputs[line.slice(0, line.indexOf("="))] = line.slice(line.indexOf("=") + 1);
    }
  }
  return outputs;
}

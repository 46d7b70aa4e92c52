// The whole step: mask the API key, pick the mode, run it, and turn any failure into a failed
// step. Each mode is a dynamic import, so the bundle gives it a chunk of its own: lint mode never
// loads the HTTP client or octokit.
import { readGitHubContext, workspaceOf } from "./context.ts";
import { describeError } from "./failure.ts";
import { InputError, InputReader, MODES, apiKeyFrom, ignoredInputs } from "./inputs.ts";
import type { Mode } from "./inputs.ts";
import { createRunner } from "./runner.ts";
import type { Runner } from "./runner.ts";

export async function run(runner: Runner = createRunner()): Promise<void> {
  // First of all, before anything could print it.
  const apiKey = apiKeyFrom(runner, process.env);
  runner.setSecret(apiKey);
  runner.setSecret(runner.getInput("github-token"));
  try {
    const mode = readMode(runner);
    for (const name of ignoredInputs(runner, mode)) runner.warning(`${name}: not used in ${mode} mode; ignored`);
    if (mode === "lint") {
      await (await import("./lint.ts")).runLintMode(runner, workspaceOf(), apiKey);
    } else if (mode === "batch") {
      await (await import("./batch.ts")).runBatchMode(runner, await readGitHubContext(), apiKey);
    } else {
      await (await import("./send.ts")).runSendMode(runner, await readGitHubContext(), apiKey);
    }
  } catch (error) {
    const message =
      error instanceof InputError
        ? `${error.message}\nNothing was sent.`
        : describeError(error, { runAttempt: process.env.GITHUB_RUN_ATTEMPT });
    runner.setFailed(runner.redact(message));
  }
}

function readMode(runner: Runner): Mode {
  const input = new InputReader(runner);
  const value = input.text("mode");
  if (!(MODES as readonly string[]).includes(value)) {
    input.problem("mode", `expected one of ${MODES.join(", ")}, got ${JSON.stringify(value)}`);
  }
  input.check();
  return value as Mode;
}
